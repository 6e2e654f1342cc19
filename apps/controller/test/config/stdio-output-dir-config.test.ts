/**
 * `agent.drives[].outputDir`: the folder a `stdio:` pseudo drive keeps each
 * burned disc in. Taken relative to the configuration file; refused with one
 * line naming the field when it is missing, on another filesystem than the
 * drive file (a tmpfs), the drive is no stdio: drive, or the target is not a
 * regular file.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function temp(root: string): string {
  const d = mkdtempSync(path.join(root, 'out-dir-'));
  dirs.push(d);
  return d;
}

function resolve(base: string, drive: unknown) {
  const text = JSON.stringify({ dataDir: 'data', agent: { drives: [drive] } });
  return resolveConfig(parseConfigText(text), { env: {}, cwd: base, filePath: path.join(base, 'tower.json') });
}

function refusal(base: string, drive: unknown): string {
  try {
    resolve(base, drive);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

describe('agent.drives[].outputDir', () => {
  it('resolves against the configuration file into the drive spec', () => {
    const base = temp(os.tmpdir());
    mkdirSync(path.join(base, 'discs'));
    const { drives } = resolve(base, { device: 'stdio:drive0.img', outputDir: 'discs' }).agent;
    expect(drives.kind === 'list' ? drives.drives[0] : null).toMatchObject({
      device: `stdio:${path.join(base, 'drive0.img')}`, stdioOutputDir: path.join(base, 'discs'),
    });
  });

  it('refuses a missing folder, one on another filesystem, a drive that is not stdio: and a target that is no file', () => {
    const base = temp(os.tmpdir());
    expect(refusal(base, { device: 'stdio:drive0.img', outputDir: 'nope' }))
      .toBe(`config agent.drives[0].outputDir: ${path.join(base, 'nope')} is not an existing folder: create it first`);
    const shm = temp('/dev/shm');
    expect(refusal(base, { device: 'stdio:drive0.img', outputDir: shm }))
      .toMatch(/^config agent\.drives\[0\]\.outputDir: .* is on another filesystem than the drive file .*drive0\.img: discs are moved by rename/);
    expect(refusal(base, { device: 'sim:0', outputDir: base })).toMatch(/^config agent\.drives\[0\]\.outputDir: is only for stdio: pseudo drives/);
    mkdirSync(path.join(base, 'adir'));
    expect(refusal(base, { device: 'stdio:adir', outputDir: base })).toMatch(/adir is not a regular file/);
    expect(refusal(base, { device: 'stdio:drive0.img', outputDir: '' })).toMatch(/outputDir/);
  });
});

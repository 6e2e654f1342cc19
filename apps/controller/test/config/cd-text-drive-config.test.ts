/**
 * `agent.drives[].cdText` and `agent.drives[].cdrdaoDriver`: a real drive
 * declared to write CD-TEXT, and the cdrdao driver it is burned with.
 * Reach the drive spec as given; refused with one line naming the field on a
 * drive that is no real drive, for a driver cdrdao does not have or a
 * malformed option, and for a value of the wrong type.
 */
import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

function resolve(drive: unknown) {
  const base = os.tmpdir();
  const text = JSON.stringify({ dataDir: 'data', agent: { drives: [drive] } });
  return resolveConfig(parseConfigText(text), { env: {}, cwd: base, filePath: path.join(base, 'tower.json') });
}

function refusal(drive: unknown): string {
  try {
    resolve(drive);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

describe('agent.drives[].cdText and cdrdaoDriver', () => {
  it('carries both to the drive spec of a real drive; absent, neither is set', () => {
    const { drives } = resolve({ device: '/dev/sr1', cdText: true, cdrdaoDriver: 'generic-mmc-raw:0x1' }).agent;
    expect(drives.kind === 'list' ? drives.drives[0] : null).toMatchObject({ device: '/dev/sr1', cdText: true, cdrdaoDriver: 'generic-mmc-raw:0x1' });
    const plain = resolve({ device: '/dev/sr1' }).agent.drives;
    const spec = plain.kind === 'list' ? plain.drives[0] : null;
    expect(spec).not.toBeNull();
    expect(spec).not.toHaveProperty('cdText');
    expect(spec).not.toHaveProperty('cdrdaoDriver');
  });

  it('refuses an unknown driver and a malformed option with one line naming the field', () => {
    for (const driver of ['generic-mmcx', 'generic-mmc:16', 'generic-mmc:0x', 'generic-mmc:0x10;rm', 'GENERIC-MMC', '--help']) {
      const message = refusal({ device: '/dev/sr0', cdrdaoDriver: driver });
      expect(message).toMatch(/^config agent\.drives\[0\]\.cdrdaoDriver: '.*' is not a cdrdao driver: use one of cdd2600, generic-mmc, generic-mmc-raw/);
      expect(message).not.toContain('\n');
    }
  });

  it('refuses both on a stdio: or simulated drive, and a cdText that is no boolean', () => {
    expect(refusal({ device: 'stdio:/tmp/drive0.img', cdText: true })).toMatch(/^config agent\.drives\[0\]\.cdText: is only for real drives/);
    expect(refusal({ device: 'sim:0', cdrdaoDriver: 'generic-mmc' })).toMatch(/^config agent\.drives\[0\]\.cdrdaoDriver: is only for real drives/);
    const wrongType = refusal({ device: '/dev/sr0', cdText: 'yes' });
    expect(wrongType).toMatch(/cdText/);
    expect(wrongType).not.toContain('\n');
  });
});

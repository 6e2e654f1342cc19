/**
 * `tower images build` against a real controller (test/api/support.ts: the
 * app, Redis, a library with an import root): a folder built into the
 * library and followed to its image (text and `--json`), a refusal as one
 * line and exit 1, and arguments refused before anything is sent.
 */
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { OPERATOR, startEnv } from '../api/support.js';
import type { Env } from '../api/support.js';
import { runCli } from './cli-harness.js';

let env: Env;
let folder = '';
let big = '';
beforeAll(async () => {
  env = await startEnv();
  folder = path.join(env.importRoot, 'cli-disc');
  mkdirSync(path.join(folder, 'boot'), { recursive: true });
  writeFileSync(path.join(folder, 'boot', 'boot.img'), Buffer.alloc(2048, 0x42));
  writeFileSync(path.join(folder, 'Ärger mit Umlauten.txt'), 'ä\n');
  big = path.join(env.importRoot, 'cli-big');
  mkdirSync(big);
  writeFileSync(path.join(big, 'big.bin'), '');
  truncateSync(path.join(big, 'big.bin'), 900 * 1000 ** 2);
});
afterAll(async () => env?.stop());

const cli = (args: string[]) => runCli(args, { env: { TOWER_URL: env.url, TOWER_TOKEN: OPERATOR } });

describe('tower images build', () => {
  it('builds a folder and prints the image (text, then --json)', { timeout: 60_000 }, async () => {
    const text = await cli(['images', 'build', folder, '--name', 'CLI disc', '--joliet', '--rock-ridge', '--boot', 'boot/boot.img', '--media', 'cd']);
    expect(text.code, text.stderr).toBe(EXIT.ok);
    expect(text.stdout).toMatch(/^built image img-[0-9a-f]+ 'CLI disc' \(.+, iso9660, joliet, rockRidge, elTorito, fits cd, sha256 [0-9a-f]{64}\)\n$/);
    const json = await cli(['images', 'build', folder, '--name', 'CLI disc 2', '--udf', '--json']);
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const image = JSON.parse(json.stdout) as { name: string; filesystems: string[]; provenance: { kind: string; detail: string } };
    expect(image).toMatchObject({ name: 'CLI disc 2', provenance: { kind: 'built', detail: expect.stringMatching(/cli-disc$/) } });
    expect(image.filesystems).toContain('udf');
  });

  it('refuses an image too large for the media in one line, exit 1', async () => {
    const res = await cli(['images', 'build', big, '--name', 'Big', '--media', 'cd']);
    expect(res.code).toBe(EXIT.failed);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/cd holds 405000 .*BUILD_TOO_LARGE_FOR_MEDIA/);
  });

  it('refuses bad arguments before sending anything', async () => {
    expect((await cli(['images', 'build', 'relative/folder', '--name', 'x'])).stderr).toMatch(/must be absolute/);
    const media = await cli(['images', 'build', folder, '--name', 'x', '--media', 'floppy']);
    expect(media.code).toBe(EXIT.usage);
    expect(media.stderr).toMatch(/--media must be one of/);
    expect((await cli(['images', 'build', folder])).stderr).toMatch(/--name/);
  });
});

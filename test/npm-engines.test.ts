/**
 * The locked dependency tree installs on the Node this machine runs (the
 * project supports Node >= 20.9): `npm ci` prints no EBADENGINE warning.
 * content-disposition@3 and cookie@2 (pulled in by @fastify/static and
 * light-my-request) want Node >= 22; the root package.json overrides them
 * with content-disposition@2 and cookie@1, whose functions those two call
 * are the same. `npm ci --dry-run` checks the lock without touching
 * node_modules; `--offline` needs nothing but the lock.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function npm(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', [...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('the locked dependencies', () => {
  it('install on this Node without an engine warning (npm ci --dry-run)', async () => {
    const { code, output } = await npm(['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund']);
    expect(output.split('\n').filter((l) => /EBADENGINE/i.test(l))).toEqual([]);
    expect(code, output).toBe(0);
  });
});

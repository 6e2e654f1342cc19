/**
 * Test images made with the real tools, and the HOME cdrskin needs as root.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh temp directory, removed by the returned cleanup. */
export function makeTempDir(prefix = 'tower-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Build an ISO 9660 image (Joliet + Rock Ridge) with genisoimage holding
 * `payloadBytes` of random data, so every sector differs.
 */
export function makeIso(dir: string, options: { name?: string; payloadBytes?: number; label?: string } = {}): string {
  const name = options.name ?? 'image.iso';
  const content = path.join(dir, `${name}.content`);
  mkdirSync(content, { recursive: true });
  writeFileSync(path.join(content, 'payload.bin'), randomBytes(options.payloadBytes ?? 2 * 1024 * 1024));
  writeFileSync(path.join(content, 'README.TXT'), 'tower test image\n');
  const iso = path.join(dir, name);
  const run = spawnSync('genisoimage', ['-quiet', '-J', '-R', '-V', options.label ?? 'TOWERTEST', '-o', iso, content], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`genisoimage failed: ${run.stderr || run.error?.message}`);
  rmSync(content, { recursive: true, force: true });
  return iso;
}

/**
 * A HOME directory holding cdrskin_permissions/allow_emulated_drives: as root,
 * cdrskin refuses stdio: targets other than /dev/null without it. The
 * directory must be owned by root and not group/other-writable.
 */
export function makeCdrskinHome(dir: string): string {
  const home = path.join(dir, 'home');
  const perms = path.join(home, 'cdrskin_permissions');
  mkdirSync(perms, { recursive: true });
  chmodSync(home, 0o755);
  chmodSync(perms, 0o755);
  writeFileSync(path.join(perms, 'allow_emulated_drives'), '');
  return home;
}

/** Environment for tools with HOME pointing at a cdrskin-ready home. */
export function cdrskinEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home };
}

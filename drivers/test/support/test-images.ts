/**
 * Test images made with the real tools, and the HOME cdrskin needs as root.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/** Where cdrskin 1.5.4 looks for its permission file when run as root. */
export const CDRSKIN_ROOT_PERMISSION_FILE = '/root/cdrskin_permissions/allow_emulated_drives';

/**
 * Let cdrskin burn to `stdio:` files when the tests run as root. cdrskin
 * refuses stdio: targets other than /dev/null for UID 0 unless
 * cdrskin_permissions/allow_emulated_drives exists in root's home, a folder
 * owned by root and not group/other-writable. cdrskin 1.5.4 builds that path
 * as /root/... and ignores $HOME, so the file is created there (idempotent);
 * non-root users need no file.
 */
export function allowCdrskinStdioAsRoot(): void {
  if (process.getuid?.() !== 0 || existsSync(CDRSKIN_ROOT_PERMISSION_FILE)) return;
  const dir = path.dirname(CDRSKIN_ROOT_PERMISSION_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(CDRSKIN_ROOT_PERMISSION_FILE, '');
}

/**
 * A HOME for tool runs in tests, holding cdrskin_permissions/allow_emulated_drives
 * too (for cdrskin builds that honour $HOME); also makes sure root's own
 * permission file exists (see allowCdrskinStdioAsRoot).
 */
export function makeCdrskinHome(dir: string): string {
  allowCdrskinStdioAsRoot();
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

/**
 * The built `tower drive …` commands against real tools: a cdrskin pseudo
 * drive burned, verified and read back; bad input refused with one line.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdrskinEnv, makeCdrskinHome, makeIso, makeTempDir } from '../drivers/test/support/test-images.js';
import { TOWER_CLI } from './support/repo-paths.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tower(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TOWER_CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('tower drive (the built CLI: `npm test` builds first)', () => {
  let work: ReturnType<typeof makeTempDir>;
  let env: NodeJS.ProcessEnv;
  let iso: string;

  beforeAll(() => {
    work = makeTempDir('cli-');
    env = cdrskinEnv(makeCdrskinHome(work.dir));
    iso = makeIso(work.dir, { payloadBytes: 2 * 1024 * 1024 });
  });
  afterAll(() => work.cleanup());

  it('burns to a pseudo drive with --verify and reports JSON', async () => {
    const target = path.join(work.dir, 'disc1.img');
    const run = await tower(['drive', 'burn', `stdio:${target}`, iso, '--verify', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { ok: boolean; fits: string[]; burn: { bytesWritten: number }; verify: { sha256: string } };
    expect(result.ok).toBe(true);
    expect(result.fits[0]).toBe('cd-650');
    expect(result.burn.bytesWritten).toBe(statSync(iso).size);
    expect(result.verify.sha256).toBe(sha256(iso));
  });

  it('a test burn to a new stdio: path leaves no file behind, and one on an existing target leaves it as it was', async () => {
    const fresh = path.join(work.dir, 'never-burned.img');
    const run = await tower(['drive', 'burn', `stdio:${fresh}`, iso, '--dummy'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(fresh)).toBe(false);
    const kept = path.join(work.dir, 'kept.img');
    writeFileSync(kept, '');
    expect((await tower(['drive', 'burn', `stdio:${kept}`, iso, '--dummy'], env)).code).toBe(0);
    expect(existsSync(kept)).toBe(true);
  });

  it('reads a burned disc back into an identical file', async () => {
    const target = path.join(work.dir, 'disc2.img');
    expect((await tower(['drive', 'burn', `stdio:${target}`, iso], env)).code).toBe(0);
    // A longer target (reused file) must not leak into the copy.
    writeFileSync(target, Buffer.alloc(8192, 0xaa), { flag: 'a' });
    const out = path.join(work.dir, 'back.iso');
    const run = await tower(['drive', 'read', `stdio:${target}`, out, '--bytes', String(statSync(iso).size), '--json'], env);
    expect(run.code).toBe(0);
    expect(sha256(out)).toBe(sha256(iso));
    expect((JSON.parse(run.stdout) as { sha256: string }).sha256).toBe(sha256(iso));
  });

  it('shows drive and media info', async () => {
    const run = await tower(['drive', 'info', `stdio:${path.join(work.dir, 'fresh.img')}`, '--json'], env);
    expect(run.code).toBe(0);
    const { info, media } = JSON.parse(run.stdout) as { info: { kind: string }; media: { status: string } };
    expect(info.kind).toBe('stdio');
    expect(media.status).toBe('blank');
  });

  it('lists drives as JSON (none on a machine without burners)', async () => {
    const run = await tower(['drive', 'list', '--json'], env);
    expect(run.code).toBe(0);
    expect(Array.isArray(JSON.parse(run.stdout))).toBe(true);
  });

  it('ejects', async () => {
    const run = await tower(['drive', 'eject', `stdio:${path.join(work.dir, 'disc1.img')}`, '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
  });

  it('burns and verifies on a simulated drive', async () => {
    const run = await tower(['drive', 'burn', 'sim:0?media=CD-R&timeScale=0.001', iso, '--verify', '--json'], env);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { verify: { sha256: string } }).verify.sha256).toBe(sha256(iso));
  });

  it('reports a failed burn with one line and a non-zero exit', async () => {
    const run = await tower(['drive', 'burn', 'sim:1?media=CD-R&timeScale=0.001&writeErrorAt=30', iso], env);
    expect(run.code).toBe(1);
    const lines = run.stderr.split(/\r|\n/).filter((l) => l.startsWith('tower:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/write error.*\[WRITE_ERROR\]/);
  });

  it.each([
    ['a zero speed', ['drive', 'burn', 'stdio:/tmp/x.img', 'IMAGE', '--speed', '0'], 2, /--speed must be a positive number/],
    ['a device with shell metacharacters', ['drive', 'info', '/dev/sr0;rm -rf /'], 2, /INVALID_DEVICE/],
    ['an unknown device kind', ['drive', 'eject', 'ftp://drive'], 2, /INVALID_DEVICE/],
    ['an unknown subcommand', ['drive', 'melt', 'sim:0'], 2, /unknown command/],
    ['a missing image', ['drive', 'burn', 'stdio:TARGET', '/nonexistent/image.iso'], 1, /IMAGE_ERROR/],
    ['a non-image file', ['drive', 'burn', 'stdio:TARGET', 'PACKAGE_JSON'], 1, /not-an-image\.json: the file is 19 bytes: too short for an ISO 9660 image and not a CUE sheet \[IMAGE_ERROR\]/],
    ['a bad --bytes', ['drive', 'read', 'stdio:TARGET', 'OUT', '--bytes', '1000'], 2, /--bytes must be a positive multiple of 2048/],
  ])('refuses %s with one line and writes nothing', async (_what, args, code, message) => {
    const target = path.join(work.dir, `refused-${code}.img`);
    const out = path.join(work.dir, `refused-${code}.out`);
    const resolved = args.map((a) =>
      a.replace('IMAGE', iso).replace('TARGET', target).replace('OUT', out).replace('PACKAGE_JSON', path.join(work.dir, 'not-an-image.json')),
    );
    writeFileSync(path.join(work.dir, 'not-an-image.json'), '{"not": "an image"}');
    const run = await tower(resolved, env);
    expect(run.code).toBe(code);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });
});

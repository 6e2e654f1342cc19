/**
 * Host-side helpers of the VM suite: building the guest, making the disc
 * images QEMU gets, hashing, and reading an ISO's volume size. Every program
 * is spawned with an argument array and a timeout.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface ProgramRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a program (no shell); rejects on a non-zero exit or after `timeoutMs` (the process is killed). */
export function runProgram(program: string, args: readonly string[], timeoutMs: number): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const run = { code, stdout, stderr };
      if (code === 0) resolve(run);
      else reject(new Error(`${program} ${args.join(' ')} failed (code ${code}, signal ${signal})\n${stderr.slice(-4000)}`));
    });
  });
}

export interface GuestFiles {
  readonly kernel: string;
  readonly initrd: string;
  /** Debian kernel package the guest boots. */
  readonly kernelPackage: string;
  readonly buildMs: number;
}

/** Run test/vm/build-guest.sh (reuses its cache when up to date). */
export async function buildGuest(script: string, cacheDir: string | undefined, timeoutMs: number): Promise<GuestFiles> {
  const started = Date.now();
  const run = await runProgram('bash', cacheDir === undefined ? [script] : [script, cacheDir], timeoutMs);
  const m = /^guest-dir=(.+)$/m.exec(run.stdout);
  if (!m?.[1]) throw new Error(`build-guest.sh printed no guest-dir line:\n${run.stdout}\n${run.stderr}`);
  const dir = m[1].trim();
  return {
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.gz'),
    kernelPackage: (await readFile(path.join(dir, 'kernel'), 'utf8')).trim(),
    buildMs: Date.now() - started,
  };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

/** ISO 9660 volume size in bytes from the Primary Volume Descriptor (sector 16). */
export async function isoVolumeBytes(file: string): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const pvd = Buffer.alloc(2048);
    await fh.read(pvd, 0, 2048, 16 * 2048);
    if (pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') throw new Error(`${file}: no ISO 9660 primary volume descriptor`);
    return pvd.readUInt32LE(80) * pvd.readUInt16LE(128);
  } finally {
    await fh.close();
  }
}

async function payloadDir(dir: string, payloadBytes: number): Promise<string> {
  const content = path.join(dir, 'content');
  await rm(content, { recursive: true, force: true });
  await mkdir(content, { recursive: true });
  await writeFile(path.join(content, 'payload.bin'), randomBytes(payloadBytes));
  await writeFile(path.join(content, 'README.TXT'), 'tower VM read-path test image\n');
  return content;
}

/** A plain ISO made with genisoimage. */
export async function makePlainIso(dir: string, payloadBytes: number): Promise<string> {
  const work = path.join(dir, 'plain');
  await mkdir(work, { recursive: true });
  const content = await payloadDir(work, payloadBytes);
  const iso = path.join(dir, 'plain.iso');
  await runProgram('genisoimage', ['-quiet', '-J', '-R', '-V', 'TOWER_PLAIN', '-o', iso, content], 60_000);
  await rm(work, { recursive: true, force: true });
  return iso;
}

/**
 * A hybrid image: an ISO 9660 volume with an appended EFI system partition
 * (xorriso `-as mkisofs -append_partition 2 0xef efi.img`), so the file is
 * longer than the volume its PVD describes. efi.img is random bytes (xorriso
 * does not look inside it).
 */
export async function makeHybridIso(dir: string, payloadBytes: number, efiBytes: number): Promise<string> {
  const work = path.join(dir, 'hybrid');
  await mkdir(work, { recursive: true });
  const content = await payloadDir(work, payloadBytes);
  const efi = path.join(work, 'efi.img');
  await writeFile(efi, randomBytes(efiBytes));
  const iso = path.join(dir, 'hybrid.iso');
  await runProgram(
    'xorriso',
    ['-as', 'mkisofs', '-quiet', '-J', '-R', '-V', 'TOWER_HYBRID', '-o', iso, '-append_partition', '2', '0xef', efi, content],
    60_000,
  );
  await rm(work, { recursive: true, force: true });
  return iso;
}

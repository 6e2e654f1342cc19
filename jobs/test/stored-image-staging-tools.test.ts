/**
 * Staging a stored image through real tools (issue 14): `zstd -d -o <part>`
 * writes the staged file itself (the bytes never through Node), the file is
 * handed over as soon as zstd is done, and `openssl dgst -sha256 -r` proves
 * it after. A stored file that is corrupt, of the wrong length or not the
 * image, zstd killed mid-stage and a staging aborted mid-stage each end in a
 * typed error with nothing left in the staging folder and no tool left
 * running. Where a test must catch zstd mid-stage, the stored file is a FIFO:
 * zstd waits on it for bytes the test has not written yet.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, ImageError } from 'node-cdrecord-wrapper';
import { ImageStagingCache } from '../src/index.js';
import type { RunImage } from '../src/index.js';
import { stageStoredImage } from '../src/staging/stage-stored-image.js';
import { ownDescriptors, runningChildren } from './support/piped-children.js';
import type { ProcChild } from './support/piped-children.js';
import { sha256Of, storedIso, writeZstdFrames } from './support/stored-images.js';

const root = mkdtempSync(path.join(tmpdir(), 'tower-staging-pipeline-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function freshDir(): string {
  const dir = path.join(root, `staging-${++n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function until<T>(what: string, probe: () => T | null | undefined): Promise<T> {
  // A guard against a hang, not a timing bound: the probe normally holds within milliseconds.
  for (let i = 0; i < 600; i++) {
    const got = probe();
    if (got !== null && got !== undefined) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
}

/** A stored image whose stored file is a FIFO, and its stored bytes to feed it once zstd reads it. */
function viaFifo(name: string): { image: RunImage; bytes: Buffer; fifo: string } {
  const real = storedIso(root, name, 512 * 1024);
  const fifo = path.join(root, `${name}.zst.fifo`);
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
  return { image: { ...real, stored: { ...real.stored!, path: fifo } }, bytes: readFileSync(real.stored!.path), fifo };
}

/** The FIFO's writer, once zstd has opened it (a non-blocking open fails with ENXIO until then). */
async function fifoWriter(fifo: string): Promise<FileHandle> {
  const probe = await until('zstd opened the stored FIFO', () => {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return null;
    }
  });
  const handle = await open(fifo, 'w');
  closeSync(probe);
  return handle;
}

/** The zstd of a staging started by this process, once it runs and its part file exists. */
async function runningZstd(fifo: string, dir: string): Promise<ProcChild> {
  return until('zstd running', () => {
    const zstd = runningChildren(['zstd'])?.[0];
    return zstd !== undefined && zstd.argv.includes(fifo) && readdirSync(dir).some((f) => f.endsWith('.part')) ? zstd : null;
  });
}

/** What the process `pid` holds open for writing (`/proc/<pid>/fd` targets opened O_WRONLY or O_RDWR). */
function writtenBy(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const flags = Number.parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))?.[1] ?? '0', 8);
    if ((flags & 3) !== 0) out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
  }
  return out;
}

describe('staging a stored image through zstd -d -o, proven by openssl dgst', () => {
  it('has zstd write the staged file itself, hands it over when zstd is done, and proves its SHA-256 after', async () => {
    const { image, bytes, fifo } = viaFifo('joined.iso');
    const dir = freshDir();
    const dest = path.join(dir, `${image.sha256}.staged.iso`);
    const staging = stageStoredImage(image, image.stored!, dest);
    const writer = await fifoWriter(fifo);
    const zstd = await runningZstd(fifo, dir);
    expect(zstd.argv).toEqual(['zstd', '-d', '-q', '-f', '-o', `${dest}.part`, '--', fifo]);
    // zstd itself holds the part file for writing; this process never does: the bytes go from the tool to the file.
    expect(writtenBy(zstd.pid)).toContain(`${dest}.part`);
    expect([...ownDescriptors()].some((d) => d.startsWith(`${dest}.part`))).toBe(false);
    await writer.write(bytes);
    await writer.close();
    const staged = await staging;
    expect(staged.path).toBe(dest);
    expect(staged.bytes).toBe(image.sizeBytes);
    expect(staged.identity).toBeUndefined();
    const identity = await staged.proof;
    expect(identity).toEqual(expect.any(String));
    expect(sha256Of(dest)).toBe(image.sha256);
    expect(readdirSync(dir)).toEqual([path.basename(dest)]);
    expect(alive(zstd.pid)).toBe(false);
  });

  it('refuses a corrupt stored file (zstd frame checksum) and one of the wrong length before handing it over, leaving nothing', async () => {
    const image = storedIso(root, 'corrupt.iso', 512 * 1024);
    const dir = freshDir();
    const dest = path.join(dir, `${image.sha256}.staged.iso`);
    const good = readFileSync(image.stored!.path);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    writeFileSync(image.stored!.path, flipped);
    const corrupt = await stageStoredImage(image, image.stored!, dest).catch((e: unknown) => e);
    expect(corrupt).toBeInstanceOf(ImageError);
    expect((corrupt as Error).message).toMatch(/could not be decompressed \(zstd exit 1\)/);
    expect(readdirSync(dir)).toEqual([]);
    const plain = spawnSync('zstd', ['-d', '-c', '-q'], { input: good, maxBuffer: 1 << 26 }).stdout;
    writeZstdFrames(plain.subarray(0, plain.length - 2048), image.stored!.path, 128 * 1024);
    await expect(stageStoredImage(image, image.stored!, dest)).rejects.toThrow(new RegExp(`decompresses to ${image.sizeBytes - 2048} bytes, not the image's ${image.sizeBytes}`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("hands over valid zstd frames of other bytes, and its proof refuses them (only the SHA-256 tells)", async () => {
    const image = storedIso(root, 'other-bytes.iso', 512 * 1024);
    const dir = freshDir();
    const dest = path.join(dir, `${image.sha256}.staged.iso`);
    const plain = spawnSync('zstd', ['-d', '-c', '-q'], { input: readFileSync(image.stored!.path), maxBuffer: 1 << 26 }).stdout;
    plain[100_000]! ^= 0x01;
    writeZstdFrames(plain, image.stored!.path, 128 * 1024);
    const staged = await stageStoredImage(image, image.stored!, dest);
    const refused = await staged.proof.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ImageError);
    expect((refused as Error).message).toMatch(new RegExp(`holds ${image.sizeBytes} bytes with SHA-256 [0-9a-f]{64}, not the image's ${image.sizeBytes} bytes with SHA-256 ${image.sha256}: refused`));
  });

  it('fails as an image error, leaving nothing and no tool running, when zstd is killed mid-stage', async () => {
    const { image, bytes, fifo } = viaFifo('killed-zstd.iso');
    const dir = freshDir();
    const staging = stageStoredImage(image, image.stored!, path.join(dir, `${image.sha256}.staged.iso`)).catch((e: unknown) => e);
    const writer = await fifoWriter(fifo);
    await writer.write(bytes.subarray(0, 4096));
    const zstd = await runningZstd(fifo, dir);
    process.kill(zstd.pid, 'SIGKILL');
    const err = await staging;
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toContain('zstd killed by SIGKILL');
    expect(readdirSync(dir)).toEqual([]);
    expect(alive(zstd.pid)).toBe(false);
    await writer.close();
  });

  it('stops zstd and leaves nothing when the staging is aborted, and when the agent stops the cache mid-stage', async () => {
    const { image, bytes, fifo } = viaFifo('aborted.iso');
    const dir = freshDir();
    const abort = new AbortController();
    const staging = stageStoredImage(image, image.stored!, path.join(dir, `${image.sha256}.staged.iso`), { signal: abort.signal }).catch((e: unknown) => e);
    const writer = await fifoWriter(fifo);
    await writer.write(bytes.subarray(0, 4096));
    const zstd = await runningZstd(fifo, dir);
    abort.abort();
    expect(await staging).toBeInstanceOf(CancelledError);
    expect(readdirSync(dir)).toEqual([]);
    expect(alive(zstd.pid)).toBe(false);
    await writer.close();

    const second = viaFifo('stopped.iso');
    const cacheDir = freshDir();
    const cache = new ImageStagingCache({ dir: cacheDir, maxBytes: 50 * 1024 * 1024 });
    const lease = cache.acquire(second.image).catch((e: unknown) => e);
    const feed = await fifoWriter(second.fifo);
    const running = await runningZstd(second.fifo, cacheDir);
    cache.close();
    expect(await lease).toBeInstanceOf(CancelledError);
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
    expect(alive(running.pid)).toBe(false);
    await feed.close();
  });

  it('proves the staged file in Node when openssl is not installed, with the same refusal', async () => {
    const image = storedIso(root, 'fallback.iso', 512 * 1024);
    const dir = freshDir();
    const dest = path.join(dir, `${image.sha256}.staged.iso`);
    const staged = await stageStoredImage(image, image.stored!, dest, { openssl: 'openssl-not-installed-here' });
    expect(await staged.proof).toEqual(expect.any(String));
    expect(sha256Of(dest)).toBe(image.sha256);
    rmSync(dest);
    const other = storedIso(root, 'fallback-other.iso', 512 * 1024);
    const wrong = await stageStoredImage(image, other.stored!, dest, { openssl: 'openssl-not-installed-here' });
    await expect(wrong.proof).rejects.toThrow(/SHA-256 [0-9a-f]{64}, not the image's/);
  });
});

/**
 * Staging a stored image through real tools (issue 14): `zstd -d -c | tee
 * <part> | openssl dgst -sha256 -r`, three processes joined by pipes, the
 * bytes never through Node. A stored file that is corrupt or is not the image,
 * a tool killed mid-stage and a staging aborted mid-stage each end in a typed
 * error with nothing left in the staging folder and no tool left running.
 * Where a test must catch the tools mid-stage, the stored file is a FIFO:
 * zstd waits on it for bytes the test has not written yet.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const PIPELINE = ['zstd', 'tee', 'openssl'] as const;

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

/** zstd | tee | openssl of a staging started by this process, once all three run and the part file exists. */
async function runningPipeline(fifo: string, dir: string): Promise<ProcChild[]> {
  return until('zstd | tee | openssl running', () => {
    const chain = runningChildren(PIPELINE);
    return chain !== null && chain[0]!.argv.includes(fifo) && readdirSync(dir).some((f) => f.endsWith('.part')) ? chain : null;
  });
}

describe('staging through zstd | tee | openssl', () => {
  it('joins the three tools by pipes, the bytes never through Node, and proves the staged file', async () => {
    const { image, bytes, fifo } = viaFifo('joined.iso');
    const dir = freshDir();
    const dest = path.join(dir, `${image.sha256}.staged.iso`);
    const staging = stageStoredImage(image, image.stored!, dest);
    const writer = await fifoWriter(fifo);
    const [zstd, tee, openssl] = await runningPipeline(fifo, dir);
    // zstd writes a socket pair tee reads (Node's pipes are socket pairs); tee writes the part file and one openssl reads.
    // This process holds none of those ends: the bytes go from tool to tool, none through Node.
    expect(tee!.argv).toEqual(['tee', '--', `${dest}.part`]);
    expect(openssl!.argv).toEqual(['openssl', 'dgst', '-sha256', '-r']);
    const ends = [zstd!.stdout, tee!.stdin, tee!.stdout, openssl!.stdin];
    for (const end of ends) expect(end).toMatch(/^(socket|pipe):\[\d+\]$/);
    expect(new Set(ends).size).toBe(4);
    const own = ownDescriptors();
    for (const end of ends) expect(own.has(end!)).toBe(false);
    await writer.write(bytes);
    await writer.close();
    const staged = await staging;
    expect(staged.path).toBe(dest);
    expect(staged.bytes).toBe(image.sizeBytes);
    expect(sha256Of(dest)).toBe(image.sha256);
    expect(readdirSync(dir)).toEqual([path.basename(dest)]);
    for (const c of [zstd!, tee!, openssl!]) expect(alive(c.pid)).toBe(false);
  });

  it('refuses a corrupt stored file (zstd frame checksum) and one that decompresses to other bytes, leaving nothing', async () => {
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
    // Valid zstd frames of bytes that are not the image's: only the SHA-256 tells.
    const plain = spawnSync('zstd', ['-d', '-c', '-q'], { input: good, maxBuffer: 1 << 26 }).stdout;
    plain[100_000]! ^= 0x01;
    writeZstdFrames(plain, image.stored!.path, 128 * 1024);
    await expect(stageStoredImage(image, image.stored!, dest)).rejects.toThrow(/decompresses to \d+ bytes with SHA-256 [0-9a-f]{64}, not the image's/);
    expect(readdirSync(dir)).toEqual([]);
    writeZstdFrames(plain.subarray(0, plain.length - 2048), image.stored!.path, 128 * 1024);
    await expect(stageStoredImage(image, image.stored!, dest)).rejects.toThrow(new RegExp(`decompresses to ${image.sizeBytes - 2048} bytes`));
    expect(readdirSync(dir)).toEqual([]);
  });

  for (const [index, program] of PIPELINE.entries()) {
    it(`fails as an image error, leaving nothing and no tool running, when ${program} is killed mid-stage`, async () => {
      const { image, bytes, fifo } = viaFifo(`killed-${program}.iso`);
      const dir = freshDir();
      const staging = stageStoredImage(image, image.stored!, path.join(dir, `${image.sha256}.staged.iso`)).catch((e: unknown) => e);
      const writer = await fifoWriter(fifo);
      await writer.write(bytes.subarray(0, 4096));
      const chain = await runningPipeline(fifo, dir);
      process.kill(chain[index]!.pid, 'SIGKILL');
      const err = await staging;
      expect(err).toBeInstanceOf(ImageError);
      expect((err as Error).message).toContain(`${program} killed by SIGKILL`);
      expect(readdirSync(dir)).toEqual([]);
      for (const c of chain) expect(alive(c.pid)).toBe(false);
      await writer.close();
    });
  }

  it('stops every tool and leaves nothing when the staging is aborted, and when the agent stops the cache mid-stage', async () => {
    const { image, bytes, fifo } = viaFifo('aborted.iso');
    const dir = freshDir();
    const abort = new AbortController();
    const staging = stageStoredImage(image, image.stored!, path.join(dir, `${image.sha256}.staged.iso`), { signal: abort.signal }).catch((e: unknown) => e);
    const writer = await fifoWriter(fifo);
    await writer.write(bytes.subarray(0, 4096));
    const chain = await runningPipeline(fifo, dir);
    abort.abort();
    expect(await staging).toBeInstanceOf(CancelledError);
    expect(readdirSync(dir)).toEqual([]);
    for (const c of chain) expect(alive(c.pid)).toBe(false);
    await writer.close();

    const second = viaFifo('stopped.iso');
    const cacheDir = freshDir();
    const cache = new ImageStagingCache({ dir: cacheDir, maxBytes: 50 * 1024 * 1024 });
    const lease = cache.acquire(second.image).catch((e: unknown) => e);
    const feed = await fifoWriter(second.fifo);
    const running = await runningPipeline(second.fifo, cacheDir);
    cache.close();
    expect(await lease).toBeInstanceOf(CancelledError);
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
    for (const c of running) expect(alive(c.pid)).toBe(false);
    await feed.close();
  });

  it("hashes in Node as before when openssl (or tee) is not installed, with the same proof", async () => {
    const image = storedIso(root, 'fallback.iso', 512 * 1024);
    const dir = freshDir();
    const dest = path.join(dir, `${image.sha256}.staged.iso`);
    const tools = { tee: 'tee', openssl: 'openssl-not-installed-here' };
    const staged = await stageStoredImage(image, image.stored!, dest, { tools });
    expect(staged.bytes).toBe(image.sizeBytes);
    expect(sha256Of(dest)).toBe(image.sha256);
    rmSync(dest);
    const other = storedIso(root, 'fallback-other.iso', 512 * 1024);
    await expect(stageStoredImage(image, other.stored!, dest, { tools: { tee: 'tee-not-installed-here', openssl: 'openssl' } }))
      .rejects.toThrow(/SHA-256 [0-9a-f]{64}, not the image's/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

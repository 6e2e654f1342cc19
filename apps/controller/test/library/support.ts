/**
 * Test images for the library tests, made with the real tools
 * (genisoimage, spawned with argument arrays) and by hand (BIN files).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export { makeIso, makeTempDir } from '../../../../drivers/test/support/test-images.js';

/** Run genisoimage over a folder of files; returns the image path. */
export function genisoimage(dir: string, name: string, files: Record<string, Buffer | string>, args: string[]): string {
  const content = path.join(dir, `${name}.content`);
  mkdirSync(content, { recursive: true });
  for (const [file, data] of Object.entries(files)) writeFileSync(path.join(content, file), data);
  const out = path.join(dir, name);
  const run = spawnSync('genisoimage', ['-quiet', ...args, '-o', out, content], { encoding: 'utf8' });
  rmSync(content, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`genisoimage failed: ${run.stderr || run.error?.message}`);
  return out;
}

function bcd(n: number): number {
  return ((Math.floor(n / 10) << 4) | n % 10) & 0xff;
}

/** A MODE1/2352 BIN from 2048-byte sectors: sync, MSF header (LBA + 150), data, zeroed EDC/ECC. */
export function mode1RawFromIso(iso: Buffer): Buffer {
  const sectors = iso.length / 2048;
  const out = Buffer.alloc(sectors * 2352);
  for (let i = 0; i < sectors; i++) {
    const at = i * 2352;
    out[at] = 0;
    out.fill(0xff, at + 1, at + 11);
    out[at + 11] = 0;
    const lba = i + 150;
    out[at + 12] = bcd(Math.floor(lba / 75 / 60));
    out[at + 13] = bcd(Math.floor(lba / 75) % 60);
    out[at + 14] = bcd(lba % 75);
    out[at + 15] = 1;
    iso.copy(out, at + 16, i * 2048, (i + 1) * 2048);
  }
  return out;
}

/** `frames` frames of 2352-byte "audio" (a sine-ish pattern, not silence). */
export function audioFrames(frames: number): Buffer {
  const out = Buffer.alloc(frames * 2352);
  for (let i = 0; i < out.length / 2; i++) out.writeInt16LE(Math.round(8000 * Math.sin(i / 20)), i * 2);
  return out;
}

/** Random bytes. */
export function noise(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** SHA-256 of buffers in order. */
export function sha256(...parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
}

/** Entries of a folder, dot files included (the library must leave nothing behind). */
export function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Read a file. */
export function bytesOf(file: string): Buffer {
  return readFileSync(file);
}

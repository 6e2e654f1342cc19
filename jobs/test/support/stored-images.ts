/**
 * Images stored as the library stores them compressed: independent zstd
 * frames (`zstd --check` of each fixed-size piece), made with the real zstd.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeIso } from '../../../drivers/test/support/test-images.js';
import type { RunImage } from '../../src/run-image.js';

/** Write `data` as zstd frames of `frameBytes` each to `dest`. */
export function writeZstdFrames(data: Buffer, dest: string, frameBytes: number): void {
  const frames: Buffer[] = [];
  for (let start = 0; start < data.length; start += frameBytes) {
    const run = spawnSync('zstd', ['-q', '-c', '--check'], { input: data.subarray(start, start + frameBytes), maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`zstd failed: ${run.stderr.toString()}`);
    frames.push(run.stdout);
  }
  writeFileSync(dest, Buffer.concat(frames));
}

/** A fresh ISO in `dir` stored compressed as `<name>.zst` (the plain ISO not kept beside it), as a run image. */
export function storedIso(dir: string, name: string, payloadBytes = 1024 * 1024, frameBytes = 256 * 1024): RunImage {
  const plain = makeIso(dir, { name, payloadBytes });
  const data = readFileSync(plain);
  const stored = path.join(dir, `${name}.zst`);
  writeZstdFrames(data, stored, frameBytes);
  rmSync(plain);
  return {
    path: plain, format: 'iso', sha256: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length, sectors: data.length / 2048,
    stored: { path: stored, compression: 'zstd', bytes: statSync(stored).size },
  };
}

/** SHA-256 of a file. */
export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

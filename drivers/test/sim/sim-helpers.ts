/**
 * Helpers for the simulated drive tests: image files and stream collection.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BurnImage } from '../../src/drive-contract.js';

/** An ISO-shaped image of random bytes (every sector differs). */
export function randomImage(dir: string, bytes: number, name = 'random.iso'): { image: BurnImage; data: Buffer } {
  const file = path.join(dir, name);
  const data = randomBytes(bytes);
  writeFileSync(file, data);
  return { image: { format: 'iso', path: file, sizeBytes: bytes, sectors: Math.ceil(bytes / 2048) }, data };
}

/** A large sparse image (zeros, no disk or memory cost), for timing tests. */
export function sparseImage(dir: string, bytes: number, name = 'sparse.iso'): BurnImage {
  const file = path.join(dir, name);
  const fd = openSync(file, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return { format: 'iso', path: file, sizeBytes: bytes, sectors: Math.ceil(bytes / 2048) };
}

/** All bytes of a stream. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The error a stream fails with (fails the test when it ends cleanly). */
export async function streamError(stream: Readable): Promise<unknown> {
  try {
    for await (const _chunk of stream) {
      // drain
    }
  } catch (err) {
    return err;
  }
  throw new Error('stream ended without an error');
}

/** Index of the first differing byte, or -1. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

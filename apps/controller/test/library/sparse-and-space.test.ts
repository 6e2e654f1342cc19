/**
 * The library's use of its volume: images are copied sparsely (a block of
 * zeros becomes a hole), an upload declaring more than any disc holds is
 * refused before it is read, with the numbers, and a full volume (a tiny
 * tmpfs, as root) is an InsufficientStorageError naming the free bytes and
 * what the image needs, with nothing left behind.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync, statfsSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIso, makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { ImageLibrary, ImageTooLargeError, InsufficientStorageError } from '../../src/library/index.js';

let tmp: { dir: string; cleanup: () => void };
let root = '';
let smallIso = '';

beforeAll(() => {
  tmp = makeTempDir('tower-sparse-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(root);
  smallIso = makeIso(root, { name: 'small.iso', payloadBytes: 300 * 1024, label: 'SPARSE' });
});
afterAll(() => tmp?.cleanup());

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Bytes a file takes on disk. */
const onDisk = (file: string): number => statSync(file).blocks * 512;

describe('sparse copies', () => {
  it('a 352 KB image with a 256 MiB apparent size takes a few hundred KB of the library, not 256 MiB', { timeout: 60_000 }, async () => {
    const sparse = path.join(root, 'sparse.iso');
    execFileSync('cp', [smallIso, sparse]);
    truncateSync(sparse, 256 * 1024 ** 2);
    expect(onDisk(sparse)).toBeLessThan(2 * 1024 * 1024);
    const library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'lib-sparse'), importRoots: [root] });
    const record = await library.importFromPath(sparse);
    const stored = library.imagePath(record.id);
    expect(statSync(stored).size).toBe(256 * 1024 ** 2);
    expect(record.sizeBytes).toBe(256 * 1024 ** 2);
    expect(onDisk(stored)).toBeLessThan(4 * 1024 * 1024);
    // The same bytes: the holes read as the zeros they stand for.
    const digest = await sha256(sparse);
    expect(record.sha256).toBe(digest);
    expect(await sha256(stored)).toBe(digest);
  });

  it('an upload of mostly zeros, in chunks that do not line up with blocks, is stored sparsely and byte for byte', async () => {
    const iso = readFileSync(smallIso);
    const image = Buffer.concat([iso, Buffer.alloc(64 * 1024 * 1024), Buffer.from('tail data, not zeros'), Buffer.alloc(5000)]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < image.length; at += 10_007) chunks.push(image.subarray(at, Math.min(image.length, at + 10_007)));
    const library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'lib-upload') });
    const record = await library.importUpload(Readable.from(chunks), { name: 'mostly zeros' });
    const stored = library.imagePath(record.id);
    expect(statSync(stored).size).toBe(image.length);
    expect(onDisk(stored)).toBeLessThan(2 * 1024 * 1024);
    expect(readFileSync(stored).equals(image)).toBe(true);
    expect(record.sha256).toBe(createHash('sha256').update(image).digest('hex'));
  });
});

describe('images larger than any disc', () => {
  it('an upload declaring more than a BD DL holds is refused with the numbers before it is read', async () => {
    const library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'lib-declared') });
    let read = false;
    const body = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    // Under the default upload limit (51 GB), over the largest disc.
    const refused = await library.importUpload(body, { sizeBytes: 50.5e9 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ImageTooLargeError);
    expect((refused as Error).message).toBe(
      'the image is 50500000000 bytes (24658204 sectors of 2048 bytes), more than any disc holds: the largest, BD DL 50 GB, holds 50050629632 bytes (24438784 sectors)',
    );
    expect(read).toBe(false);
    expect(readdirSync(library.dir)).toEqual([]);
  });
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('a full library volume (tmpfs, root)', () => {
  let volume = '';
  let bigIso = '';
  beforeAll(() => {
    volume = path.join(tmp.dir, 'small-volume');
    mkdirSync(volume);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', volume]);
    bigIso = makeIso(root, { name: 'big.iso', payloadBytes: 6 * 1024 * 1024, label: 'BIG' });
  });
  afterAll(() => {
    if (volume !== '') execFileSync('umount', ['-l', volume]);
  });

  const numbers = (err: unknown): { free: number; needs: number } => {
    const m = /^the library volume is full: (\d+) bytes free \([^)]+\), the image needs (?:more than )?(\d+) bytes/.exec((err as Error).message);
    expect(m, (err as Error).message).not.toBeNull();
    return { free: Number(m?.[1]), needs: Number(m?.[2]) };
  };

  it('an import that does not fit: INSUFFICIENT_STORAGE with the free bytes and the image\'s, nothing left', async () => {
    const library = await ImageLibrary.open({ dir: volume, importRoots: [root] });
    const err = await library.importFromPath(bigIso).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect((err as InsufficientStorageError).code).toBe('INSUFFICIENT_STORAGE');
    const { free, needs } = numbers(err);
    const fs = statfsSync(volume);
    expect(free).toBe(fs.bavail * fs.bsize);
    expect(needs).toBe(statSync(bigIso).size);
    expect(readdirSync(volume)).toEqual([]);
    expect(library.list()).toEqual([]);
  });

  it('an upload that does not fit: the declared length when known, else "more than" what arrived; nothing left', async () => {
    const library = await ImageLibrary.open({ dir: volume });
    const bytes = readFileSync(bigIso);
    const declared = await library.importUpload(Readable.from([bytes]), { sizeBytes: bytes.length }).catch((e: unknown) => e);
    expect(declared).toBeInstanceOf(InsufficientStorageError);
    expect(numbers(declared).needs).toBe(bytes.length);
    const streamed = await library.importUpload(Readable.from([bytes.subarray(0, 3 << 20), bytes.subarray(3 << 20)])).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(InsufficientStorageError);
    expect((streamed as Error).message).toMatch(/the image needs more than \d+ bytes/);
    expect(readdirSync(volume)).toEqual([]);
  });
});

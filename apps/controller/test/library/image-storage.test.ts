/**
 * Images stored compressed (issue 14): an ISO compressed into independent
 * zstd frames by the real zstd and back, the image's SHA-256 proven both
 * ways and kept in the record, the space saved in the view; the library's
 * `storage: 'zstd'` choice; and the refusals (unknown id, a CUE image, twice,
 * in use, a corrupt stored file) leaving the library as it was.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImageOf } from '../../src/library/index.js';
import { ImageConversionError, ImageInUseError, ImageNotFoundError, LibraryRequestError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { compressStored, decompressStored } from '../../src/library/image-storage.js';
import type { ImageRecord } from '../../src/library/image-record.js';
import { toImageView } from '../../src/api/views/image-view.js';
import { audioFrames, entries, makeIso, makeTempDir, sha256 } from './support.js';

/** zstd frames of 64 KiB: several frames for a small test image. */
const smallFrames = (dir: string, record: ImageRecord, at: string) => compressStored(dir, record, at, 64 * 1024);

/** Count the zstd frames of a file by their magic numbers at frame starts, as `zstd -l` lists them. */
function zstdFrameCount(file: string): number {
  const run = spawnSync('zstd', ['-l', '-v', file], { encoding: 'utf8' });
  const m = /# Zstandard Frames: *(\d+)/.exec(run.stdout);
  if (m === null) throw new Error(`zstd -l said: ${run.stdout}${run.stderr}`);
  return Number(m[1]);
}

describe('images stored compressed', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let isoFile: string;
  let iso: Buffer;
  let n = 0;
  const open = (extra: Partial<ConstructorParameters<typeof ImageLibrary>[0]> = {}): Promise<ImageLibrary> =>
    ImageLibrary.open({ dir: path.join(work.dir, `library-${++n}`), importRoots: [roots], ...extra });

  beforeAll(() => {
    work = makeTempDir('lib-storage-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    isoFile = makeIso(roots, { name: 'disc.iso', payloadBytes: 400 * 1024, label: 'STORED' });
    iso = readFileSync(isoFile);
  });
  afterAll(() => work.cleanup());

  it('compresses an ISO into zstd frames and back, its SHA-256 proven and kept', async () => {
    const library = await open();
    const plain = await library.importFromPath(isoFile);
    const compressed = await library.changeStorage(plain.id, smallFrames);
    const stored = path.join(library.dir, `${plain.id}.iso.zst`);
    expect(compressed).toMatchObject({ sha256: plain.sha256, sizeBytes: plain.sizeBytes, imageFile: plain.imageFile, storage: { compression: 'zstd', file: `${plain.id}.iso.zst`, frameBytes: 64 * 1024 } });
    expect(compressed.fileIdentity).toBeUndefined();
    expect(compressed.files).toEqual([{ path: `${plain.id}.iso.zst`, role: 'stored', bytes: readFileSync(stored).length, sha256: sha256(readFileSync(stored)) }]);
    expect(entries(library.dir)).toEqual([`${plain.id}.image.json`, `${plain.id}.iso.zst`]);
    expect(zstdFrameCount(stored)).toBe(Math.ceil(iso.length / (64 * 1024)));
    // zstd -d reads the frames as one stream: the image's very bytes.
    expect(sha256(spawnSync('zstd', ['-d', '-c', stored], { maxBuffer: 1 << 28 }).stdout)).toBe(plain.sha256);
    // The view shows what the library holds and what it saves.
    expect(toImageView(compressed, false).storage).toEqual({ compression: 'zstd', storedBytes: compressed.storage!.bytes, savedBytes: plain.sizeBytes - compressed.storage!.bytes });
    expect(compressed.storage!.bytes).toBeLessThan(plain.sizeBytes);
    // A run of it carries the stored file for the agents to stage.
    expect(runImageOf(compressed, library.imagePath(plain.id)).stored).toEqual({ path: stored, compression: 'zstd', bytes: compressed.storage!.bytes });
    // The sidecar says it all: a fresh index reads the same record.
    expect((await open({ dir: library.dir })).get(plain.id)).toEqual(compressed);

    const back = await library.changeStorage(plain.id, decompressStored);
    expect(back.storage).toBeUndefined();
    expect(back.files).toEqual(plain.files);
    expect(back.fileIdentity).toEqual(expect.any(String));
    expect(readFileSync(library.imagePath(plain.id)).equals(iso)).toBe(true);
    expect(entries(library.dir)).toEqual([`${plain.id}.image.json`, `${plain.id}.iso`]);
    expect(toImageView(back, false).storage).toEqual({ compression: 'plain', storedBytes: plain.sizeBytes, savedBytes: 0 });
    expect(runImageOf(back, library.imagePath(plain.id)).stored).toBeUndefined();
  });

  it('stores new ISO images compressed when the library is told to (storage: zstd)', async () => {
    const library = await open({ storage: 'zstd' });
    const record = await library.importFromPath(isoFile);
    expect(record.storage?.compression).toBe('zstd');
    expect(record.sha256).toBe(sha256(iso));
    expect(existsSync(library.imagePath(record.id))).toBe(false);
  });

  it('refuses an unknown id, a CUE image, a second compression, an image in use, leaving the library as it was', async () => {
    let used = false;
    const library = await open({ isInUse: () => Promise.resolve(used) });
    await expect(library.changeStorage('img-000000000000', smallFrames)).rejects.toThrow(ImageNotFoundError);
    const cueDir = path.join(roots, 'audio');
    mkdirSync(cueDir);
    writeFileSync(path.join(cueDir, 'a.bin'), audioFrames(300));
    writeFileSync(path.join(cueDir, 'a.cue'), 'FILE "a.bin" BINARY\r\n  TRACK 01 AUDIO\r\n    INDEX 01 00:00:00\r\n');
    const cue = await library.importFromPath(path.join(cueDir, 'a.cue'));
    await expect(library.changeStorage(cue.id, smallFrames)).rejects.toThrow(/CUE image: only ISO images are stored compressed/);
    const record = await library.importFromPath(isoFile);
    await expect(library.changeStorage(record.id, decompressStored)).rejects.toThrow(LibraryRequestError);
    used = true;
    await expect(library.changeStorage(record.id, smallFrames)).rejects.toThrow(ImageInUseError);
    used = false;
    await library.changeStorage(record.id, smallFrames);
    await expect(library.changeStorage(record.id, smallFrames)).rejects.toThrow(/already stored compressed/);
    expect(library.get(cue.id)?.storage).toBeUndefined();
  });

  it('refuses to decompress a stored file that is not the image, keeping it as it was', async () => {
    const library = await open();
    const record = await library.changeStorage((await library.importFromPath(isoFile)).id, smallFrames);
    const stored = path.join(library.dir, record.storage!.file);
    const bytes = readFileSync(stored);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(stored, bytes);
    await expect(library.changeStorage(record.id, decompressStored)).rejects.toThrow(ImageConversionError);
    expect(library.get(record.id)).toEqual(record);
    expect(entries(library.dir)).toEqual([`${record.id}.image.json`, `${record.id}.iso.zst`]);
  });
});

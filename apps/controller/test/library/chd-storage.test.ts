/**
 * CD images stored as a CHD (issue 14): a 2-track BIN/CUE (data, then audio
 * with its pregap in the BIN) made in the test, stored by the real
 * `chdman createcd` and proven (verify, the SHA-1 `chdman info` reads, an
 * extractcd round trip hashing each BIN) before its BINs go, and back; the
 * library's `cdStorage: 'chd'` choice; the refusals (twice, zstd for a CUE
 * image, a proof that fails, a damaged CHD) leaving the library as it was.
 * ISOs stored as a CHD: chd-iso-storage.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImageOf } from '../../src/library/index.js';
import { ImageConversionError, LibraryRequestError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { chdToPlain, storeAsChd } from '../../src/library/chd-storage.js';
import { compressStored, decompressStored } from '../../src/library/image-storage.js';
import { toImageView } from '../../src/api/views/image-view.js';
import { corruptChd, twoTrackDisc } from '../../../../jobs/test/support/stored-chd.js';
import { entries, makeIso, makeTempDir, sha256 } from './support.js';

describe('CD images stored as a CHD', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let cue: string;
  let iso: string;
  let n = 0;
  const open = (extra: Partial<ConstructorParameters<typeof ImageLibrary>[0]> = {}): Promise<ImageLibrary> =>
    ImageLibrary.open({ dir: path.join(work.dir, `library-${++n}`), importRoots: [roots], ...extra });

  beforeAll(() => {
    work = makeTempDir('lib-chd-');
    roots = path.join(work.dir, 'incoming');
    cue = twoTrackDisc(roots, 'mixed').cue;
    iso = makeIso(roots, { name: 'data.iso', payloadBytes: 200 * 1024, label: 'DATA' });
  });
  afterAll(() => work.cleanup());

  it('stores a data+audio BIN/CUE as a CHD, proven, and makes it plain again with the same BINs', async () => {
    const library = await open();
    const plain = await library.importFromPath(cue);
    const bins = plain.files.filter((f) => f.role === 'bin');
    expect(bins).toHaveLength(2);
    const stored = await library.changeStorage(plain.id, storeAsChd);
    const chd = path.join(library.dir, `${plain.id}.chd`);
    const info = execFileSync('chdman', ['info', '-i', chd], { encoding: 'utf8' });
    expect(stored).toMatchObject({ sha256: plain.sha256, sizeBytes: plain.sizeBytes, tracks: plain.tracks, imageFile: plain.imageFile });
    expect(stored.storage).toMatchObject({ compression: 'chd', file: `${plain.id}.chd`, bins, command: ['chdman', 'createcd', '-i', plain.imageFile, '-o', `${plain.id}.chd`] });
    expect(info).toContain(`SHA1:         ${stored.storage?.compression === 'chd' ? stored.storage.sha1 : ''}`);
    expect(info).toMatch(/TRACK:2 TYPE:AUDIO/);
    expect(stored.files).toContainEqual({ path: `${plain.id}.chd`, role: 'stored', bytes: readFileSync(chd).length, sha256: sha256(readFileSync(chd)) });
    // The sheet stays, the BINs are gone: the library folder holds the CHD instead.
    expect(entries(library.dir)).toEqual([`${plain.id}.chd`, `${plain.id}.cue`, `${plain.id}.image.json`].sort());
    const view = toImageView(stored, false).storage;
    expect(view).toEqual({ compression: 'chd', storedBytes: readFileSync(chd).length, savedBytes: plain.sizeBytes - readFileSync(chd).length });
    expect(view.savedBytes).toBeGreaterThan(0);
    const run = runImageOf(stored, library.imagePath(plain.id));
    expect(run.stored).toEqual({ path: chd, compression: 'chd', bytes: readFileSync(chd).length, bins: bins.map((b) => ({ name: b.path, bytes: b.bytes, sha256: b.sha256 })) });
    // Survives a rebuild from the sidecars.
    await library.rebuild();
    expect(library.get(plain.id)?.storage).toEqual(stored.storage);

    const back = await library.changeStorage(plain.id, decompressStored);
    expect(back.storage).toBeUndefined();
    expect([...back.files].sort((a, b) => a.path.localeCompare(b.path))).toEqual([...plain.files].sort((a, b) => a.path.localeCompare(b.path)));
    expect(sha256(...bins.map((b) => readFileSync(path.join(library.dir, b.path))))).toBe(plain.sha256);
    expect(entries(library.dir)).toEqual([...bins.map((b) => b.path), `${plain.id}.cue`, `${plain.id}.image.json`].sort());
  });

  it('stores new CUE images as CHDs when the library is told to (cdStorage: chd), ISOs as its storage says', async () => {
    const library = await open({ cdStorage: 'chd' });
    const cd = await library.importFromPath(cue);
    expect(cd.storage?.compression).toBe('chd');
    const data = await library.importFromPath(iso);
    expect(data.storage).toBeUndefined();
    const both = await open({ cdStorage: 'chd', storage: 'zstd' });
    expect((await both.importFromPath(iso)).storage?.compression).toBe('zstd');
  });

  it('refuses a second compression, zstd for a CUE image and chd from plain, leaving the library as it was', async () => {
    const library = await open();
    const cd = await library.importFromPath(cue);
    const before = entries(library.dir);
    const zstdRefusal = await library.changeStorage(cd.id, compressStored).catch((e: unknown) => e);
    expect(zstdRefusal).toBeInstanceOf(LibraryRequestError);
    expect((zstdRefusal as Error).message).toMatch(/a CD image is stored as a CHD \(--as chd\)/);
    expect(entries(library.dir)).toEqual(before);
    await expect(library.changeStorage(cd.id, chdToPlain)).rejects.toThrow(/is not stored as a CHD/);
    await library.changeStorage(cd.id, storeAsChd);
    await expect(library.changeStorage(cd.id, storeAsChd)).rejects.toThrow(/already stored compressed \(chd\)/);
  });

  it('keeps the image plain and leaves nothing when the round trip does not give its SHA-256', async () => {
    const library = await open();
    const cd = await library.importFromPath(cue);
    const before = entries(library.dir);
    const wrong = { ...cd, sha256: '0'.repeat(64) };
    const err = await storeAsChd(library.dir, wrong, new Date().toISOString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(/extracts to SHA-256 .* not the image's 0{64}: refused; the image stays uncompressed/);
    expect(entries(library.dir)).toEqual(before);
  });

  it('does not index a sidecar whose CHD BIN list names a file outside the library folder', async () => {
    const library = await open();
    const cd = await library.importFromPath(cue);
    await library.changeStorage(cd.id, storeAsChd);
    const sidecar = path.join(library.dir, `${cd.id}.image.json`);
    const record = JSON.parse(readFileSync(sidecar, 'utf8')) as { storage: { bins: { path: string }[] } };
    record.storage.bins[0]!.path = '../outside.bin';
    writeFileSync(sidecar, JSON.stringify(record));
    const report = await library.rebuild();
    expect(library.get(cd.id)).toBeUndefined();
    expect(report.invalidSidecars).toEqual([{ file: `${cd.id}.image.json`, reason: expect.stringMatching(/bad CHD BIN list/) }]);
  });

  it('refuses to make a damaged CHD plain, keeping the image stored as it was', async () => {
    const library = await open();
    const cd = await library.importFromPath(cue);
    const stored = await library.changeStorage(cd.id, storeAsChd);
    corruptChd(path.join(library.dir, `${cd.id}.chd`));
    const before = entries(library.dir);
    const err = await library.changeStorage(cd.id, decompressStored).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(/has SHA-256 [0-9a-f]{64}, not its .*the image stays stored as a CHD/);
    expect(entries(library.dir)).toEqual(before);
    expect(library.get(cd.id)).toEqual(stored);
    // A CHD that is not one at all: chdman exits 1 at once.
    writeFileSync(path.join(library.dir, `${cd.id}.chd`), 'not a chd');
    await expect(library.changeStorage(cd.id, decompressStored)).rejects.toThrow(/chdman extractcd failed on .* \(exit 1\)/);
    expect(entries(library.dir)).toEqual(before);
  });
});

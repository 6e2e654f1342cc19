/**
 * ISOs that fit a CD stored as a CHD (issue 14): the real `chdman createcd`
 * from a one-track MODE1/2048 sheet written in a temp folder beside the ISO,
 * proven (verify, the SHA-1 `chdman info` reads, an extractcd round trip whose
 * one BIN is the ISO by size and SHA-256) before the ISO goes, and back; an
 * ISO larger than any CD refused with its size and the capacity; a proof that
 * fails and a damaged CHD leaving the library as it was, temp files and all.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRun } from '@tower/jobs';
import { runImageOf } from '../../src/library/index.js';
import { ImageConversionError, LibraryRequestError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { chdToPlain, ISO_CUE_SHEET, storeAsChd } from '../../src/library/chd-storage.js';
import { compressStored, decompressStored } from '../../src/library/image-storage.js';
import { toImageView } from '../../src/api/views/image-view.js';
import { corruptChd } from '../../../../jobs/test/support/stored-chd.js';
import { adoptIsoLargerThanCd, LARGEST_CD_SECTORS } from '../support/larger-than-cd-iso.js';
import { entries, makeIso, makeTempDir, sha256 } from './support.js';

describe('ISOs stored as a CHD', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let iso: string;
  let n = 0;
  const open = (extra: Partial<ConstructorParameters<typeof ImageLibrary>[0]> = {}): Promise<ImageLibrary> =>
    ImageLibrary.open({ dir: path.join(work.dir, `library-${++n}`), importRoots: [roots], ...extra });

  beforeAll(() => {
    work = makeTempDir('lib-chd-iso-');
    roots = path.join(work.dir, 'incoming');
    iso = makeIso(roots, { name: 'data.iso', payloadBytes: 300 * 1024, label: 'DATA' });
  });
  afterAll(() => work.cleanup());

  it('stores a CD-sized ISO as a CHD of one MODE1/2048 track, proven, and makes it the same ISO again', async () => {
    const library = await open();
    const plain = await library.importFromPath(iso);
    const isoFile = plain.files.find((f) => f.path === plain.imageFile)!;
    const stored = await library.changeStorage(plain.id, storeAsChd);
    const chd = path.join(library.dir, `${plain.id}.chd`);
    const chdBytes = statSync(chd).size;
    const info = execFileSync('chdman', ['info', '-i', chd], { encoding: 'utf8' });
    expect(info).toMatch(new RegExp(`TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:${plain.sizeBytes / 2048} `));
    expect(stored).toMatchObject({ format: 'iso', sha256: plain.sha256, sizeBytes: plain.sizeBytes, sectors: plain.sectors, imageFile: plain.imageFile });
    expect(stored.fileIdentity).toBeUndefined();
    expect(stored.storage).toMatchObject({
      compression: 'chd', file: `${plain.id}.chd`, bytes: chdBytes, bins: [isoFile], sheet: ISO_CUE_SHEET,
      command: ['chdman', 'createcd', '-i', 'image.cue', '-o', `${plain.id}.chd`],
    });
    expect(info).toContain(`SHA1:         ${stored.storage?.compression === 'chd' ? stored.storage.sha1 : 'none'}`);
    expect(stored.files).toEqual([{ path: `${plain.id}.chd`, role: 'stored', bytes: chdBytes, sha256: sha256(readFileSync(chd)) }]);
    // The ISO is gone, and so are the sheet's temp folder and the link in it.
    expect(entries(library.dir)).toEqual([`${plain.id}.chd`, `${plain.id}.image.json`]);
    expect(toImageView(stored, false).storage).toEqual({ compression: 'chd', storedBytes: chdBytes, savedBytes: plain.sizeBytes - chdBytes });
    // A run carries the CHD and the ISO as its one file; the planner takes it.
    const run = runImageOf(stored, library.imagePath(plain.id));
    expect(run).toMatchObject({ format: 'iso', path: path.join(library.dir, plain.imageFile) });
    expect(run.stored).toEqual({ path: chd, compression: 'chd', bytes: chdBytes, bins: [{ name: plain.imageFile, bytes: plain.sizeBytes, sha256: plain.sha256 }] });
    expect(validateRun({ image: run, copies: 1 }).run.image.stored).toEqual(run.stored);
    await library.rebuild();
    expect(library.get(plain.id)).toEqual(stored);

    const back = await library.changeStorage(plain.id, decompressStored);
    expect(back.storage).toBeUndefined();
    expect(back.files).toEqual(plain.files);
    expect(back.fileIdentity).toMatch(/./);
    expect(sha256(readFileSync(path.join(library.dir, plain.imageFile)))).toBe(plain.sha256);
    expect(entries(library.dir)).toEqual([plain.imageFile, `${plain.id}.image.json`].sort());
    // Plain again, it takes zstd as before.
    expect((await library.changeStorage(plain.id, compressStored)).storage?.compression).toBe('zstd');
  });

  it('keeps new ISOs as library.storage says, whatever cdStorage says (CHD only when asked)', async () => {
    const library = await open({ cdStorage: 'chd' });
    expect((await library.importFromPath(iso)).storage).toBeUndefined();
  });

  it('refuses an ISO larger than any CD with its size and the capacity (400), leaving the library as it was', async () => {
    const library = await open();
    const big = await adoptIsoLargerThanCd(library);
    expect(big.sizeBytes).toBe((LARGEST_CD_SECTORS + 1) * 2048);
    const before = entries(library.dir);
    const err = await library.changeStorage(big.id, storeAsChd).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibraryRequestError);
    expect((err as Error).message).toBe(
      `image ${big.id} is an ISO of 829442048 bytes (405001 sectors), more than a CD holds (CD 800 MB (90 min): 829440000 bytes, 405000 sectors): `
      + `CHD stores CD images only; store it compressed with zstd (tower images compress ${big.id})`,
    );
    expect(entries(library.dir)).toEqual(before);
    expect(library.get(big.id)).toEqual(big);
    // Not whole 2048-byte sectors: refused before chdman is asked.
    const data = await library.importFromPath(iso);
    await expect(storeAsChd(library.dir, { ...data, sizeBytes: data.sizeBytes - 1 }, new Date().toISOString())).rejects.toThrow(/not whole 2048-byte sectors/);
    expect(entries(library.dir)).toEqual([...before, data.imageFile, `${data.id}.image.json`].sort());
  });

  it('keeps the ISO plain and leaves nothing (no CHD, sheet or link) when the round trip does not give its SHA-256', async () => {
    const library = await open();
    const data = await library.importFromPath(iso);
    const before = entries(library.dir);
    const wrong = { ...data, sha256: '0'.repeat(64), files: data.files.map((f) => ({ ...f, sha256: '0'.repeat(64) })) };
    const err = await storeAsChd(library.dir, wrong, new Date().toISOString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(/extracts to SHA-256 [0-9a-f]{64}, not the image's 0{64}: refused; the image stays uncompressed/);
    expect(entries(library.dir)).toEqual(before);
    expect(library.get(data.id)).toEqual(data);
    // And one stored twice, or made plain when it is not a CHD, is a 400 that changes nothing.
    await expect(library.changeStorage(data.id, chdToPlain)).rejects.toThrow(/is not stored as a CHD/);
    await library.changeStorage(data.id, storeAsChd);
    await expect(library.changeStorage(data.id, storeAsChd)).rejects.toThrow(/already stored compressed \(chd\)/);
    await expect(library.changeStorage(data.id, compressStored)).rejects.toThrow(/already stored compressed \(chd\)/);
  });

  it('refuses to make a damaged CHD an ISO again, keeping the image stored as it was', async () => {
    const library = await open();
    const data = await library.importFromPath(iso);
    const stored = await library.changeStorage(data.id, storeAsChd);
    corruptChd(path.join(library.dir, `${data.id}.chd`));
    const before = entries(library.dir);
    const err = await library.changeStorage(data.id, (dir, r, at) => chdToPlain(dir, r, at, { stallMs: 10_000 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(/extracts to SHA-256 [0-9a-f]{64}, not the image's .*the image stays stored as a CHD/);
    expect(entries(library.dir)).toEqual(before);
    expect(library.get(data.id)).toEqual(stored);
  });
});

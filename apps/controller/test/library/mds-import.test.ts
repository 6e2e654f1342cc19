/**
 * Alcohol 120% images (.mds + .mdf) into the library: recognised by the
 * descriptor's header, a 2048-byte track copied out by its extent, a
 * 2352-byte one checked sector by sector and converted by mdf2iso (held
 * against the user data). Data files named outside the folder, offsets and
 * counts past the descriptor's end, other modes are refused with typed
 * errors and nothing left.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import { ContainerPathTraversalError, ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeMds } from '../../../../drivers/test/support/mds-images.js';
import { makeIso, makeTempDir, mode1RawFromIso, sha256 } from './support.js';

describe('MDS/MDF images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  let iso: Buffer;
  const put = (name: string, content: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, content);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-mds-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'alcohol.iso', payloadBytes: 120 * 1024, label: 'ALCOHOL' }));
    writeFileSync(path.join(work.dir, 'outside.mdf'), iso);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('a 2048-byte Mode 1 track (*.mdf): its extent becomes the ISO, the originals kept when asked', async () => {
    put('cd.mdf', iso);
    const mds = makeMds({ sectors: iso.length / 2048 });
    const record = await library.importFromPath(put('cd.mds', mds), { keepOriginal: true });
    expect(record).toMatchObject({ format: 'iso', volumeLabel: 'ALCOHOL', sha256: sha256(iso), provenance: { conversion: { from: 'mds', sourceSha256: sha256(mds) } } });
    expect(record.provenance.conversion?.proof).toMatch(new RegExp(`^MDS v1\\.3: track 1 \\(MODE1, 2048-byte sectors\\) is bytes 0 to ${iso.length} of cd\\.mdf, copied out by the library`));
    expect(record.files.map((f) => [f.path, f.role])).toEqual([[`${record.id}.iso`, 'iso'], [`${record.id}.mds`, 'source'], [`${record.id}.mdf`, 'source']]);
  });

  it('a 2352-byte Mode 1 track named in UTF-16: checked sector by sector, converted by mdf2iso', async () => {
    const raw = mode1RawFromIso(iso);
    put('Disc Ä.mdf', raw);
    const record = await library.importFromPath(put('raw.mds', makeMds({ sectors: raw.length / 2352, sectorBytes: 2352, fileName: 'Disc Ä.mdf', wide: true })));
    expect(record).toMatchObject({ sha256: sha256(iso), provenance: { conversion: { from: 'mds', command: ['mdf2iso', 'Disc Ä.mdf', `${record.id}.iso`] } } });
    expect(record.provenance.conversion?.proof).toMatch(/all \d+ raw sectors of Disc Ä\.mdf have their sync, address and mode; mdf2iso's ISO hashes to their user data/);
  });

  it('tower drive burn\'s probe names an MDS descriptor', async () => {
    await expect(probeImage(put('probe.mds', makeMds({ sectors: 10 })))).rejects.toThrow(/an Alcohol 120% descriptor \(\.mds\): import it into the library by path/);
  });

  it.each([
    ['a data file ../outside.mdf', () => makeMds({ sectors: 60, fileName: '../outside.mdf' }), ContainerPathTraversalError, /outside its folder: \.\.\/outside\.mdf/],
    ['a data file /etc/passwd', () => makeMds({ sectors: 60, fileName: '/etc/passwd' }), ContainerPathTraversalError, /\/etc\/passwd/],
    ['a data file C:\\x.mdf', () => makeMds({ sectors: 60, fileName: 'C:\\x.mdf' }), ContainerPathTraversalError, /C:/],
    ['a data file that is a symlink out', () => makeMds({ sectors: 60, fileName: 'link.mdf' }), ContainerPathTraversalError, /resolves outside its folder/],
    ['a missing data file', () => makeMds({ sectors: 60, fileName: 'gone.mdf' }), ImageConversionError, /names a missing data file: gone\.mdf/],
    ['a track longer than its data file', () => makeMds({ sectors: 1_000_000, fileName: 'cd.mdf' }), ImageConversionError, /runs past the end of cd\.mdf/],
    ['a track with subchannel in 2048-byte sectors', () => makeMds({ sectors: 60, subchannel: 8, fileName: 'cd.mdf' }), ImageConversionError, /has subchannel data with 2048-byte sectors/],
    ['sessions pointing past the end', () => { const b = makeMds({ sectors: 60 }); b.writeUInt32LE(0x7fffffff, 80); return b; }, ImageConversionError, /session blocks at byte 2147483647 run past its end/],
    ['255 track blocks', () => { const b = makeMds({ sectors: 60 }); b[98] = 255; return b; }, ImageConversionError, /255 track blocks/],
    ['a footer past the end', () => { const b = makeMds({ sectors: 60 }); b.writeUInt32LE(1 << 30, 112 + 240 + 52); return b; }, ImageConversionError, /footer at byte/],
    ['an extra block past the end', () => { const b = makeMds({ sectors: 60 }); b.writeUInt32LE(1 << 30, 112 + 240 + 12); return b; }, ImageConversionError, /extra block at byte/],
  ])('%s: refused with a typed error, nothing left', async (_what, mds, error, message) => {
    try {
      symlinkSync(path.join(work.dir, 'outside.mdf'), path.join(roots, 'link.mdf'));
    } catch {
      // made by an earlier case
    }
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${Math.random().toString(36).slice(2)}.mds`, mds())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

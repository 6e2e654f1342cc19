/**
 * CloneCD images (.ccd + .img [+ .sub]) into the library: recognised by the
 * control file's structure, every raw sector checked, converted by ccd2iso
 * and held against the sectors' user data. Other modes, scrambled data, a
 * missing or escaping .img, a broken sector and a malformed control file
 * are refused with typed errors and nothing left.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import { ContainerPathTraversalError, ConversionTooLargeError, ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeIso, makeTempDir, mode1RawFromIso, sha256 } from './support.js';

/** A control file as CloneCD 5 writes one for a single-session data disc. */
function ccdText(sectors: number, overrides: { mode?: number; scrambled?: number; sessions?: number } = {}): string {
  return [
    '[CloneCD]', 'Version=3', '[Disc]', 'TocEntries=4', `Sessions=${overrides.sessions ?? 1}`, `DataTracksScrambled=${overrides.scrambled ?? 0}`, 'CDTextLength=0',
    '[Session 1]', 'PreGapMode=1', 'PreGapSubC=0',
    '[Entry 0]', 'Session=1', 'Point=0xa0', 'ADR=0x01', 'Control=0x04', 'TrackNo=0', 'AMin=0', 'ASec=0', 'AFrame=0', 'ALBA=-150', 'Zero=0', 'PMin=1', 'PSec=0', 'PFrame=0', 'PLBA=4350',
    '[Entry 1]', 'Session=1', 'Point=0xa1', 'ADR=0x01', 'Control=0x04', 'TrackNo=0', 'PMin=1', 'PSec=0', 'PFrame=0',
    '[Entry 2]', 'Session=1', 'Point=0xa2', 'ADR=0x01', 'Control=0x04', 'TrackNo=0', `PLBA=${sectors}`,
    '[Entry 3]', 'Session=1', 'Point=0x01', 'ADR=0x01', 'Control=0x04', 'TrackNo=0', 'PMin=0', 'PSec=2', 'PFrame=0', 'PLBA=0',
    '[TRACK 1]', `MODE=${overrides.mode ?? 1}`, 'INDEX 1=0', '',
  ].join('\r\n');
}

describe('CloneCD images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  let iso: Buffer;
  let img: Buffer;
  const put = (name: string, content: string | Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, content);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-ccd-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'clone.iso', payloadBytes: 150 * 1024, label: 'CLONE_DISC' }));
    img = mode1RawFromIso(iso);
    writeFileSync(path.join(work.dir, 'outside.img'), img);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('a .ccd with its .img and .sub becomes the ISO of its user data, converted by ccd2iso and proven', async () => {
    const sectors = img.length / 2352;
    put('disc.img', img);
    put('disc.sub', Buffer.alloc(sectors * 96));
    const file = put('disc.ccd', ccdText(sectors));
    const record = await library.importFromPath(file, { keepOriginal: true });
    expect(record).toMatchObject({
      format: 'iso', volumeLabel: 'CLONE_DISC', sha256: sha256(iso), sizeBytes: iso.length,
      provenance: { conversion: { from: 'ccd', sourceSha256: sha256(Buffer.from(ccdText(sectors))), command: ['ccd2iso', 'disc.img', `${record.id}.iso`] } },
    });
    expect(record.provenance.conversion?.proof).toMatch(new RegExp(`^CloneCD v3, 1 Mode 1 track\\(s\\): all ${sectors} raw sectors of disc\\.img .* ccd2iso's ISO hashes to their user data`));
    expect(record.files.map((f) => f.role)).toEqual(['iso', 'source', 'source', 'source']);
    expect(readFileSync(library.imagePath(record.id)).equals(iso)).toBe(true);
  });

  it('tower drive burn\'s probe names a CloneCD control file', async () => {
    await expect(probeImage(put('probe.ccd', ccdText(10)))).rejects.toThrow(/a CloneCD control file \(\.ccd\): import it into the library by path/);
  });

  it('an uploaded .ccd is refused: its .img cannot come with it', async () => {
    const err: unknown = await library.importUpload(Readable.from([Buffer.from(ccdText(10))])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(/^a CloneCD control file cannot bring its data files in an upload/);
  });

  const broken = (edit: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(img);
    edit(b);
    return b;
  };
  it.each([
    ['two sessions', () => ccdText(img.length / 2352, { sessions: 2 }), () => img, ImageConversionError, /only one session of unscrambled tracks is converted/],
    ['scrambled data', () => ccdText(img.length / 2352, { scrambled: 1 }), () => img, ImageConversionError, /scrambled/],
    ['no .img beside it', () => ccdText(10), null, ImageConversionError, /has no \.img beside it/],
    ['an .img that is a symlink out of the folder', () => ccdText(10), 'link', ContainerPathTraversalError, /resolves outside its folder/],
    ['an .img cut mid-sector', () => ccdText(10), () => img.subarray(0, img.length - 100), ImageConversionError, /not a whole number of 2352-byte sectors/],
    ['a sector without sync', () => ccdText(10), () => broken((b) => b.fill(0, 2352 * 7, 2352 * 7 + 12)), ImageConversionError, /sector 7 has no sync pattern/],
    ['a sector out of order', () => ccdText(10), () => broken((b) => (b[2352 * 9 + 14] = 0x33)), ImageConversionError, /sector 9 carries the address of another sector/],
    ['a Mode 2 sector', () => ccdText(10), () => broken((b) => (b[2352 * 3 + 15] = 2)), ImageConversionError, /sector 3 is mode 2, not Mode 1/],
    ['TocEntries=100000', () => ccdText(10).replace('TocEntries=4', 'TocEntries=100000'), () => img, ImageConversionError, /TocEntries is '100000'/],
    ['a [TRACK 500]', () => `${ccdText(10)}[TRACK 500]\r\nMODE=1\r\nINDEX 1=0\r\n`, () => img, ImageConversionError, /track number/],
    ['a garbage line', () => `${ccdText(10)}rm -rf /\r\n`, () => img, ImageConversionError, /neither a section nor a key=value/],
  ] as const)('%s: refused with a typed error, nothing left', async (_what, text, imgBytes, error, message) => {
    const n = `bad-${listing().length}-${Math.random().toString(36).slice(2)}`;
    if (imgBytes === 'link') symlinkSync(path.join(work.dir, 'outside.img'), path.join(roots, `${n}.img`));
    else if (imgBytes) put(`${n}.img`, imgBytes());
    const before = listing();
    const err: unknown = await library.importFromPath(put(`${n}.ccd`, text())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });

  it('an .img larger than the library\'s limit is refused before ccd2iso runs', async () => {
    const small = await ImageLibrary.open({ dir: path.join(work.dir, 'small-library'), importRoots: [roots], maxUploadBytes: 100 * 1024 });
    put('big.img', img);
    const err: unknown = await small.importFromPath(put('big.ccd', ccdText(img.length / 2352))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionTooLargeError);
    expect(readdirSync(small.dir)).toEqual([]);
  });
});

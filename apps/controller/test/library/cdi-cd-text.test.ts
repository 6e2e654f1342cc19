/**
 * CD-TEXT of DiscJuggler CDI images kept through their conversion: the disc
 * block's raw packs (CRCs checked) become a cdrdao TOC file beside the
 * BIN/CUE, read back with the same CD-TEXT, accepted by `cdrdao toc-info`;
 * the BINs are the tracks' bytes, and iat reads the same ISO out of a data
 * track. No real sample is at hand: the images are written by the test in
 * the layout libmirage's CDI parser documents (drivers/test/support
 * `makeCdiWithCdText`). Broken CD-TEXT blocks and disc blocks are refused
 * with a typed error and leave the library as it was.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCdi, readTocContent } from 'node-cdrecord-wrapper';
import { ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { crc16, encodeCdText } from '../../../../drivers/test/support/cd-text-packs.js';
import { makeCdiWithCdText } from '../../../../drivers/test/support/cdi-images.js';
import { audioFrames, makeIso, makeTempDir, sha256 } from './support.js';

const TEXT = {
  disc: { TITLE: 'Juggled Disc', PERFORMER: 'The Tower Ensemble' },
  tracks: [{ TITLE: 'First Song', PERFORMER: 'The Tower Ensemble' }, { TITLE: 'Second Song', COMPOSER: 'Anna Björk' }],
};
/** Per-track CD-TEXT blocks as DiscJuggler stores them: strings by position (only skipped by the reader). */
const BLOCKS = [[['First Song', 'The Tower Ensemble']], [['Second Song', '', '', 'Anna Björk']]];

describe('CDI images with CD-TEXT in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  const one = audioFrames(320);
  const two = audioFrames(320).reverse();
  const put = (name: string, bytes: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();
  const audioCdi = (packs = encodeCdText(TEXT, true)): Buffer => makeCdiWithCdText([{ data: one, mode: 0, sectorBytes: 2352, pregapSectors: 150 }, { data: two, mode: 0, sectorBytes: 2352, pregapSectors: 2 }], packs, BLOCKS);

  beforeAll(async () => {
    work = makeTempDir('lib-cdi-text-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('the drivers read the tracks past their CD-TEXT blocks and the disc block\'s packs', async () => {
    const cdi = await readCdi(put('read.cdi', audioCdi()));
    expect(cdi.tracks.map((t) => [t.mode, t.sectorBytes, t.pregapSectors, t.sectors])).toEqual([[0, 2352, 150, 320], [0, 2352, 2, 320]]);
    expect(cdi.cdText?.equals(encodeCdText(TEXT, true))).toBe(true);
  });

  it('two audio tracks: BINs of their bytes, the CD-TEXT in a TOC that reads back the same and cdrdao accepts', async () => {
    const record = await library.importFromPath(put('audio.cdi', audioCdi()));
    expect(record.format).toBe('cue');
    const bins = record.files.filter((f) => f.role === 'bin').map((f) => sha256(readFileSync(path.join(library.dir, f.path))));
    expect(bins).toEqual([sha256(one), sha256(Buffer.concat([Buffer.alloc(2 * 2352), two]))]);
    expect(record.provenance.conversion?.proof).toMatch(/^DiscJuggler CDI v3\.5: .*; the disc block's CD-TEXT: .* cdrdao show-toc reads it as 642 frames.*\(each pack's CRC checked\)$/);
    const tocPath = path.join(library.dir, `${record.id}.toc`);
    const content = readTocContent(readFileSync(tocPath, 'latin1'));
    expect(content.cdText).toEqual(TEXT.disc);
    expect(content.tracks.map((t) => [t.mode, t.cdText])).toEqual([['AUDIO', TEXT.tracks[0]], ['AUDIO', TEXT.tracks[1]]]);
    const info = spawnSync('cdrdao', ['toc-info', tocPath], { cwd: library.dir, encoding: 'utf8' });
    expect({ status: info.status, said: info.stderr }).toMatchObject({ status: 0 });
    expect(`${info.stdout}${info.stderr}`).toMatch(/2 tracks, length \d+:\d+:\d+, 642 blocks/);
  });

  it('a Mode 1 data track with disc CD-TEXT: a CUE image and TOC, its BIN the ISO that iat reads out of the CDI too', async () => {
    const iso = readFileSync(makeIso(work.dir, { name: 'cdi-text.iso', payloadBytes: 700 * 1024, label: 'CDI_TEXT' }));
    const packs = encodeCdText({ disc: { TITLE: 'Data With Text' }, tracks: [{ TITLE: 'Data' }] }, true);
    const file = put('data.cdi', makeCdiWithCdText([{ data: iso }], packs, [[['Data']]]));
    const record = await library.importFromPath(file);
    const bin = readFileSync(path.join(library.dir, record.files.find((f) => f.role === 'bin')?.path ?? ''));
    expect(bin.equals(iso)).toBe(true);
    expect(readTocContent(readFileSync(path.join(library.dir, `${record.id}.toc`), 'latin1')).tracks.map((t) => [t.mode, t.cdText])).toEqual([['MODE1', { TITLE: 'Data' }]]);
    const out = path.join(work.dir, 'iat-cdi.iso');
    const iat = spawnSync('iat', [file, out], { encoding: 'utf8' });
    expect({ status: iat.status, said: iat.stderr }).toMatchObject({ status: 0 });
    expect(sha256(readFileSync(out))).toBe(sha256(iso));
  });

  const descriptor = (b: Buffer): number => b.length - b.readUInt32LE(b.length - 4);
  /** Where track 1's CD-TEXT block count lies: after the session byte, session descriptor, header, name, 31 bytes, index count and two indices. */
  const blockCount = (b: Buffer): number => descriptor(b) + 1 + 15 + 16 + 1 + 'track1.wav'.length + 31 + 2 + 8;
  it.each([
    ['a track claiming 9 CD-TEXT blocks', () => { const b = audioCdi(); b.writeUInt32LE(9, blockCount(b)); return b; }, /track 1 claims 9 CD-TEXT blocks, more than 8/],
    ['a track claiming 2^32-1 CD-TEXT blocks', () => { const b = audioCdi(); b.writeUInt32LE(0xffffffff, blockCount(b)); return b; }, /claims 4294967295 CD-TEXT blocks/],
    ['a CD-TEXT string running past the descriptor', () => { const b = audioCdi(); b.writeUInt32LE(8, blockCount(b)); return b; }, /CDI image: (its descriptor ends inside|track 1 has)/],
    ['a disc block claiming 2 GiB of packs', () => { const b = audioCdi(); const at = b.length - 8 - 8 - encodeCdText(TEXT, true).length - 4; b.writeUInt32LE(0x7fffffff, at); return b; }, /holds 2147483647 bytes of CD-TEXT packs/],
    ['a disc block whose packs end short of the footer', () => { const b = audioCdi(); const at = b.length - 8 - 8 - encodeCdText(TEXT, true).length - 4; b.writeUInt32LE(encodeCdText(TEXT, true).length - 18, at); return b; }, /ends 26 bytes before the descriptor does, not 8/],
    ['a pack with a bad CRC', () => { const p = encodeCdText(TEXT, true); p.writeUInt8((p[18 + 6] ?? 0) ^ 4, 18 + 6); return audioCdi(p); }, /CD-TEXT: pack 1 has CRC/],
    ['packs naming a third track', () => { const p = encodeCdText({ disc: {}, tracks: [{}, {}, { TITLE: 'Three' }] }, true); return audioCdi(p); }, /the disc has 2/],
    ['a title pack rewritten out of sequence', () => { const p = encodeCdText(TEXT, true); p[2] = 5; p.writeUInt16BE(crc16(p.subarray(0, 16)), 16); return audioCdi(p); }, /sequence number/],
  ])('%s: refused with ImageConversionError, nothing left', async (_what, bytes, message) => {
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${before.length}-${Date.now()}.cdi`, bytes())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

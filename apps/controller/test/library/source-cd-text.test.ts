/**
 * CD-TEXT a source image carries kept through its conversion: a CloneCD
 * `[CDText]` section (16-byte packs, no CRC) and an NRG v2 `CDTX` chunk
 * (18-byte packs, CRCs checked) become a cdrdao TOC file beside the
 * BIN/CUE (role `toc`), naming the library's BINs, which cdrdao reads
 * (show-toc, toc2cue) and the project's TOC parser reads back with the
 * decoded CD-TEXT; the record carries the CD-TEXT, the run image the TOC
 * (burns go through cdrdao). A bad CRC or text for tracks the disc lacks
 * is refused and leaves the library as it was.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTocFile, readTocContent } from 'node-cdrecord-wrapper';
import { ImageConversionError } from '../../src/library/errors.js';
import { toImageView } from '../../src/api/views/image-view.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { runImageOf } from '../../src/library/run-image.js';
import { ccdCdTextSection, encodeCdText } from '../../../../drivers/test/support/cd-text-packs.js';
import { makeNrg } from '../../../../drivers/test/support/nrg-images.js';
import { audioFrames, makeIso, makeTempDir, mode1RawFromIso, sha256 } from './support.js';

const TEXT = {
  disc: { TITLE: 'Kept Through Conversion', PERFORMER: 'The Tower Ensemble', MESSAGE: 'CD-TEXT from the source' },
  tracks: [{ TITLE: 'Opening', PERFORMER: 'The Tower Ensemble', COMPOSER: 'Anna Björk' }, { TITLE: 'Second Piece', ARRANGER: 'Someone' }],
};

function ccdControl(tracks: readonly { mode: number; index0?: number; index1: number }[], cdText: string): string {
  return [
    '[CloneCD]', 'Version=3', '[Disc]', `TocEntries=${tracks.length + 3}`, 'Sessions=1', 'DataTracksScrambled=0', 'CDTextLength=0',
    cdText,
    ...tracks.flatMap((t, i) => [`[TRACK ${i + 1}]`, `MODE=${t.mode}`, ...(t.index0 === undefined ? [] : [`INDEX 0=${t.index0}`]), `INDEX 1=${t.index1}`]),
    '',
  ].join('\r\n');
}

describe('CD-TEXT of a source image kept as a TOC file beside its BIN/CUE', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  const audio = audioFrames(320);
  const put = (name: string, bytes: Buffer | string): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-cdtext-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  /** The record's TOC file: role toc, hashed, naming its BINs; cdrdao and toc2cue read it. */
  function checkToc(record: Awaited<ReturnType<ImageLibrary['importFromPath']>>, modes: readonly string[], dataFiles?: readonly string[]): ReturnType<typeof readTocContent> {
    const entry = record.files.find((f) => f.role === 'toc');
    expect(entry?.path).toBe(`${record.id}.toc`);
    const tocPath = path.join(library.dir, `${record.id}.toc`);
    const bytes = readFileSync(tocPath);
    expect(entry).toMatchObject({ bytes: bytes.length, sha256: sha256(bytes) });
    const text = bytes.toString('latin1');
    expect(parseTocFile(text).files).toEqual(dataFiles ?? record.files.filter((f) => f.role === 'bin').map((f) => f.path));
    const content = readTocContent(text);
    expect(content.tracks.map((t) => t.mode)).toEqual(modes);
    const info = spawnSync('cdrdao', ['toc-info', tocPath], { cwd: library.dir, encoding: 'utf8' });
    expect({ status: info.status, said: info.stderr }).toMatchObject({ status: 0 });
    // cdrdao prints no CD-TEXT; it parses the blocks and counts tracks and blocks against the BINs.
    expect(`${info.stdout}${info.stderr}`).toMatch(new RegExp(`${record.id}\\.toc: ${modes.length} tracks, length \\d+:\\d+:\\d+, ${record.sectors} blocks`));
    if (modes.length === 1) {
      // toc2cue converts only a TOC of one data file (it says so for more).
      const cue = path.join(work.dir, `${record.id}-back.cue`);
      expect(spawnSync('toc2cue', [tocPath, cue], { cwd: library.dir }).status).toBe(0);
      expect(readFileSync(cue, 'latin1').match(/TRACK \d+ \S+/g)).toHaveLength(1);
    }
    expect(runImageOf(record, path.join(library.dir, record.imageFile)).tocPath).toBe(tocPath);
    return content;
  }

  it('CloneCD [CDText], two audio tracks with a pregap: the TOC carries the disc and track CD-TEXT, the record too', async () => {
    put('text.img', Buffer.concat([audio, audio, audio]));
    const control = ccdControl([{ mode: 0, index1: 0 }, { mode: 0, index0: 320, index1: 470 }], ccdCdTextSection(encodeCdText(TEXT, false)));
    const record = await library.importFromPath(put('text.ccd', control));
    expect(record.format).toBe('cue');
    const content = checkToc(record, ['AUDIO', 'AUDIO']);
    expect(content.cdText).toEqual(TEXT.disc);
    expect(content.tracks.map((t) => t.cdText)).toEqual(TEXT.tracks);
    expect(content.tracks.map((t) => t.pregapFrames)).toEqual([0, 150]);
    expect(content.cdTextLanguage).toBe('EN');
    // cdrdao reads the BIN's little-endian samples as they are (SWAP), not byte-swapped into noise.
    expect(content.tracks.map((t) => t.swap)).toEqual([true, true]);
    const data = spawnSync('cdrdao', ['show-data', path.join(library.dir, `${record.id}.toc`)], { cwd: library.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const samples = data.stdout.split('\n').slice(0, 200).map((l) => l.trim().split(/:?\s+/).slice(1).map(Number));
    expect(samples).toEqual(Array.from({ length: 200 }, (_, i) => [audio.readInt16LE(i * 4), audio.readInt16LE(i * 4 + 2)]));
    expect(record.cue?.cdText).toMatchObject(TEXT.disc);
    expect(toImageView(record, false)).toMatchObject({ burnFile: `${record.id}.cue`, tocFile: `${record.id}.toc`, cdText: { title: TEXT.disc.TITLE, performer: TEXT.disc.PERFORMER } });
    expect(record.tracks.map((t) => [t.title, t.performer, t.cdText?.COMPOSER])).toEqual([['Opening', 'The Tower Ensemble', 'Anna Björk'], ['Second Piece', undefined, undefined]]);
    expect(record.provenance.conversion?.proof).toMatch(/CD-TEXT: \d+ pack\(s\) of block 0 \(language EN, ISO-8859-1, tracks 1 to 2\).* cdrdao show-toc reads it as 960 frames/);
  });

  it('CloneCD of one Mode 1 track with CD-TEXT: a BIN/CUE with a MODE1_RAW TOC instead of an ISO', async () => {
    const raw = mode1RawFromIso(readFileSync(makeIso(work.dir, { name: 'data.iso', payloadBytes: 700 * 1024, label: 'TEXTDATA' })));
    put('data.img', raw);
    const one = { disc: { TITLE: 'Data Disc' }, tracks: [{ TITLE: 'Files' }] };
    const record = await library.importFromPath(put('data.ccd', ccdControl([{ mode: 1, index1: 0 }], ccdCdTextSection(encodeCdText(one, true), 18))));
    expect(record.format).toBe('cue');
    const content = checkToc(record, ['MODE1_RAW']);
    expect([content.cdText, content.tracks[0]?.cdText]).toEqual([one.disc, one.tracks[0]]);
  });

  it('NRG v2 with a CDTX chunk, a data track and an audio track: the TOC carries the CD-TEXT', async () => {
    const iso = readFileSync(makeIso(work.dir, { name: 'mixed.iso', payloadBytes: 700 * 1024, label: 'NRGTEXT' }));
    const nrg = makeNrg([{ data: iso }, { data: audio, modeCode: 0x07, sectorBytes: 2352, pregap: Buffer.alloc(150 * 2352) }], { version: 2, writing: 'dao', cdText: encodeCdText(TEXT, true) });
    const record = await library.importFromPath(put('text.nrg', nrg));
    const content = checkToc(record, ['MODE1', 'AUDIO']);
    expect(content.cdText).toEqual(TEXT.disc);
    expect(content.tracks.map((t) => t.cdText)).toEqual(TEXT.tracks);
    expect(record.provenance.conversion?.proof).toMatch(/CDTX chunk's CD-TEXT: .*\(each pack's CRC checked\)$/);
  });

  it('CloneCD .sub: P/Q-only records and R-W data told apart, the .sub kept and named in the provenance, R-W data burned from RW_RAW files', async () => {
    put('pq.img', Buffer.concat([audio, audio]));
    const pq = Buffer.alloc(640 * 96);
    for (let s = 0; s < 640; s++) pq.fill(0xff, s * 96, s * 96 + 12).writeUInt8(0x41, s * 96 + 12);
    put('pq.sub', pq);
    const plain = await library.importFromPath(put('pq.ccd', ccdControl([{ mode: 0, index1: 0 }, { mode: 0, index1: 320 }], '')));
    expect(plain.provenance.conversion?.subchannel).toEqual({ file: `${plain.id}.sub`, sectors: 640, rwSectors: 0, burned: false });
    expect(plain.provenance.conversion?.proof).toMatch(/the \.sub's 640 records hold P and Q only \(no R-W data\)/);
    put('cdg.img', Buffer.concat([audio, audio]));
    const cdg = Buffer.from(pq);
    for (const s of [330, 331, 639]) cdg.fill(0x09, s * 96 + 24, s * 96 + 48);
    cdg.writeUInt8(0x80, 330 * 96 + 24);
    cdg.writeUInt8(0x01, 330 * 96 + 95);
    put('cdg.sub', cdg);
    const graphics = await library.importFromPath(put('cdg.ccd', ccdControl([{ mode: 0, index1: 0 }, { mode: 0, index1: 320 }], ccdCdTextSection(encodeCdText(TEXT, false)))));
    expect(graphics.provenance.conversion?.subchannel).toEqual({ file: `${graphics.id}.sub`, sectors: 640, rwSectors: 3, burned: true });
    expect(graphics.provenance.conversion?.proof).toMatch(/R-W subchannel data .* in 3 of 640 sectors \(the first at 330\): burned by cdrdao from the TOC's RW_RAW files/);
    expect(readFileSync(path.join(library.dir, `${graphics.id}.sub`)).equals(cdg)).toBe(true);
    // The BIN/CUE is as before; the TOC reads RW_RAW files of 2448-byte frames: the sector (audio big-endian) and the R-W symbols.
    const rw = graphics.files.filter((f) => f.role === 'subchannel').map((f) => f.path);
    expect(rw).toEqual([`${graphics.id}-01.rw`, `${graphics.id}-02.rw`]);
    const content = checkToc(graphics, ['AUDIO', 'AUDIO'], rw);
    expect(content.tracks.map((t) => [t.subchannel, t.swap, t.cdText.TITLE])).toEqual([['RW_RAW', undefined, 'Opening'], ['RW_RAW', undefined, 'Second Piece']]);
    const second = readFileSync(path.join(library.dir, rw[1] ?? ''));
    expect(second.length).toBe(320 * 2448);
    const frame = second.subarray(10 * 2448, 11 * 2448);
    expect(frame.subarray(0, 2352).equals(Buffer.from(audio.subarray(10 * 2352, 11 * 2352)).swap16())).toBe(true);
    // Sector 330 is frame 10 of track 2: R's first bit is symbol 0's bit 5, W's last bit symbol 95's bit 0; P and Q bits stay clear.
    const symbols = frame.subarray(2352);
    // R and S bytes are 0x09 (bits 3 and 0 of each), R byte 0 is 0x80, W byte 11 is 0x01: symbol 0 = R only, symbol 95 = R, S and W.
    expect([symbols[0], symbols[95], symbols.every((b) => b <= 0x3f)]).toEqual([0x20, 0x20 | 0x10 | 0x01, true]);
    expect(second.subarray(0, 2352).equals(Buffer.from(audio.subarray(0, 2352)).swap16())).toBe(true);
    const data = spawnSync('cdrdao', ['show-data', path.join(library.dir, `${graphics.id}.toc`)], { cwd: library.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const samples = data.stdout.split('\n').slice(0, 100).map((l) => l.trim().split(/:?\s+/).slice(1).map(Number));
    expect(samples).toEqual(Array.from({ length: 100 }, (_, i) => [audio.readInt16LE(i * 4), audio.readInt16LE(i * 4 + 2)]));
  });

  it.each([
    ['a CloneCD .sub shorter than its .img', (): string => {
      put('short.img', Buffer.concat([audio, audio]));
      put('short.sub', Buffer.alloc(639 * 96));
      return put('short.ccd', ccdControl([{ mode: 0, index1: 0 }, { mode: 0, index1: 320 }], ccdCdTextSection(encodeCdText(TEXT, false))));
    }, /CloneCD subchannel \(61344 bytes\) is not 640 records of 96 bytes/],
    ['an NRG CDTX pack with a bad CRC', (): string => {
      const packs = encodeCdText(TEXT, true);
      packs.writeUInt8((packs[18 + 5] ?? 0) ^ 1, 18 + 5);
      return put('badcrc.nrg', makeNrg([{ data: audio, modeCode: 0x07, sectorBytes: 2352 }, { data: audio, modeCode: 0x07, sectorBytes: 2352 }], { version: 2, writing: 'dao', cdText: packs }));
    }, /CD-TEXT: pack 1 has CRC/],
    ['a CloneCD [CDText] naming a third track on a two-track disc', (): string => {
      put('beyond.img', Buffer.concat([audio, audio]));
      const three = { disc: {}, tracks: [{ TITLE: 'a' }, { TITLE: 'b' }, { TITLE: 'c' }] };
      return put('beyond.ccd', ccdControl([{ mode: 0, index1: 0 }, { mode: 0, index1: 320 }], ccdCdTextSection(encodeCdText(three, false))));
    }, /the size packs name tracks 1 to 3, the disc has 2/],
    ['a CloneCD [CDText] with an entry missing', (): string => {
      put('missing.img', audio);
      const section = ccdCdTextSection(encodeCdText({ disc: { TITLE: 'x' }, tracks: [{}] }, false)).replace(/\r\nEntry 1=[^\r]*/, '');
      return put('missing.ccd', ccdControl([{ mode: 0, index1: 0 }], section));
    }, /\[CDText\] has no Entry 1/],
  ])('refuses %s and changes nothing', async (_name, file, message) => {
    const before = listing();
    const outcome = await library.importFromPath(file()).then(() => 'imported', (err: unknown) => err);
    expect(outcome).toBeInstanceOf(ImageConversionError);
    expect((outcome as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

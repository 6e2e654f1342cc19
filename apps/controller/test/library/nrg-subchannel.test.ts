/**
 * NRG tracks of 2448-byte sectors (mode codes 0x10 audio and 0x0F Mode 1,
 * "full sector with subchannel") into the library: the main channel into
 * the BINs (equal, byte for byte, to the sectors written), the R-W bits of
 * the subchannel into RW_RAW files the TOC names (equal, bit for bit), a
 * CDTX chunk's CD-TEXT read back from the TOC, and `cdrdao toc-info`
 * accepting the TOC. There is no real sample here: the images are built by
 * the test with the layout libmirage's NRG parser documents for these codes
 * (2352 bytes of sector, then 96 bytes of P-W subchannel, interleaved: one
 * symbol per byte, P in bit 7, Q in bit 6, R to W in bits 5 to 0). Debian's
 * iat reads the Mode 1 image's ISO out of the 2448-byte sectors by itself,
 * as a cross-check of the main channel.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTocFile, readTocContent } from 'node-cdrecord-wrapper';
import { ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { encodeCdText } from '../../../../drivers/test/support/cd-text-packs.js';
import { makeNrg } from '../../../../drivers/test/support/nrg-images.js';
import { audioFrames, makeIso, makeTempDir, mode1RawFromIso, sha256 } from './support.js';

/** 2448-byte sectors of `main` (2352-byte sectors), each followed by `sub(sector)` (96 interleaved symbols). */
function withSubchannel(main: Buffer, sub: (sector: number) => Buffer): Buffer {
  const sectors = main.length / 2352;
  return Buffer.concat(Array.from({ length: sectors }, (_, s) => Buffer.concat([main.subarray(s * 2352, (s + 1) * 2352), sub(s)])));
}

/** P and Q as a burner would have them (P all set in a pause, Q some pattern): no R-W bits. */
const pqOnly = (s: number): Buffer => Buffer.alloc(96, s % 2 === 0 ? 0xc0 : 0x40);
/** P and Q, and CD+G-like R-W symbols in sectors 5 to 9. */
const withRw = (s: number): Buffer => {
  const b = pqOnly(s);
  if (s >= 5 && s < 10) for (let i = 0; i < 96; i++) b[i] = (b[i] ?? 0) | ((s * 7 + i * 13) & 0x3f);
  return b;
};

const TEXT = { disc: { TITLE: 'Sub Channel Disc', PERFORMER: 'The Tower Ensemble' }, tracks: [{ TITLE: 'With Graphics' }, { TITLE: 'Second', PERFORMER: 'Someone Else' }] };

describe('NRG tracks with subchannel (2448-byte sectors) in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  const put = (name: string, bytes: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-nrg-sub-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('audio with subchannel and CD-TEXT: BINs of the main channel, RW_RAW files of the R-W bits, the TOC reads back and cdrdao accepts it', async () => {
    const one = audioFrames(320);
    const two = audioFrames(320).reverse();
    const gap = audioFrames(30);
    const raw1 = withSubchannel(one, withRw);
    const raw2 = withSubchannel(two, withRw);
    const nrg = makeNrg([{ data: raw1, modeCode: 0x10, sectorBytes: 2448 }, { data: raw2, modeCode: 0x10, sectorBytes: 2448, pregap: withSubchannel(gap, pqOnly) }], { version: 2, writing: 'dao', cdText: encodeCdText(TEXT, true) });
    const record = await library.importFromPath(put('cdg.nrg', nrg));
    expect(record.format).toBe('cue');
    const bins = record.files.filter((f) => f.role === 'bin').map((f) => readFileSync(path.join(library.dir, f.path)));
    expect(bins.map((b) => sha256(b))).toEqual([sha256(one), sha256(Buffer.concat([gap, two]))]);
    expect(record.provenance.conversion?.proof).toMatch(/^NRG v2 DAOX chunk: 2448-byte sectors .* every BIN hashes to its main channel read again from the NRG; the subchannel holds R-W data in 10 of 670 sectors \(the first at 5\): burned by cdrdao from the TOC's RW_RAW files/);
    expect(record.provenance.conversion?.proof).toMatch(/CD-TEXT: .* decoded .* cdrdao show-toc reads it as 670 frames/);

    const rw = record.files.filter((f) => f.role === 'subchannel').map((f) => f.path);
    expect(rw).toEqual([`${record.id}-01.rw`, `${record.id}-02.rw`]);
    const tocPath = path.join(library.dir, `${record.id}.toc`);
    const text = readFileSync(tocPath, 'latin1');
    expect(parseTocFile(text).files).toEqual(rw);
    const content = readTocContent(text);
    expect(content.tracks.map((t) => [t.mode, t.subchannel, t.cdText])).toEqual([['AUDIO', 'RW_RAW', TEXT.tracks[0]], ['AUDIO', 'RW_RAW', TEXT.tracks[1]]]);
    expect(content.cdText).toEqual(TEXT.disc);
    const info = spawnSync('cdrdao', ['toc-info', tocPath], { cwd: library.dir, encoding: 'utf8' });
    expect({ status: info.status, said: info.stderr }).toMatchObject({ status: 0 });
    expect(`${info.stdout}${info.stderr}`).toMatch(new RegExp(`2 tracks, length \\d+:\\d+:\\d+, 670 blocks`));

    // Every RW_RAW frame: the sector big-endian, then the source symbols' R-W bits only.
    const sources = [{ main: one, sub: raw1 }, { main: Buffer.concat([gap, two]), sub: Buffer.concat([withSubchannel(gap, pqOnly), raw2]) }];
    for (const [i, file] of rw.entries()) {
      const frames = readFileSync(path.join(library.dir, file));
      const src = sources[i] as { main: Buffer; sub: Buffer };
      expect(frames.length).toBe((src.main.length / 2352) * 2448);
      for (let s = 0; s < src.main.length / 2352; s++) {
        const frame = frames.subarray(s * 2448, (s + 1) * 2448);
        expect(Buffer.from(frame.subarray(0, 2352)).swap16().equals(src.main.subarray(s * 2352, (s + 1) * 2352))).toBe(true);
        const expected = Buffer.from(src.sub.subarray(s * 2448 + 2352, (s + 1) * 2448)).map((b) => b & 0x3f);
        expect(frame.subarray(2352).equals(expected)).toBe(true);
      }
    }
    // Sector 5 of track 1 does carry R-W bits, and P and Q never pass through.
    const first = readFileSync(path.join(library.dir, rw[0] ?? ''));
    expect(first.subarray(5 * 2448 + 2352, 6 * 2448).some((b) => b !== 0)).toBe(true);
    expect(first.subarray(0 * 2448 + 2352, 2448).every((b) => b === 0)).toBe(true);
  });

  it('a Mode 1 data track with P/Q-only subchannel: the BIN is its main channel (no TOC), and iat reads the same ISO out of the NRG', async () => {
    const iso = readFileSync(makeIso(work.dir, { name: 'sub.iso', payloadBytes: 120 * 1024, label: 'NRG_SUB' }));
    const main = mode1RawFromIso(iso);
    const nrg = makeNrg([{ data: withSubchannel(main, pqOnly), modeCode: 0x0f, sectorBytes: 2448 }], { version: 1, writing: 'dao' });
    const file = put('mode1sub.nrg', nrg);
    const record = await library.importFromPath(file);
    expect(record.files.map((f) => f.role).sort()).toEqual(['bin', 'cue']);
    const bin = readFileSync(path.join(library.dir, record.files.find((f) => f.role === 'bin')?.path ?? ''));
    expect(bin.equals(main)).toBe(true);
    expect(record.provenance.conversion?.proof).toMatch(/holds no R-W data .* so it is not kept/);
    const out = path.join(work.dir, 'iat-sub.iso');
    const iat = spawnSync('iat', [file, out], { encoding: 'utf8' });
    expect({ status: iat.status, said: iat.stderr }).toMatchObject({ status: 0 });
    const fromBin = Buffer.concat(Array.from({ length: bin.length / 2352 }, (_, s) => bin.subarray(s * 2352 + 16, s * 2352 + 2064)));
    expect(sha256(readFileSync(out))).toBe(sha256(fromBin));
    expect(fromBin.equals(iso)).toBe(true);
  });

  it.each([
    ['audio (0x07) in 2448-byte sectors, a layout libmirage does not give', () => makeNrg([{ data: Buffer.alloc(2448 * 10), modeCode: 0x07, sectorBytes: 2448 }], { version: 2, writing: 'dao' }), /2448-byte sectors under mode code 0x07, whose subchannel layout is not known; not converted rather than guessed/],
    ['a Mode 1 track beside an audio track with subchannel', () => makeNrg([{ data: Buffer.alloc(2048 * 20) }, { data: Buffer.alloc(2448 * 10), modeCode: 0x10, sectorBytes: 2448 }], { version: 2, writing: 'tao' }), /track 1 is MODE1\/2048 beside track 2, AUDIO\+SUB with subchannel data/],
    ['a pregap of part of a sector', () => { const b = makeNrg([{ data: Buffer.alloc(2448 * 10), modeCode: 0x10, sectorBytes: 2448 }, { data: Buffer.alloc(2448 * 10), modeCode: 0x10, sectorBytes: 2448, pregap: Buffer.alloc(2448 * 2) }], { version: 2, writing: 'dao' }); const dao = b.lastIndexOf('DAOX', undefined, 'latin1') + 8 + 22 + 42; b.writeBigUInt64BE(b.readBigUInt64BE(dao + 18) + 100n, dao + 18); return b; }, /pregap \(4796 bytes\) is not whole 2448-byte sectors/],
  ])('%s: refused with ImageConversionError, nothing left', async (_what, bytes, message) => {
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${before.length}-${Date.now()}.nrg`, bytes())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

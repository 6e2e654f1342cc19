/**
 * MDS images read with their subchannel (2448-byte sectors, type 0x08) into
 * the library: the main channel becomes the BINs, byte for byte; the
 * subchannel is kept deinterleaved as a `.sub`; R-W data becomes RW_RAW
 * files that a TOC names, which cdrdao reads. The MDF data is written by
 * libmirage's documented layout (drivers/test/support/mds-subchannel-frames.ts);
 * Debian's iat, which reads 2448-byte MDF data, cross-checks a data track.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTocContent } from 'node-cdrecord-wrapper';
import { ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeMdsTracks } from '../../../../drivers/test/support/mds-images.js';
import { interleavePwRecord, makeInterleavedMdf, pqRecords } from '../../../../drivers/test/support/mds-subchannel-frames.js';
import { audioFrames, makeIso, makeTempDir, mode1RawFromIso, sha256 } from './support.js';

describe('MDS tracks with interleaved subchannel (2448-byte sectors)', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  const audio = audioFrames(320);
  const put = (name: string, bytes: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();
  const twoAudio = (file: string, over: { subchannel?: number; sectorBytes?: number } = {}): Buffer => makeMdsTracks([
    { sectors: 320, startOffset: 0, sectorBytes: 2448, mode: 0xa9, subchannel: 8, fileName: file, ...over },
    { sectors: 320, startOffset: 320 * (over.sectorBytes ?? 2448), sectorBytes: 2448, mode: 0xa9, subchannel: 8, fileName: file, ...over },
  ]);

  beforeAll(async () => {
    work = makeTempDir('lib-mds-sub-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('two audio tracks with R-W data: BINs are the main channel, the .sub kept, RW_RAW files named by a TOC cdrdao reads', async () => {
    const linear = pqRecords(640);
    for (const s of [330, 331, 639]) linear.fill(0x09, s * 96 + 24, s * 96 + 48);
    linear.writeUInt8(0x80, 330 * 96 + 24);
    linear.writeUInt8(0x01, 330 * 96 + 95);
    const mdf = makeInterleavedMdf(Buffer.concat([audio, audio]), linear);
    put('cdg.mdf', mdf);
    const mds = twoAudio('cdg.mdf');
    const record = await library.importFromPath(put('cdg.mds', mds));
    expect(record).toMatchObject({ format: 'cue', sectors: 640, provenance: { conversion: { from: 'mds', sourceSha256: sha256(mds) } } });
    expect(record.provenance.conversion?.subchannel).toEqual({ file: `${record.id}.sub`, sectors: 640, rwSectors: 3, burned: true });
    expect(record.provenance.conversion?.proof).toMatch(/640 sectors of 2448 bytes \(subchannel type 0x08, P-W interleaved\) split .* in 3 of 640 sectors \(the first at 330\): burned by cdrdao .* read back against the data file's interleaved frames/);
    // Main channel: each BIN is its track's 2352-byte sectors, byte for byte.
    const bins = record.files.filter((f) => f.role === 'bin').map((f) => readFileSync(path.join(library.dir, f.path)));
    expect(bins.map((b) => b.equals(audio))).toEqual([true, true]);
    // The subchannel, deinterleaved, is the CloneCD-layout records it was written from; the descriptor is kept with it.
    expect(readFileSync(path.join(library.dir, `${record.id}.sub`)).equals(linear)).toBe(true);
    expect(readFileSync(path.join(library.dir, `${record.id}.mds`)).equals(mds)).toBe(true);
    // RW_RAW: every frame's sector (big-endian audio) and symbols = the MDF's interleaved subchannel bytes without P and Q.
    const rw = record.files.filter((f) => f.role === 'subchannel').map((f) => f.path);
    expect(rw).toEqual([`${record.id}-01.rw`, `${record.id}-02.rw`]);
    for (const [t, name] of rw.entries()) {
      const bytes = readFileSync(path.join(library.dir, name));
      expect(bytes.length).toBe(320 * 2448);
      for (let k = 0; k < 320; k++) {
        const frame = bytes.subarray(k * 2448, (k + 1) * 2448);
        const source = mdf.subarray((t * 320 + k) * 2448, (t * 320 + k + 1) * 2448);
        expect(Buffer.from(frame.subarray(0, 2352)).swap16().equals(source.subarray(0, 2352))).toBe(true);
        expect(frame.subarray(2352).equals(Buffer.from(source.subarray(2352).map((b) => b & 0x3f)))).toBe(true);
      }
    }
    // Sector 330 (frame 10 of track 2): R's first bit is symbol 0's bit 5; symbol 95 has R, S and W.
    const symbols = readFileSync(path.join(library.dir, rw[1] ?? '')).subarray(10 * 2448 + 2352, 11 * 2448);
    expect([symbols[0], symbols[95]]).toEqual([0x20, 0x20 | 0x10 | 0x01]);
    expect(interleavePwRecord(linear.subarray(330 * 96, 331 * 96)).equals(mdf.subarray(330 * 2448 + 2352, 331 * 2448))).toBe(true);
    // The TOC names the RW_RAW files; cdrdao reads it as 2 tracks of 640 blocks and plays track 1's samples back.
    const tocPath = path.join(library.dir, `${record.id}.toc`);
    const content = readTocContent(readFileSync(tocPath, 'latin1'));
    expect(content.tracks.map((t) => [t.mode, t.subchannel])).toEqual([['AUDIO', 'RW_RAW'], ['AUDIO', 'RW_RAW']]);
    const info = spawnSync('cdrdao', ['show-toc', tocPath], { cwd: library.dir, encoding: 'utf8' });
    expect({ status: info.status, said: `${info.stdout}${info.stderr}` }).toMatchObject({ status: 0, said: expect.stringMatching(/TRACK +1 +Mode AUDIO RW_RAW:[\s\S]*TRACK +2 +Mode AUDIO RW_RAW:[\s\S]*END +\d+:\d+:\d+\( +640\)/) });
    const data = spawnSync('cdrdao', ['show-data', tocPath], { cwd: library.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const samples = data.stdout.split('\n').slice(0, 100).map((l) => l.trim().split(/:?\s+/).slice(1).map(Number));
    expect(samples).toEqual(Array.from({ length: 100 }, (_, i) => [audio.readInt16LE(i * 4), audio.readInt16LE(i * 4 + 2)]));
  });

  it('a Mode 1 track with P and Q only: the BIN is the main channel, which iat reads from the MDF too; no TOC', async () => {
    const iso = readFileSync(makeIso(work.dir, { name: 'sub.iso', payloadBytes: 96 * 1024, label: 'SUBCHAN' }));
    const raw = mode1RawFromIso(iso);
    const sectors = raw.length / 2352;
    const mdf = makeInterleavedMdf(raw, pqRecords(sectors));
    const mdfPath = put('data.mdf', mdf);
    const record = await library.importFromPath(put('data.mds', makeMdsTracks([{ sectors, startOffset: 0, sectorBytes: 2448, subchannel: 8, fileName: 'data.mdf' }])), { keepOriginal: true });
    expect(record.files.map((f) => f.role).sort()).toEqual(['bin', 'cue', 'source', 'source', 'source']);
    expect(record.provenance.conversion?.subchannel).toEqual({ file: `${record.id}.sub`, sectors, rwSectors: 0, burned: false });
    expect(record.provenance.conversion?.proof).toMatch(/the \.sub's \d+ records hold P and Q only/);
    const bin = readFileSync(path.join(library.dir, `${record.id}-01.bin`));
    expect(bin.equals(raw)).toBe(true);
    expect(readFileSync(path.join(library.dir, `${record.id}.mdf`)).equals(mdf)).toBe(true);
    // Debian's iat reads the 2448-byte MDF into an ISO: the user data of our BIN's sectors.
    const isoBack = path.join(work.dir, 'iat.iso');
    const iat = spawnSync('iat', [mdfPath, isoBack], { encoding: 'utf8' });
    expect({ status: iat.status, said: `${iat.stdout}${iat.stderr}` }).toMatchObject({ status: 0, said: expect.stringMatching(/Block 2448/) });
    const userData = Buffer.concat(Array.from({ length: sectors }, (_, s) => bin.subarray(s * 2352 + 16, s * 2352 + 2064)));
    expect(readFileSync(isoBack).equals(userData)).toBe(true);
    expect(userData.equals(iso)).toBe(true);
  });

  it.each([
    ['subchannel type 0x10', () => twoAudio('full.mdf', { subchannel: 0x10 }), /MDS track 1 declares subchannel type 0x10: only 0x08/],
    ['subchannel with 2352-byte sectors', () => twoAudio('full.mdf', { sectorBytes: 2352 }), /has subchannel data with 2352-byte sectors/],
    ['tracks with and without subchannel', () => makeMdsTracks([
      { sectors: 320, startOffset: 0, sectorBytes: 2448, mode: 0xa9, subchannel: 8, fileName: 'full.mdf' },
      { sectors: 100, startOffset: 320 * 2448, sectorBytes: 2352, mode: 0xa9, fileName: 'full.mdf' },
    ]), /tracks with and without subchannel data in one image/],
    ['a data file one byte short', () => twoAudio('short.mdf'), /runs past the end of short\.mdf/],
  ])('%s: refused with a typed error, nothing left', async (_what, mds, message) => {
    put('full.mdf', makeInterleavedMdf(Buffer.concat([audio, audio]), pqRecords(640)));
    put('short.mdf', makeInterleavedMdf(Buffer.concat([audio, audio]), pqRecords(640)).subarray(0, 640 * 2448 - 1));
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${Math.random().toString(36).slice(2)}.mds`, mds())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

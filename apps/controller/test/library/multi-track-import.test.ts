/**
 * Multi-track, audio and mixed-mode containers (NRG, CDI, CloneCD, MDS, a
 * CHD of tracks of different frame sizes) into
 * the library as CUE images: one BIN per track with its pregap as INDEX 00,
 * the CUE layout held against the container's descriptors, each BIN against
 * its bytes of the source; the original kept when asked (and the CloneCD
 * control file and .sub always, a CUE sheet carrying no subchannel); the
 * image view names the file burned and the original kept. Refusals leave
 * nothing in the library.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerPathTraversalError, ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { toImageView } from '../../src/api/views/image-view.js';
import { makeNrg } from '../../../../drivers/test/support/nrg-images.js';
import { makeCdi } from '../../../../drivers/test/support/cdi-images.js';
import { makeMdsTracks } from '../../../../drivers/test/support/mds-images.js';
import { audioFrames, makeIso, makeTempDir, mode1RawFromIso, sha256 } from './support.js';

/** A CloneCD control file for one session of `tracks` (CloneCD mode, INDEX 0 when a pregap, INDEX 1). */
function ccdText(tracks: readonly { mode: number; index0?: number; index1: number }[]): string {
  return [
    '[CloneCD]', 'Version=3', '[Disc]', `TocEntries=${tracks.length + 3}`, 'Sessions=1', 'DataTracksScrambled=0', 'CDTextLength=0',
    ...tracks.flatMap((t, i) => [`[TRACK ${i + 1}]`, `MODE=${t.mode}`, ...(t.index0 === undefined ? [] : [`INDEX 0=${t.index0}`]), `INDEX 1=${t.index1}`]),
    '',
  ].join('\r\n');
}

describe('multi-track and audio containers in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  let iso: Buffer;
  const audio = audioFrames(120);
  const gap = Buffer.alloc(150 * 2352);
  const put = (name: string, bytes: Buffer | string): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();
  const bins = (id: string): Buffer[] => readdirSync(library.dir).filter((f) => f.startsWith(`${id}-`) && f.endsWith('.bin')).sort().map((f) => readFileSync(path.join(library.dir, f)));
  const cue = (id: string): string => readFileSync(path.join(library.dir, `${id}.cue`), 'latin1');

  beforeAll(async () => {
    work = makeTempDir('lib-tracks-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'mixed.iso', payloadBytes: 120 * 1024, label: 'MIXED_MODE' }));
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it.each([[2, 'dao'], [1, 'dao'], [2, 'tao'], [1, 'tao']] as const)('NRG v%s %s, a data track and an audio track: a CUE image, pregap as INDEX 00', async (version, writing) => {
    const pregap = writing === 'dao' ? gap : undefined;
    const nrg = makeNrg([{ data: iso }, { data: audio, modeCode: 0x07, sectorBytes: 2352, ...(pregap ? { pregap } : {}) }], { version, writing });
    const file = put(`mixed-v${version}-${writing}.nrg`, nrg);
    const record = await library.importFromPath(file, { keepOriginal: writing === 'dao' });
    const second = pregap ? Buffer.concat([pregap, audio]) : audio;
    expect(record).toMatchObject({ format: 'cue', imageFile: `${record.id}.cue`, sha256: sha256(Buffer.concat([iso, second])), provenance: { conversion: { from: 'nrg', sourceSha256: sha256(nrg) } } });
    expect(record.tracks.map((t) => [t.number, t.mode, t.pregapFrames, t.dataFrames])).toEqual([[1, 'MODE1/2048', 0, iso.length / 2048], [2, 'AUDIO', pregap ? 150 : 0, second.length / 2352]]);
    expect(bins(record.id)).toEqual([iso, second]);
    expect(cue(record.id)).toContain(pregap ? 'TRACK 02 AUDIO\r\n    INDEX 00 00:00:00\r\n    INDEX 01 00:02:00' : 'TRACK 02 AUDIO\r\n    INDEX 01 00:00:00');
    expect(record.provenance.conversion?.proof).toMatch(new RegExp(`^NRG v${version} ${{ 2: { dao: 'DAOX', tao: 'ETN2' }, 1: { dao: 'DAOI', tao: 'ETNF' } }[version][writing]} chunk: 2 track\\(s\\) \\(1 MODE1/2048, 2 AUDIO\\), one BIN each .* the CUE image laid out again from the staged files gives every track the mode, pregap and length of the source's descriptors, and every BIN read back hashes to its byte range of the source`));
    const view = toImageView(record, false);
    expect(view).toMatchObject({ burnFile: `${record.id}.cue`, keptOriginals: writing === 'dao' ? [`${record.id}.nrg`] : [], conversion: { from: 'nrg' } });
    if (writing === 'dao') expect(readFileSync(path.join(library.dir, `${record.id}.nrg`)).equals(nrg)).toBe(true);
  });

  it('CDI v3.5, an audio track then a Mode 1 data track in one session: a CUE image', async () => {
    const cdi = makeCdi([{ data: audio, mode: 0, sectorBytes: 2352 }, { data: iso }], '3.5');
    const record = await library.importFromPath(put('mixed.cdi', cdi));
    expect(record.format).toBe('cue');
    expect(record.tracks.map((t) => [t.mode, t.pregapFrames])).toEqual([['AUDIO', 0], ['MODE1/2048', 150]]);
    expect(bins(record.id)).toEqual([audio, Buffer.concat([Buffer.alloc(150 * 2048), iso])]);
    expect(record.provenance.conversion?.proof).toMatch(/^DiscJuggler CDI v3\.5: 2 track\(s\) \(1 AUDIO, 2 MODE1\/2048\)/);
  });

  it('CloneCD, two audio tracks and a raw Mode 1 track (INDEX 0 pregap), with a .sub: a CUE image, control file and .sub kept', async () => {
    const raw = mode1RawFromIso(iso);
    const img = Buffer.concat([audio, audio, gap, raw]);
    const frames = (b: Buffer): number => b.length / 2352;
    put('cd.img', img);
    put('cd.sub', Buffer.alloc(frames(img) * 96, 0xff));
    const control = ccdText([{ mode: 0, index1: 0 }, { mode: 0, index1: frames(audio) }, { mode: 1, index0: 2 * frames(audio), index1: 2 * frames(audio) + 150 }]);
    const record = await library.importFromPath(put('cd.ccd', control));
    expect(record.tracks.map((t) => [t.mode, t.pregapFrames, t.dataFrames])).toEqual([['AUDIO', 0, 120], ['AUDIO', 0, 120], ['MODE1/2352', 150, 150 + frames(raw)]]);
    expect(bins(record.id)).toEqual([audio, audio, Buffer.concat([gap, raw])]);
    expect(record.files.filter((f) => f.role === 'source').map((f) => f.path)).toEqual([`${record.id}.ccd`, `${record.id}.sub`]);
    expect(record.provenance.conversion?.proof).toMatch(/a CUE sheet carries no subchannel, so the control file and the \.sub are kept beside the image$/);
    expect(toImageView(record, false)).toMatchObject({ burnFile: `${record.id}.cue`, keptOriginals: [`${record.id}.ccd`, `${record.id}.sub`] });
  });

  it('MDS, a data track and two audio tracks (one pregap stored, one not): INDEX 00 and PREGAP', async () => {
    const mdf = Buffer.concat([iso, gap, audio, audio]);
    put('multi.mdf', mdf);
    const mds = makeMdsTracks([
      { sectors: iso.length / 2048, startOffset: 0 },
      { sectors: 120, sectorBytes: 2352, mode: 0xa9, startOffset: iso.length + gap.length, pregap: 150 },
      { sectors: 120, sectorBytes: 2352, mode: 0xa9, startOffset: iso.length + gap.length + audio.length, pregap: 150 },
    ]);
    const record = await library.importFromPath(put('multi.mds', mds), { keepOriginal: true });
    expect(record.tracks.map((t) => [t.mode, t.pregapFrames, t.dataFrames])).toEqual([['MODE1/2048', 0, iso.length / 2048], ['AUDIO', 150, 270], ['AUDIO', 150, 120]]);
    expect(cue(record.id)).toContain('TRACK 03 AUDIO\r\n    PREGAP 00:02:00\r\n    INDEX 01 00:00:00');
    expect(bins(record.id)).toEqual([iso, Buffer.concat([gap, audio]), audio]);
    expect(record.files.filter((f) => f.role === 'source').map((f) => f.path)).toEqual([`${record.id}.mds`, `${record.id}.mdf`]);
  });

  it('CHD of a data track and an audio track with an unstored pregap: chdman twice (CUE and TOC) agreeing, one BIN per track', async () => {
    const src = path.join(work.dir, 'chd-src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'd.iso'), iso);
    writeFileSync(path.join(src, 'a.bin'), audio);
    writeFileSync(path.join(src, 'm.cue'), 'FILE "d.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\nFILE "a.bin" BINARY\n  TRACK 02 AUDIO\n    PREGAP 00:02:00\n    INDEX 01 00:00:00\n');
    const run = spawnSync('chdman', ['createcd', '-i', 'm.cue', '-o', path.join(roots, 'mixed.chd')], { cwd: src, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const record = await library.importFromPath(path.join(roots, 'mixed.chd'));
    expect(record.tracks.map((t) => [t.mode, t.pregapFrames, t.dataFrames])).toEqual([['MODE1/2048', 0, iso.length / 2048], ['AUDIO', 150, 120]]);
    expect(bins(record.id)).toEqual([iso, audio]);
    expect(cue(record.id)).toContain('TRACK 02 AUDIO\r\n    PREGAP 00:02:00\r\n    INDEX 01 00:00:00');
    expect(record.provenance.conversion?.proof).toMatch(/chdman extracted it twice, to a CUE sheet and to a cdrdao TOC, and every track's bytes agree between the two/);
  });

  const mdsOf = (tracks: Parameters<typeof makeMdsTracks>[0]): Buffer => makeMdsTracks(tracks);
  it.each([
    ['NRG: a data track beside a track of subchannel data', () => put('sub.nrg', makeNrg([{ data: iso }, { data: Buffer.alloc(2448 * 10), modeCode: 0x10, sectorBytes: 2448 }], { version: 2, writing: 'dao' })), ImageConversionError, /track 1 is MODE1\/2048 beside track 2, AUDIO\+SUB with subchannel data/],
    ['NRG: an audio track not whole frames', () => put('cut.nrg', makeNrg([{ data: iso }, { data: audio.subarray(0, 2352 * 3 + 100), modeCode: 0x07, sectorBytes: 2352 }], { version: 2, writing: 'tao' })), ImageConversionError, /not a whole number of 2352-byte sectors/],
    ['CDI: two sessions', () => put('two.cdi', makeCdi([{ data: audio, mode: 0, sectorBytes: 2352 }, { data: iso, session: 2 }])), ImageConversionError, /a CUE sheet holds one session/],
    ['CloneCD: a .sub of the wrong size', () => { put('badsub.img', Buffer.concat([audio, audio])); put('badsub.sub', Buffer.alloc(100)); return put('badsub.ccd', ccdText([{ mode: 0, index1: 0 }, { mode: 0, index1: 120 }])); }, ImageConversionError, /is not 240 records of 96 bytes/],
    ['CloneCD: a track past the end of the .img', () => { put('past.img', audio); return put('past.ccd', ccdText([{ mode: 0, index1: 0 }, { mode: 0, index1: 5000 }])); }, ImageConversionError, /track 1 lies at sectors 0\/0 to 5000, outside past\.img \(120 sectors\)/],
    ['CloneCD: track 1 not at sector 0', () => { put('late.img', audio); return put('late.ccd', ccdText([{ mode: 0, index1: 10 }, { mode: 2, index1: 20 }])); }, ImageConversionError, /starts at sector 10, not at the start of late\.img/],
    ['MDS: track 2 names ../escape.mdf', () => put('trav.mds', mdsOf([{ sectors: 10, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: 'ok.mdf' }, { sectors: 10, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: '../escape.mdf' }])), ContainerPathTraversalError, /\.\.\/escape\.mdf/],
    ['MDS: track 2 names a symlink out of the folder', () => { put('ok.mdf', audio); writeFileSync(path.join(work.dir, 'outside.mdf'), audio); symlinkSync(path.join(work.dir, 'outside.mdf'), path.join(roots, 'out.mdf')); return put('link.mds', mdsOf([{ sectors: 10, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: 'ok.mdf' }, { sectors: 1, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: 'out.mdf' }])); }, ContainerPathTraversalError, /resolves outside its folder/],
    ['MDS: track 2 inside track 1', () => { put('lap.mdf', audio); return put('lap.mds', mdsOf([{ sectors: 100, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: 'lap.mdf' }, { sectors: 10, startOffset: 2352 * 50, sectorBytes: 2352, mode: 0xa9, fileName: 'lap.mdf' }])); }, ImageConversionError, /track 2 starts at byte 117600 of lap\.mdf, inside the previous track/],
    ['MDS: a track past the end of its data file', () => { put('short.mdf', audio); return put('short.mds', mdsOf([{ sectors: 100, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: 'short.mdf' }, { sectors: 1_000_000, startOffset: 2352 * 100, sectorBytes: 2352, mode: 0xa9, fileName: 'short.mdf' }])); }, ImageConversionError, /track 2 .* runs past the end of short\.mdf/],
  ])('%s: refused, nothing left', async (_what, file, type, message) => {
    const before = listing();
    const err: unknown = await library.importFromPath(file()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });

  it('the limit counts every track: a mixed NRG over it is refused before anything is copied', async () => {
    const small = await ImageLibrary.open({ dir: path.join(work.dir, 'small-library'), importRoots: [roots], maxUploadBytes: iso.length });
    const before = readdirSync(small.dir);
    const err: unknown = await small.importFromPath(put('big.nrg', makeNrg([{ data: iso }, { data: audio, modeCode: 0x07, sectorBytes: 2352 }], { version: 2, writing: 'tao' }))).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/its 2 track\(s\) hold \d+ bytes, more than the library's limit/);
    expect(readdirSync(small.dir)).toEqual(before);
  });
});

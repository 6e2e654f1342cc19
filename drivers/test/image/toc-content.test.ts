/**
 * TOC files read and written: the recorded TOC of a raw read, a mastered
 * audio CD's TOC with CD-TEXT/ISRC/catalog/pregaps, and written TOCs read
 * back by our reader and by cdrdao itself (`cdrdao show-toc`, for the
 * catalog, ISRCs, pregaps and track ends it prints).
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTocContent } from '../../src/image/toc-content.js';
import { parseTocFile, showTocFrames } from '../../src/image/toc-file.js';
import type { TocDiscSpec } from '../../src/image/toc-writer.js';
import { renameTocFiles, writeTocFile } from '../../src/image/toc-writer.js';
import { runTool } from '../../src/tool-process.js';
import { fixturePath, parseSample, readFixture } from '../support/load-sample.js';
import { makeTempDir } from '../support/test-images.js';

const RECORDED_TOC = parseSample(readFixture('qemu-cdrdao-read-cd-raw-toc-file.txt')).output.split('\n-rw')[0]!.trimEnd() + '\n';
const MASTERED_TOC = readFileSync(fixturePath('toc/mastered-audio.toc'), 'latin1');

/** What `cdrdao show-toc` prints of each track: ISRC (spaces removed), pregap, START and END frames; and the catalog. */
function parseShowToc(out: string): { catalog: string | null; tracks: { mode: string; isrc: string | null; pregap: number; start: number; end: number }[] } {
  const catalog = /^CATALOG NUMBER:\s*(\d+)/m.exec(out)?.[1] ?? null;
  const tracks = out.split(/^TRACK\s+\d+\s+/m).slice(1).map((block) => ({
    mode: /^Mode\s+(\S+?):/.exec(block)?.[1] ?? '',
    isrc: /ISRC\s+([A-Z0-9 ]+)\n/.exec(block)?.[1]?.replace(/\s/g, '') ?? null,
    pregap: Number(/PREGAP\s+\S+\(\s*(\d+)\)/.exec(block)?.[1] ?? 0),
    start: Number(/START\s+\S+\(\s*(\d+)\)/.exec(block)?.[1]),
    end: Number(/END\s+\S+\(\s*(\d+)\)/.exec(block)?.[1]),
  }));
  return { catalog, tracks };
}

let work: ReturnType<typeof makeTempDir>;
function sparse(name: string, bytes: number): void {
  const fd = openSync(path.join(work.dir, name), 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
async function showToc(name: string, text: string): Promise<string> {
  writeFileSync(path.join(work.dir, name), text, 'latin1');
  const run = await runTool({ program: 'cdrdao', args: ['show-toc', name], cwd: work.dir });
  expect(run.exitCode).toBe(0);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/^ERROR:/m);
  return `${run.stdout}\n${run.stderr}`;
}

beforeAll(() => {
  work = makeTempDir('toc-content-');
  sparse('master.bin', 1500 * 2352);
});
afterAll(() => work.cleanup());

describe('readTocContent', () => {
  it('reads the recorded TOC of a raw read: one MODE1_RAW track of 9398 frames, no pregap, copy not permitted', () => {
    expect(readTocContent(RECORDED_TOC)).toEqual({
      sessionType: 'CD_ROM', cdText: {},
      tracks: [{ mode: 'MODE1_RAW', cdText: {}, copy: false, pregapFrames: 0, frames: 9398, files: ['/tmp/r/raw2.bin'] }],
    });
  });

  it('reads a mastered audio TOC: catalog, disc and track CD-TEXT (binary packs skipped), ISRCs, flags, pregaps, lengths', () => {
    const toc = readTocContent(MASTERED_TOC);
    expect(toc).toMatchObject({ sessionType: 'CD_DA', catalog: '0724384960650', cdText: { TITLE: 'Night "Songs"', PERFORMER: 'The Band' }, cdTextLanguage: 'EN' });
    expect(toc.tracks).toEqual([
      { mode: 'AUDIO', isrc: 'USABC2400001', cdText: { TITLE: 'Intro', PERFORMER: 'The Band' }, copy: false, preEmphasis: false, fourChannel: false, pregapFrames: 75, frames: 600, files: ['master.bin'] },
      { mode: 'AUDIO', isrc: 'USABC2400002', cdText: { TITLE: 'Tone', PERFORMER: 'Sine' }, copy: true, preEmphasis: false, fourChannel: false, pregapFrames: 150, frames: 900, files: ['master.bin'] },
    ]);
  });

  it('agrees with cdrdao show-toc on the fixture (catalog, ISRCs, pregaps, ends) and with its recorded output format', async () => {
    const shown = parseShowToc(await showToc('fixture.toc', MASTERED_TOC));
    expect(shown.catalog).toBe('0724384960650');
    expect(shown.tracks).toEqual([
      { mode: 'AUDIO', isrc: 'USABC2400001', pregap: 75, start: 75, end: 600 },
      { mode: 'AUDIO', isrc: 'USABC2400002', pregap: 150, start: 750, end: 1500 },
    ]);
    expect(parseShowToc(parseSample(readFixture('cdrdao-show-toc-raw.txt')).output).tracks).toEqual([{ mode: 'MODE1_RAW', isrc: null, pregap: 0, start: 0, end: 300 }]);
  });

  it('refuses a bad CATALOG, a bad ISRC and an unclosed CD_TEXT block', () => {
    expect(() => readTocContent('CD_DA\nCATALOG "123"\nTRACK AUDIO\nFILE "a.bin" 0\n')).toThrow(/CATALOG/);
    expect(() => readTocContent('CD_DA\nTRACK AUDIO\nISRC "XX"\nFILE "a.bin" 0\n')).toThrow(/ISRC/);
    expect(() => readTocContent('CD_DA\nCD_TEXT { LANGUAGE 0 { TITLE "x" }\nTRACK AUDIO\nFILE "a.bin" 0\n')).toThrow(/not closed/);
  });
});

describe('writeTocFile', () => {
  const disc: TocDiscSpec = {
    catalog: '0724384960650',
    cdText: { TITLE: 'Back\\slash "quoted" Café', PERFORMER: 'The Band' },
    tracks: [
      { mode: 'AUDIO', file: 'master.bin', offsetBytes: 0, frames: 600, pregapFrames: 75, isrc: 'USABC2400001', cdText: { TITLE: 'Intro' } },
      { mode: 'AUDIO', file: 'master.bin', offsetBytes: 600 * 2352, frames: 900, pregapFrames: 150, isrc: 'USABC2400002', copy: true, cdText: { TITLE: 'Tone', PERFORMER: 'Sine' } },
    ],
  };

  it('writes a TOC our reader reads back to the same disc', () => {
    const back = readTocContent(writeTocFile(disc));
    expect(back.catalog).toBe(disc.catalog);
    expect(back.cdText).toEqual(disc.cdText);
    expect(back.tracks.map((t) => ({ mode: t.mode, pregap: t.pregapFrames, frames: t.frames, isrc: t.isrc, text: t.cdText, copy: t.copy })))
      .toEqual(disc.tracks.map((t) => ({ mode: t.mode, pregap: t.pregapFrames, frames: t.frames, isrc: t.isrc, text: t.cdText, copy: t.copy === true })));
  });

  it('writes a TOC cdrdao reads as the same disc: 1500 frames, the catalog, ISRCs, pregaps', async () => {
    const text = writeTocFile(disc);
    const shown = parseShowToc(await showToc('written.toc', text));
    expect(shown.catalog).toBe('0724384960650');
    expect(shown.tracks).toEqual([
      { mode: 'AUDIO', isrc: 'USABC2400001', pregap: 75, start: 75, end: 600 },
      { mode: 'AUDIO', isrc: 'USABC2400002', pregap: 150, start: 750, end: 1500 },
    ]);
    expect(await showTocFrames(path.join(work.dir, 'written.toc'), 2)).toBe(1500);
  });

  it('writes data tracks as DATAFILE with a byte offset that cdrdao accepts', async () => {
    sparse('mixed.bin', 300 * 2352 + 600 * 2352);
    const text = writeTocFile({ tracks: [
      { mode: 'MODE1_RAW', file: 'mixed.bin', offsetBytes: 0, frames: 300, pregapFrames: 0 },
      { mode: 'AUDIO', file: 'mixed.bin', offsetBytes: 300 * 2352, frames: 600, pregapFrames: 150 },
    ] });
    expect(text).toMatch(/^CD_ROM\n/);
    expect(text).toContain('DATAFILE "mixed.bin" #0 00:04:00');
    const shown = parseShowToc(await showToc('mixed.toc', text));
    expect(shown.tracks).toEqual([
      { mode: 'MODE1_RAW', isrc: null, pregap: 0, start: 0, end: 300 },
      { mode: 'AUDIO', isrc: null, pregap: 150, start: 450, end: 900 },
    ]);
  });

  it('refuses what cdrdao would refuse or misread', () => {
    const track = disc.tracks[0]!;
    expect(() => writeTocFile({ tracks: [{ ...track, cdText: { TITLE: 'snow ☃' } }] })).toThrow(/ISO 8859-1/);
    expect(() => writeTocFile({ tracks: [{ ...track, isrc: 'US-ABC-24' }] })).toThrow(/ISRC/);
    expect(() => writeTocFile({ tracks: [{ ...track, offsetBytes: 100 }] })).toThrow(/frames/);
    expect(() => writeTocFile({ tracks: [{ ...track, pregapFrames: 600 }] })).toThrow(/pregap/);
    expect(() => writeTocFile({ tracks: [{ ...track, file: '../x.bin' }] })).toThrow(/outside/);
    expect(() => writeTocFile({ catalog: '12', tracks: [track] })).toThrow(/catalog/);
    expect(() => writeTocFile({ tracks: [] })).toThrow(/1 to 99/);
  });
});

describe('renameTocFiles', () => {
  it('renames the data files (comments with old paths dropped) and keeps everything else', () => {
    const renamed = renameTocFiles(RECORDED_TOC, (name) => (name === '/tmp/r/raw2.bin' ? 'img-01.bin' : 'other.bin'));
    expect(parseTocFile(renamed).files).toEqual(['img-01.bin']);
    expect(renamed).not.toContain('/tmp/r');
    expect(readTocContent(renamed).tracks[0]).toMatchObject({ mode: 'MODE1_RAW', frames: 9398 });
    const mastered = renameTocFiles(MASTERED_TOC, () => 'disc-01.bin');
    expect(readTocContent(mastered)).toEqual({ ...readTocContent(MASTERED_TOC), tracks: readTocContent(MASTERED_TOC).tracks.map((t) => ({ ...t, files: ['disc-01.bin'] })) });
    expect(() => renameTocFiles(MASTERED_TOC, () => '/etc/passwd')).toThrow(/outside/);
  });
});

import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/errors.js';
import { layoutCue } from '../../src/image/cue-layout.js';
import { parseCueSheet } from '../../src/image/cue-sheet.js';
import { rewriteCueSheet } from '../../src/image/cue-text.js';
import type { ImageProblemKind } from '../../src/image/image-read-error.js';
import { ImageReadError } from '../../src/image/image-read-error.js';

/** The problem kind `fn` is refused with (or the exception it throws, if no ImageReadError). */
function refusal(fn: () => unknown): { kind: ImageProblemKind; message: string } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ImageReadError)) throw err;
    expect(err).toBeInstanceOf(ImageError);
    expect(err.code).toBe('IMAGE_ERROR');
    return { kind: err.problem.kind, message: err.message };
  }
  throw new Error('not refused');
}

const FULL = [
  '\ufeffREM GENRE "Test"',
  'REM COMMENT made by hand',
  'CATALOG 0123456789012',
  'PERFORMER "The Tower Band"',
  'TITLE "Mixed Disc"',
  'SONGWRITER Somebody Else',
  'COMPOSER "C"',
  'ARRANGER "A"',
  'MESSAGE "hello"',
  'CDTEXTFILE "disc.cdt"',
  'FILE data.bin BINARY',
  '  TRACK 01 MODE1/2352',
  '    FLAGS DCP',
  '    INDEX 01 00:00:00',
  '    POSTGAP 00:01:00',
  'FILE "audio one.bin" MOTOROLA',
  '  TRACK 02 AUDIO',
  '    TITLE "First Song"',
  '    PERFORMER Solo',
  '    ISRC USABC2400001',
  '    FLAGS DCP PRE 4CH',
  '    PREGAP 00:02:00',
  '    INDEX 01 00:00:00',
  '  TRACK 03 AUDIO',
  '    INDEX 00 00:03:00',
  '    INDEX 01 00:04:00',
  '    INDEX 02 00:05:00',
  '',
].join('\r\n');

describe('parseCueSheet', () => {
  it('parses every command, quoted and unquoted names, CRLF and a BOM', () => {
    const sheet = parseCueSheet(FULL);
    expect(sheet.files).toEqual([
      { name: 'data.bin', type: 'BINARY', line: 11 },
      { name: 'audio one.bin', type: 'MOTOROLA', line: 16 },
    ]);
    expect(sheet.catalog).toBe('0123456789012');
    expect(sheet.cdTextFile).toBe('disc.cdt');
    expect(sheet.cdText).toEqual({ PERFORMER: 'The Tower Band', TITLE: 'Mixed Disc', SONGWRITER: 'Somebody Else', COMPOSER: 'C', ARRANGER: 'A', MESSAGE: 'hello' });
    expect(sheet.remarks).toEqual(['GENRE "Test"', 'COMMENT made by hand']);
    expect(sheet.tracks.map((t) => [t.number, t.mode, t.frameBytes, t.fileIndex, t.pregap, t.postgap])).toEqual([
      [1, 'MODE1/2352', 2352, 0, 0, 75],
      [2, 'AUDIO', 2352, 1, 150, 0],
      [3, 'AUDIO', 2352, 1, 0, 0],
    ]);
    const t2 = sheet.tracks[1];
    expect(t2?.isrc).toBe('USABC2400001');
    expect(t2?.flags).toEqual(['DCP', 'PRE', '4CH']);
    expect(t2?.cdText).toEqual({ TITLE: 'First Song', PERFORMER: 'Solo' });
    expect(sheet.tracks[2]?.indexes.map((x) => [x.number, x.position])).toEqual([[0, 225], [1, 300], [2, 375]]);
  });

  it('accepts LF and CR line ends and lowercase keywords', () => {
    const lf = parseCueSheet('file "a.bin" binary\n  track 01 mode2/2336\n    index 01 00:00:00\n');
    expect(lf.tracks[0]?.mode).toBe('MODE2/2336');
    const cr = parseCueSheet('FILE a.bin BINARY\r  TRACK 01 CDG\r    INDEX 01 00:00:00\r');
    expect(cr.tracks[0]?.frameBytes).toBe(2448);
  });

  it.each([
    ['garbage line', 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n  this is not a cue command\n', 'cue-syntax', /line 3: unknown command/],
    ['unterminated quote', 'FILE "a.bin BINARY\n', 'cue-syntax', /line 1: unterminated/],
    ['bad time', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:61:00\n', 'cue-syntax', /line 3: bad MM:SS:FF/],
    ['bad frames', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:75\n', 'cue-syntax', /line 3/],
    ['unknown mode', 'FILE a.bin BINARY\nTRACK 01 MODE3/2352\nINDEX 01 00:00:00\n', 'cue-unknown-mode', /line 2: unknown track mode 'MODE3\/2352'/],
    ['unknown file type', 'FILE a.bin FLAC\n', 'cue-syntax', /unknown FILE type/],
    ['parent folder', 'FILE "../a.bin" BINARY\n', 'cue-path-traversal', /outside its folder/],
    ['nested parent', 'FILE "sub/../../a.bin" BINARY\n', 'cue-path-traversal', /outside/],
    ['absolute path', 'FILE /etc/passwd BINARY\n', 'cue-path-traversal', /outside/],
    ['drive letter', 'FILE "C:\\music\\a.bin" BINARY\n', 'cue-path-traversal', /outside/],
    ['backslash parent', 'FILE "..\\a.bin" BINARY\n', 'cue-path-traversal', /outside/],
    ['CDTEXTFILE outside', 'CDTEXTFILE "../x.cdt"\nFILE a.bin BINARY\n', 'cue-path-traversal', /outside/],
    ['track before file', 'TRACK 01 AUDIO\n', 'cue-structure', /TRACK before any FILE/],
    ['no tracks', 'FILE a.bin BINARY\n', 'cue-structure', /no TRACK/],
    ['no INDEX 01', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 00 00:00:00\n', 'cue-structure', /no INDEX 01/],
    ['tracks skipped', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 03 AUDIO\nINDEX 01 00:10:00\n', 'cue-structure', /consecutively/],
    ['index out of order', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nINDEX 01 00:01:00\n', 'cue-syntax', /line 4: INDEX 01 out of order/],
    ['bad ISRC', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nISRC 123\nINDEX 01 00:00:00\n', 'cue-syntax', /line 3: bad ISRC/],
    ['bad catalog', 'CATALOG 12\n', 'cue-syntax', /13 digits/],
    ['PREGAP after INDEX', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nPREGAP 00:02:00\n', 'cue-syntax', /line 4/],
  ] as const)('refuses %s', (_what, text, kind, message) => {
    const refused = refusal(() => parseCueSheet(text));
    expect(refused.kind).toBe(kind);
    expect(refused.message).toMatch(message);
  });

  it('rewrites FILE names and drops CDTEXTFILE', () => {
    const out = rewriteCueSheet(FULL, (i) => `img-${i + 1}.bin`);
    expect(out).toContain('FILE "img-1.bin" BINARY\r\n');
    expect(out).toContain('FILE "img-2.bin" MOTOROLA\r\n');
    expect(out).not.toContain('CDTEXTFILE');
    expect(parseCueSheet(out).tracks).toHaveLength(3);
  });
});

describe('layoutCue', () => {
  it('lays out tracks: starts, lengths, pregaps (PREGAP and INDEX 00), postgaps', () => {
    const sheet = parseCueSheet(FULL);
    const layout = layoutCue(sheet, [
      { name: 'data.bin', bytes: 100 * 2352 },
      { name: 'audio one.bin', bytes: 600 * 2352 },
    ]);
    expect(layout.tracks.map((t) => ({ n: t.number, start: t.startFrame, frames: t.frames, pregap: t.pregapFrames, data: t.dataFrames }))).toEqual([
      { n: 1, start: 0, frames: 100 + 75, pregap: 0, data: 100 },
      { n: 2, start: 100 + 75 + 150, frames: 150 + 225, pregap: 150, data: 225 },
      { n: 3, start: 100 + 75 + 150 + 300, frames: 375, pregap: 75, data: 375 },
    ]);
    expect(layout.tracks[2]?.indexes).toEqual([
      { number: 0, frame: 100 + 75 + 150 + 225 },
      { number: 1, frame: 100 + 75 + 150 + 300 },
      { number: 2, frame: 100 + 75 + 150 + 375 },
    ]);
    expect(layout.totalFrames).toBe(175 + 375 + 375);
    expect(layout.tracks[1]).toMatchObject({ title: 'First Song', performer: 'Solo', isrc: 'USABC2400001', file: 'audio one.bin' });
  });

  it('handles a pregap stored at the end of the previous file (INDEX 00 in one FILE, INDEX 01 in the next)', () => {
    const sheet = parseCueSheet(
      'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 00 00:02:00\nFILE b.bin BINARY\nINDEX 01 00:00:00\n',
    );
    const layout = layoutCue(sheet, [
      { name: 'a.bin', bytes: 300 * 2352 },
      { name: 'b.bin', bytes: 200 * 2352 },
    ]);
    expect(layout.tracks.map((t) => [t.startFrame, t.frames, t.pregapFrames, t.file])).toEqual([
      [0, 150, 0, 'a.bin'],
      [300, 350, 150, 'b.bin'],
    ]);
  });

  it('sizes MODE1/2048 files in 2048-byte frames', () => {
    const sheet = parseCueSheet('FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nFILE d.iso BINARY\nTRACK 02 MODE1/2048\nPREGAP 00:02:00\nINDEX 01 00:00:00\n');
    const layout = layoutCue(sheet, [
      { name: 'a.bin', bytes: 300 * 2352 },
      { name: 'd.iso', bytes: 100 * 2048 },
    ]);
    expect(layout.tracks.map((t) => [t.startFrame, t.frames])).toEqual([[0, 300], [450, 250]]);
  });

  it.each([
    ['a file not of whole frames', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n', [2352 * 10 + 5], 'cue-size-mismatch', /not a whole number of 2352-byte AUDIO frames/],
    ['an INDEX past the end of its file', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 01 00:10:00\n', [2352 * 300], 'cue-index', /past the end/],
    ['an INDEX before the previous one', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nINDEX 02 00:02:00\nTRACK 02 AUDIO\nINDEX 01 00:01:00\n', [2352 * 300], 'cue-index', /does not come after/],
    ['mixed frame sizes in one FILE', 'FILE a.bin BINARY\nTRACK 01 MODE1/2048\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 01 00:01:00\n', [2352 * 300], 'cue-structure', /different frame sizes/],
    ['a WAVE file', 'FILE a.wav WAVE\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n', [2352 * 300], 'cue-unsupported-file-type', /WAVE is not supported/],
    ['data before the first track', 'FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:01:00\n', [2352 * 300], 'cue-structure', /first track/],
  ] as const)('refuses %s', (_what, text, sizes, kind, message) => {
    const sheet = parseCueSheet(text);
    const refused = refusal(() => layoutCue(sheet, sizes.map((bytes, i) => ({ name: sheet.files[i]?.name ?? '', bytes }))));
    expect(refused.kind).toBe(kind);
    expect(refused.message).toMatch(message);
  });
});

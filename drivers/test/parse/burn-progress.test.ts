import { describe, expect, it } from 'vitest';
import { LineSplitter, parseBurnProgressLine, splitToolLines, summarizeBurnOutput } from '../../src/parse/burn-progress.js';
import type { BurnLine, ProgressLine } from '../../src/parse/burn-progress.js';
import { loadSpawnChunks, parseSample, readFixture } from '../support/load-sample.js';

function progressOf(text: string): ProgressLine[] {
  return splitToolLines(text)
    .map(parseBurnProgressLine)
    .filter((p): p is ProgressLine => p?.kind === 'progress');
}

function parsedOf(text: string): BurnLine[] {
  return splitToolLines(text)
    .map(parseBurnProgressLine)
    .filter((p): p is BurnLine => p !== null);
}

describe('LineSplitter', () => {
  it('splits on CR and LF, drops blank pieces and keeps the unterminated tail', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb\r')).toEqual(['a', 'b']);
    expect(s.push('\r   \r\rTrack 01:    2 of   18 MB')).toEqual([]);
    expect(s.pending).toBe('Track 01:    2 of   18 MB');
    expect(s.push(' written.\rnext')).toEqual(['Track 01:    2 of   18 MB written.']);
    expect(s.flush()).toEqual(['next']);
    expect(s.flush()).toEqual([]);
  });

  it('treats a CRLF split across chunks as one break', () => {
    const s = new LineSplitter();
    expect(s.push('one\r')).toEqual(['one']);
    expect(s.push('\ntwo\n')).toEqual(['two']);
  });

  it("splits wodim's backspace countdown into its pieces", () => {
    const text = parseSample(readFixture('qemu-wodim-burn-cdrsimul-sao.txt')).output;
    const lines = splitToolLines(text);
    expect(lines).toContain('Last chance to quit, starting real write in    4 seconds.');
    expect(lines).toContain('   0 seconds. Operation starts.');
    expect(lines.some((l) => l.includes('\b'))).toBe(false);
  });

  it('reassembles the chunks node delivered for a slow cdrskin burn', () => {
    const { chunks, exitCode } = loadSpawnChunks('node-spawn-cdrskin-burn-nbdfuse-rate40Mbit.txt');
    expect(exitCode).toBe(0);
    const s = new LineSplitter();
    const lines: string[] = [];
    const pendings: string[] = [];
    for (const c of chunks.filter((c) => c.stream === 'stdout')) {
      lines.push(...s.push(c.text));
      pendings.push(s.pending);
    }
    lines.push(...s.flush());
    const progress = lines.map(parseBurnProgressLine).filter((p) => p?.kind === 'progress');
    expect(progress).toHaveLength(11);
    // Each progress chunk lacks a terminator: it is visible as `pending` as soon as it arrives.
    expect(pendings.filter((p) => parseBurnProgressLine(p)?.kind === 'progress')).toHaveLength(11);
    expect(lines).toContain('Track 01: Total bytes read/written: 19247104/19247104 (9398 sectors).');
  });
});

describe('parseBurnProgressLine', () => {
  it('parses cdrskin progress with fifo, buffer and speed', () => {
    expect(parseBurnProgressLine('Track 01:    8 of   18 MB written (fifo 100%) [buf  50%]  298.9x.')).toEqual({
      kind: 'progress',
      format: 'cdrecord',
      track: 1,
      writtenMiB: 8,
      totalMiB: 18,
      fifoPercent: 100,
      bufferPercent: 50,
      speedX: 298.9,
    });
  });

  it('parses the first line without a speed, unknown sizes and the wodim throttle field', () => {
    expect(parseBurnProgressLine('Track 01:    0 of  696 MB written.')).toMatchObject({ writtenMiB: 0, totalMiB: 696, speedX: null, fifoPercent: null });
    expect(parseBurnProgressLine('Track 01:   12 MB written')).toMatchObject({ track: 1, writtenMiB: 12, totalMiB: null });
    expect(parseBurnProgressLine('Track 03:   40 of  696 MB written (fifo  99%) [buf  97%] | 12  150ms|  10.1x.')).toMatchObject({
      track: 3,
      writtenMiB: 40,
      bufferPercent: 97,
      speedX: 10.1,
    });
    expect(parseBurnProgressLine('xorriso : UPDATE :    4 MB written (fifo 99%) [buf  97%]  10.0x.')).toMatchObject({ track: null, writtenMiB: 4, speedX: 10 });
  });

  it('parses cdrdao progress and summary lines', () => {
    expect(parseBurnProgressLine('Wrote 633 of 633 MB (Buffers 100%  98%).')).toMatchObject({
      kind: 'progress',
      format: 'cdrdao',
      writtenMiB: 633,
      totalMiB: 633,
      fifoPercent: 100,
      bufferPercent: 98,
    });
    expect(parseBurnProgressLine('Wrote 15 of 15 MB.')).toMatchObject({ writtenMiB: 15, fifoPercent: null });
    expect(parseBurnProgressLine('Wrote 282528 blocks. Buffer fill min 93%/max 100%.')).toEqual({ kind: 'blocks-written', blocks: 282528, minFillPercent: 93 });
  });

  it('parses summary and phase lines', () => {
    expect(parseBurnProgressLine('Track 01: Total bytes read/written: 10518528/10485760 (5120 sectors).')).toEqual({
      kind: 'total',
      track: 1,
      bytesRead: 10518528,
      bytesWritten: 10485760,
      sectors: 5120,
    });
    expect(parseBurnProgressLine('Writing  time:  0.061s')).toEqual({ kind: 'writing-time', seconds: 0.061 });
    expect(parseBurnProgressLine('Average write speed  39.9x.')).toEqual({ kind: 'average-speed', speedX: 39.9 });
    expect(parseBurnProgressLine('Min drive buffer fill was 50%')).toEqual({ kind: 'min-buffer', percent: 50 });
    expect(parseBurnProgressLine('Fixating...')).toMatchObject({ kind: 'phase', phase: 'fixating' });
    expect(parseBurnProgressLine('cdrskin: working post-track (burning since 106 seconds)        ')).toMatchObject({ kind: 'phase', phase: 'fixating' });
    expect(parseBurnProgressLine('Fixating time:    0.001s')).toBeNull();
    expect(parseBurnProgressLine('cdrskin: burning done')).toBeNull();
    expect(parseBurnProgressLine('')).toBeNull();
  });
});

describe('progress in captured burns', () => {
  it('cdrskin SAO to a stdio file', () => {
    const text = parseSample(readFixture('cdrskin-burn-sao-stdio.txt')).output;
    expect(progressOf(text).map((p) => [p.writtenMiB, p.totalMiB, p.speedX])).toEqual([
      [8, 18, 298.9],
      [16, 18, 309.1],
    ]);
    expect(summarizeBurnOutput(text)).toEqual({
      bytesWritten: 19247104,
      writingSeconds: 0.061,
      averageSpeedX: null,
      minBufferPercent: 50,
      lastWrittenMiB: 16,
    });
  });

  it('cdrskin with --pacifier_with_newline', () => {
    const p = progressOf(parseSample(readFixture('cdrskin-burn-pacifier-with-newline-nbdfuse.txt')).output);
    expect(p.map((x) => x.writtenMiB)).toEqual([4, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });

  it("wodim's cdr_simul SAO burn (track 02, no [buf], first line without speed)", () => {
    const text = parseSample(readFixture('qemu-wodim-burn-cdrsimul-sao.txt')).output;
    const p = progressOf(text);
    expect(p[0]).toMatchObject({ track: 2, writtenMiB: 0, totalMiB: 18, speedX: null, bufferPercent: null });
    expect(p[p.length - 1]).toMatchObject({ writtenMiB: 18, totalMiB: 18 });
    expect(p).toHaveLength(19);
    for (let i = 1; i < p.length; i++) expect(p[i]!.writtenMiB).toBe(p[i - 1]!.writtenMiB + 1);
    const kinds = parsedOf(text).map((l) => l.kind);
    expect(kinds).toContain('average-speed');
    expect(summarizeBurnOutput(text)).toMatchObject({ bytesWritten: 19247104, writingSeconds: 3.143, averageSpeedX: 39.9 });
    expect(parsedOf(text).find((l) => l.kind === 'phase' && l.phase === 'fixating')).toBeDefined();
  });

  it('a real CD-R burn quoted in the README (cdrecord, CD units)', () => {
    const text = parseSample(readFixture('readme/cdrecord-cdr-sao-burn.txt')).output;
    expect(progressOf(text).map((p) => p.speedX)).toEqual([null, 10.2, 10.2]);
    expect(summarizeBurnOutput(text)).toMatchObject({ bytesWritten: 730675200, averageSpeedX: 9.7, minBufferPercent: 99, writingSeconds: 505.908 });
  });

  it('a real CD-R burn by cdrecord: the FIFO fill and OPC are preparing, the track start is writing, Fixating... closes', () => {
    const lines = parsedOf(parseSample(readFixture('readme/cdrecord-cdr-sao-burn.txt')).output);
    const phases = lines.flatMap((l) => (l.kind === 'phase' ? [`${l.phase}: ${l.text.slice(0, 24)}`] : []));
    expect(phases).toEqual([
      'preparing: Starting to write CD/DVD',
      'preparing: Waiting for reader proce',
      'preparing: Performing OPC...',
      'writing: Starting new track at se',
      'fixating: Fixating...',
    ]);
  });

  it('a real DVD+R burn by cdrskin quoted in the README (post-track phase)', () => {
    const lines = parsedOf(parseSample(readFixture('readme/cdrskin-dvdr-burn.txt')).output);
    expect(lines.filter((l) => l.kind === 'phase').map((l) => (l.kind === 'phase' ? l.phase : ''))).toEqual(['preparing', 'preparing', 'writing', 'fixating', 'fixating']);
    expect(lines.find((l) => l.kind === 'total')).toMatchObject({ bytesWritten: 893386752, sectors: 436224 });
  });

  it('a cdrdao write quoted in the README', () => {
    const text = parseSample(readFixture('readme/cdrdao-write-real.txt')).output;
    const kinds = parsedOf(text).map((l) => (l.kind === 'phase' ? `phase:${l.phase}` : l.kind));
    expect(kinds).toEqual(['phase:preparing', 'phase:preparing', 'phase:preparing', 'phase:writing', 'progress', 'blocks-written', 'phase:fixating', 'progress', 'phase:fixating']);
    expect(summarizeBurnOutput(text).bytesWritten).toBe(282528 * 2048);
  });

  it('the stderr text glued to a progress line in a merged capture still parses', () => {
    const text = parseSample(readFixture('cdrskin-burn-diskfull-tmpfs-force.txt')).output;
    expect(progressOf(text).map((p) => p.writtenMiB)).toEqual([6]);
    expect(summarizeBurnOutput(text).bytesWritten).toBe(10485760);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { BurnProgressReporter } from '../../src/cdrecord/progress-reporter.js';
import type { BurnProgress } from '../../src/drive-contract.js';
import { loadStreams, parseSample, readFixture } from '../support/load-sample.js';

const MIB = 1048576;

function reporter(bytesTotal: number, oneX = 153600, minIntervalMs = 0) {
  const events: BurnProgress[] = [];
  let clock = 0;
  const r = new BurnProgressReporter({ bytesTotal, oneXBytesPerSecond: oneX, minIntervalMs, onProgress: (p) => events.push(p), now: () => clock });
  return { r, events, tick: (ms: number) => (clock += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BurnProgressReporter', () => {
  it('follows a cdrdao write: no x figure (measured), lead-out does not count', () => {
    const { r, events, tick } = reporter(633 * MIB);
    r.start();
    r.stderrChunk('Writing lead-in and gap...\nWriting track 01 (mode AUDIO/AUDIO )...\n');
    tick(1000);
    r.stderrChunk('Wrote 1 of 633 MB (Buffers 100%  98%).\r');
    tick(1000);
    r.stderrChunk('Wrote 2 of 633 MB (Buffers 100%  97%).\r');
    r.stderrChunk('\nWrote 282528 blocks. Buffer fill min 93%/max 100%.\nWriting lead-out...\nWrote 15 of 15 MB.\r');
    r.finish(633 * MIB);
    expect(events.map((e) => [e.phase, e.bytesWritten])).toEqual([
      ['preparing', 0],
      ['writing', 0],
      ['writing', MIB],
      ['writing', 2 * MIB],
      ['fixating', 2 * MIB],
      ['fixating', 633 * MIB],
    ]);
    // 1 MiB per second is 6.8x in CD units.
    expect(events[3]!.speedX).toBeCloseTo(MIB / 153600, 1);
    expect(events[3]).toMatchObject({ fifoPercent: 100, bufferPercent: 97 });
  });

  it('adds up tracks of a multi-track burn', () => {
    const { r, events } = reporter(100 * MIB);
    r.stdoutChunk('\rTrack 01:   30 of   40 MB written (fifo 100%) [buf  99%]  10.0x.\rTrack 01:   40 of   40 MB written (fifo 100%) [buf  99%]  10.0x.\n');
    r.stdoutChunk('Starting new track at sector: 20480\n\rTrack 02:    5 of   60 MB written (fifo 100%) [buf  99%]  10.0x.\n');
    expect(events.map((e) => [e.track, e.bytesWritten])).toEqual([
      [1, 30 * MIB],
      [1, 40 * MIB],
      [2, 45 * MIB],
    ]);
    expect(events[2]!.speedMBps).toBeCloseTo(1.54, 2);
  });

  it('reports an unterminated progress line at once, and only once', () => {
    const { r, events } = reporter(18 * MIB, 1385000);
    r.stdoutChunk('\r   \r\rTrack 01:    2 of   18 MB written (fifo 100%) [buf  50%]  108.2x.');
    expect(events).toHaveLength(1);
    r.stdoutChunk('\rTrack 01:    6 of   18 MB written (fifo 100%) [buf  50%]  146.2x.');
    expect(events.map((e) => e.bytesWritten)).toEqual([2 * MIB, 6 * MIB]);
  });

  it('rate-limits, but reports the held-back figures after the interval', () => {
    vi.useFakeTimers();
    const events: BurnProgress[] = [];
    const r = new BurnProgressReporter({ bytesTotal: 18 * MIB, oneXBytesPerSecond: 1385000, onProgress: (p) => events.push(p) });
    const output = parseSample(readFixture('cdrskin-burn-sao-stdio.txt')).output;
    r.start();
    r.stdoutChunk(output.slice(0, output.indexOf('Track 01: Total')));
    // The first data written starts the writing phase at once; the next line waits for the interval.
    expect(events.map((e) => [e.phase, e.bytesWritten])).toEqual([['preparing', 0], ['writing', 8 * MIB]]);
    vi.advanceTimersByTime(250);
    expect(events.map((e) => e.bytesWritten)).toEqual([0, 8 * MIB, 16 * MIB]);
    r.close();
  });

  it('tgt DVD+R TAO burn: closing the disc is its own phase, from stdout (Fixating...) or stderr (working post-track)', () => {
    const run = loadStreams('tgt-cdrskin-burn-tao-dvdplusr.txt');
    const pieces = (text: string): string[] => text.split(/(?=\r)/);
    // As captured: stdout first.
    const a = reporter(4 * MIB, 1385000);
    a.r.start();
    for (const c of pieces(run.stdout)) a.r.stdoutChunk(c);
    for (const c of pieces(run.stderr)) a.r.stderrChunk(c);
    a.r.finish(4 * MIB);
    expect(a.events.map((e) => [e.phase, e.bytesWritten, e.speedX])).toEqual([
      ['preparing', 0, 0],
      ['writing', 0, 0],
      ['writing', MIB, 5.7],
      ['writing', 2 * MIB, 5],
      ['writing', 3 * MIB, 6.4],
      ['writing', 4 * MIB, 6.9],
      ['fixating', 4 * MIB, 0],
    ]);
    // stdout held in cdrskin's pipe buffer: the post-track line on stderr alone says the disc is being closed.
    const b = reporter(4 * MIB, 1385000);
    const beforeFixating = run.stdout.slice(0, run.stdout.indexOf('Fixating...'));
    for (const c of pieces(beforeFixating)) b.r.stdoutChunk(c);
    b.r.stderrChunk(run.stderr.slice(0, run.stderr.indexOf('cdrskin: thank you')));
    expect(b.events.at(-1)).toMatchObject({ phase: 'fixating', bytesWritten: 4 * MIB, speedX: 0, speedMBps: 0 });
  });

  it('a real CD-R burn by cdrecord stays preparing through the FIFO fill, OPC and "0 of 696 MB written"', () => {
    const { r, events } = reporter(696 * MIB);
    r.start();
    const phaseAt: Record<string, string> = {};
    for (const line of parseSample(readFixture('readme/cdrecord-cdr-sao-burn.txt')).output.split('\n')) {
      r.stdoutChunk(`${line}\n`);
      phaseAt[line.trim().slice(0, 20)] = events.at(-1)!.phase;
    }
    expect(phaseAt).toMatchObject({
      'Waiting for reader p': 'preparing', 'Performing OPC...': 'preparing', 'Writing pregap for t': 'preparing',
      'Starting new track a': 'writing', 'Fixating...': 'fixating',
    });
    // No report says "writing at 0x" before the drive has calibrated: preparing reports carry no speed.
    const beforeTrack = events.slice(0, events.findIndex((e) => e.phase === 'writing'));
    expect(beforeTrack.map((e) => [e.phase, e.bytesWritten, e.speedX])).toEqual([['preparing', 0, 0]]);
  });

  it('a "0 of N MB written" line before any data does not end preparing (wodim, dummy burn)', () => {
    const { r, events } = reporter(689 * MIB);
    r.start();
    const lines = parseSample(readFixture('readme/wodim-buffer-underrun-brasero.txt')).output.split('\n');
    r.stdoutChunk(`${lines[0]!}\n`);
    expect(lines[0]).toMatch(/0 of\s+689 MB written/);
    expect(events.map((e) => e.phase)).toEqual(['preparing']);
    r.stdoutChunk(`${lines.find((l) => l.includes('1 of  689'))!}\n`);
    expect(events.at(-1)).toMatchObject({ phase: 'writing', bytesWritten: MIB, speedX: 2 });
  });

  it('a second run after a refused write mode keeps the phase and starts from what the first left', () => {
    const { r, events } = reporter(4 * MIB, 1385000);
    r.start();
    const refused = loadStreams('tgt-cdrskin-burn-sao-refused.txt');
    r.stdoutChunk(refused.stdout);
    r.stderrChunk(refused.stderr);
    r.close();
    r.nextRun();
    r.stdoutChunk('Starting to write CD/DVD at speed MAX in real TAO mode for single session.\n');
    r.stdoutChunk('\rTrack 01:    1 of    4 MB written (fifo 100%) [buf  50%]   5.7x.');
    expect(events.map((e) => [e.phase, e.bytesWritten])).toEqual([
      ['preparing', 0],
      ['writing', 0],
      ['writing', MIB],
    ]);
  });
});

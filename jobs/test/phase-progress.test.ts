/**
 * The figures a drive status gives for each phase of a copy: a timed phase
 * (preparing, fixating) never says "0×" and learns its expected duration; a
 * byte phase's ETA comes from its own rate from its first byte on; and on a
 * simulated drive of known read speed the verify's ETA and speed hold
 * against the time the verify really took (the tile once said 3:10 for a
 * 17 s verify).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSpeedX, SimulatedDrive, verifyDisc } from 'node-cdrecord-wrapper';
import { afterAll, describe, expect, it } from 'vitest';
import { PhaseProgress, PhaseReporter } from '../src/phase-progress.js';
import type { PhaseFigures } from '../src/phase-progress.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'phase-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('PhaseProgress', () => {
  it('gives a timed phase its time, no speed, and once it has run through, an expected duration', () => {
    const c = clock();
    const p = new PhaseProgress({ now: c.now });
    const fixating = { phase: 'fixating', bytesDone: 100, bytesTotal: 100, speedX: 0, speedMBps: 0 } as const;
    expect(p.update(fixating)).toEqual({ phase: 'fixating', phaseSeconds: 0 });
    c.advance(4_200);
    // Never "100% 0×": no percent, no speed, no ETA before the drive has closed a disc once.
    expect(p.update(fixating)).toEqual({ phase: 'fixating', phaseSeconds: 4 });
    c.advance(5_800);
    p.end(true); // the disc was closed after 10 s
    p.update({ phase: 'writing', bytesDone: 100, bytesTotal: 100 });
    p.update(fixating);
    c.advance(2_500);
    expect(p.update(fixating)).toEqual({ phase: 'fixating', phaseSeconds: 2, percent: 25, etaSeconds: 7.5 });
    c.advance(8_000); // longer than last time: the ETA is not known any more
    expect(p.update(fixating)).toEqual({ phase: 'fixating', phaseSeconds: 10 });
  });

  it('does not learn a duration from a phase cut short by a failure', () => {
    const c = clock();
    const p = new PhaseProgress({ now: c.now });
    p.update({ phase: 'preparing', bytesDone: 0, bytesTotal: 100 });
    c.advance(500);
    p.end(false);
    p.update({ phase: 'preparing', bytesDone: 0, bytesTotal: 100 });
    c.advance(1_000);
    expect(p.update({ phase: 'preparing', bytesDone: 0, bytesTotal: 100 })).toEqual({ phase: 'preparing', phaseSeconds: 1 });
  });

  it('times a writing phase from its first byte: a slow start does not stretch the ETA', () => {
    const c = clock();
    const p = new PhaseProgress({ now: c.now });
    const MB = 1e6;
    p.update({ phase: 'writing', bytesDone: 0, bytesTotal: 100 * MB, speedX: 0, speedMBps: 0 });
    c.advance(6_000); // 6 s before the first byte (the drive's own start)
    p.update({ phase: 'writing', bytesDone: 2 * MB, bytesTotal: 100 * MB, speedX: 26, speedMBps: 4 });
    for (let i = 0; i < 10; i++) {
      c.advance(500);
      p.update({ phase: 'writing', bytesDone: (4 + 2 * i) * MB, bytesTotal: 100 * MB, speedX: 26, speedMBps: 4 });
    }
    c.advance(500);
    const f = p.update({ phase: 'writing', bytesDone: 24 * MB, bytesTotal: 100 * MB, speedX: 26, speedMBps: 4 });
    // 4 MB/s seen: 76 MB left is 19 s (averaged since the phase began it would be 76 / (22 / 11.5) = 40 s).
    expect(f).toEqual({ phase: 'writing', phaseSeconds: 11, percent: 24, speedX: 26, speedMBps: 4, etaSeconds: 19 });
  });

  it('republishes a silent timed phase every tick so its time moves, and stops when the copy ends', async () => {
    const seen: PhaseFigures[] = [];
    const r = new PhaseReporter((f) => seen.push(f), { tickMs: 20 });
    r.report({ phase: 'fixating', bytesDone: 10, bytesTotal: 10 }, 'CD-R');
    await new Promise((res) => setTimeout(res, 110));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((f) => f.phase === 'fixating' && f.speedX === undefined)).toBe(true);
    r.end(true);
    const n = seen.length;
    await new Promise((res) => setTimeout(res, 60));
    expect(seen).toHaveLength(n);
  });
});

describe('a verify on a simulated drive of known read speed', () => {
  it('has an ETA within 30% of the time the verify really had left, and shows its read speed', async () => {
    const bytes = 24 * 1024 * 1024;
    const data = randomBytes(bytes);
    const file = path.join(dir, 'image.iso');
    writeFileSync(file, data);
    const timeScale = 0.3;
    const sectors = bytes / 2048;
    const drive = new SimulatedDrive({
      timeScale,
      media: { type: 'CD-R', status: 'complete', usedSectors: sectors, content: { format: 'iso', path: file, recordedBytes: bytes } },
    });
    try {
      const phases = new PhaseProgress();
      const points: { at: number; percent: number; f: PhaseFigures }[] = [];
      await verifyDisc(drive, { path: file, sizeBytes: bytes, sha256: createHash('sha256').update(data).digest('hex') }, {
        verifiedImages: null,
        onProgress: (v) => {
          const f = phases.update({ phase: 'verifying', bytesDone: v.bytesRead, bytesTotal: v.bytesTotal }, 'CD-R');
          points.push({ at: performance.now(), percent: (100 * v.bytesRead) / v.bytesTotal, f });
        },
      });
      const end = performance.now();
      for (const mark of [20, 35, 50, 75]) {
        const p = points.find((q) => q.percent >= mark)!;
        const actual = (end - p.at) / 1000;
        // The average since the verify began (the drive's spin-up in it) said many times this at the start.
        expect.soft(Math.abs(p.f.etaSeconds! - actual), `at ${mark}%: ETA ${p.f.etaSeconds} s, really ${actual.toFixed(2)} s`)
          .toBeLessThanOrEqual(0.3 * actual + 0.1);
      }
      // The drive reads at its CAV speed near the disc's start; a scaled clock makes the wall rate 1/timeScale as fast.
      const half = points.find((q) => q.percent >= 50)!.f;
      const expectedX = readSpeedX('cd', 0.5 * sectors / 360_000) / timeScale;
      expect(half.speedX).toBeGreaterThan(0.7 * expectedX);
      expect(half.speedX).toBeLessThan(1.3 * expectedX);
      expect(half.speedMBps).toBeCloseTo((half.speedX! * 153_600) / 1e6, 0);
    } finally {
      drive.dispose();
    }
  });
});

/**
 * The real drive's media watch on a stand-in sysfs: /dev/null as the device
 * node (it opens like a drive's node, read-only and non-blocking) and a
 * temporary folder as /sys/class/block holding null/diskseq, the count the
 * kernel would move.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaStatus } from '../../src/drive-contract.js';
import { KernelMediaWatch } from '../../src/cdrecord/kernel-media-watch.js';

const NONE: MediaStatus = { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };
const BLANK: MediaStatus = { status: 'blank', type: 'DVD+R', rewritable: false, capacitySectors: 2_295_104, usedSectors: 0, freeSectors: 2_295_104 };
const INTERVAL_MS = 10;
/** Ticks a watch that should stay silent is given: many times the interval, so a wrong event would have come. */
const QUIET_MS = 30 * INTERVAL_MS;

describe('KernelMediaWatch', () => {
  let sys: string;
  let busy = false;
  let stops: (() => void)[] = [];
  const setSeq = (n: number): void => writeFileSync(path.join(sys, 'null', 'diskseq'), `${n}\n`);
  const make = (idleAfterMs = 60_000): KernelMediaWatch =>
    new KernelMediaWatch('/dev/null', () => busy, { intervalMs: INTERVAL_MS, idleAfterMs, sysClassBlock: sys });
  const events = (w: KernelMediaWatch): { count: () => number; next: () => Promise<void> } => {
    let n = 0;
    let wake: () => void = () => undefined;
    stops.push(w.watch(() => {
      n += 1;
      wake();
    }));
    return {
      count: () => n,
      // Bounded by the failure it catches (no event at all), not by this machine's speed.
      next: () => new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no media-change event within 5 s')), 5000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    };
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  beforeEach(() => {
    sys = mkdtempSync(path.join(os.tmpdir(), 'kmw-'));
    mkdirSync(path.join(sys, 'null'));
    setSeq(7);
    busy = false;
  });
  afterEach(() => {
    for (const stop of stops) stop();
    stops = [];
    rmSync(sys, { recursive: true, force: true });
  });

  it('reports a disc coming in while the drive waits for one, once per change', async () => {
    const w = make();
    const e = events(w);
    await w.noteAnswer(NONE);
    await sleep(QUIET_MS);
    expect(e.count()).toBe(0);
    const first = e.next();
    setSeq(8);
    await first;
    await sleep(QUIET_MS);
    expect(e.count()).toBe(1);
  });

  it('stays silent while the drive holds a disc, and after a query found one', async () => {
    const w = make();
    const e = events(w);
    await w.noteAnswer(BLANK);
    setSeq(8);
    await sleep(QUIET_MS);
    await w.noteAnswer(NONE);
    await w.noteAnswer(BLANK);
    setSeq(9);
    await sleep(QUIET_MS);
    expect(e.count()).toBe(0);
  });

  it('takes the count after the query that found no disc as its baseline', async () => {
    // The query's own open moved the count (the disc went as it asked): that change is in its answer.
    setSeq(8);
    const w = make();
    const e = events(w);
    await w.noteAnswer(NONE);
    await sleep(QUIET_MS);
    expect(e.count()).toBe(0);
  });

  it('does not open the drive while this process holds it, and reports the change after', async () => {
    const w = make();
    const e = events(w);
    await w.noteAnswer(NONE);
    busy = true;
    setSeq(8);
    await sleep(QUIET_MS);
    expect(e.count()).toBe(0);
    const after = e.next();
    busy = false;
    await after;
    expect(e.count()).toBe(1);
  });

  it('stops watching a drive nobody asked about for idleAfterMs', async () => {
    const w = make(5 * INTERVAL_MS);
    const e = events(w);
    await w.noteAnswer(NONE);
    await sleep(QUIET_MS);
    setSeq(8);
    await sleep(QUIET_MS);
    expect(e.count()).toBe(0);
    // A new answer of no disc starts the wait again, from the count as it is now.
    await w.noteAnswer(NONE);
    const next = e.next();
    setSeq(9);
    await next;
  });

  it('reports nothing after the last listener stopped, and nothing without a count', async () => {
    const w = make();
    const e = events(w);
    await w.noteAnswer(NONE);
    for (const stop of stops) stop();
    stops = [];
    setSeq(8);
    await sleep(QUIET_MS);
    expect(e.count()).toBe(0);

    rmSync(path.join(sys, 'null', 'diskseq'));
    const w2 = make();
    const e2 = events(w2);
    await w2.noteAnswer(NONE);
    await sleep(QUIET_MS);
    expect(e2.count()).toBe(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DriveStatePublisher } from '../src/drive-state.js';
import { parseDriveStatuses } from '../src/drive-status.js';
import type { DriveStatus } from '../src/drive-state.js';

/** A publisher on fake timers and clock, recording what its listeners get and when. */
function recorder(minIntervalMs = 250): { pub: DriveStatePublisher; seen: Array<DriveStatus & { at: number }> } {
  const seen: Array<DriveStatus & { at: number }> = [];
  const pub = new DriveStatePublisher({
    driveId: 'sim:0', agentId: 'a', minIntervalMs, now: () => Date.now(), onStatus: (s) => seen.push({ ...s, at: Date.now() }),
  });
  return { pub, seen };
}

describe('DriveStatePublisher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('throttles progress to one per interval but never drops a state change, and delivers the last progress', () => {
    const { pub, seen } = recorder();
    const t0 = Date.now();
    pub.update({ state: 'blank', mediaType: 'CD-R' });
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 0 });
    for (let p = 1; p <= 50; p++) {
      vi.advanceTimersByTime(10);
      pub.update({ state: 'burning', mediaType: 'CD-R', percent: p });
    }
    // 500 ms of ticks every 10 ms: the first tick goes at once (no progress published before),
    // then one per 250 ms from the last progress publication (the 25 % tick held at 250 goes at 260); the 50 % tick is held.
    expect(seen.map((s) => s.state)).toEqual(['blank', 'burning', 'burning', 'burning']);
    expect(seen.map((s) => s.percent)).toEqual([undefined, 0, 1, 25]);
    expect(seen.map((s) => s.at - t0)).toEqual([0, 0, 10, 260]);
    pub.update({ state: 'verifying', mediaType: 'CD-R', percent: 0 });
    // The held 50 % of the burn is superseded by the change of state, which goes at once.
    expect(seen.at(-1)).toMatchObject({ state: 'verifying', percent: 0 });
    vi.advanceTimersByTime(5);
    pub.update({ state: 'verifying', mediaType: 'CD-R', percent: 10 });
    pub.update({ state: 'verifying', mediaType: 'CD-R', percent: 20 });
    expect(seen.at(-1)?.percent).toBe(0);
    // The trailing progress update is delivered when its interval (from the 25 % tick) is up.
    vi.advanceTimersByTime(300);
    expect(seen.at(-1)).toMatchObject({ state: 'verifying', percent: 20, at: t0 + 510 });
    expect(seen.filter((s) => s.percent === 50)).toEqual([]);
    pub.update({ state: 'done', mediaType: 'CD-R', message: 'take it out' });
    expect(seen.at(-1)).toMatchObject({ state: 'done', message: 'take it out' });
    pub.close();
  });

  it('publishes a state change and a progress tick 5 ms after it both at once', () => {
    const { pub, seen } = recorder();
    pub.update({ state: 'blank', mediaType: 'CD-R' });
    vi.advanceTimersByTime(1000);
    const t = Date.now();
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 0, runId: 'r', copy: 1 });
    vi.advanceTimersByTime(5);
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 1, runId: 'r', copy: 1 });
    expect(seen.slice(1).map((s) => [s.state, s.percent, s.at - t])).toEqual([['burning', 0, 0], ['burning', 1, 5]]);
  });

  it('spaces progress ticks 100 ms apart 250 ms apart, and a state change in between does not restart the interval', () => {
    const { pub, seen } = recorder();
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 0 });
    const t = Date.now();
    for (let i = 1; i <= 10; i++) {
      vi.advanceTimersByTime(100);
      pub.update({ state: 'burning', mediaType: 'CD-R', percent: i });
    }
    vi.advanceTimersByTime(1000);
    const ticks = seen.slice(1);
    // Published at 100 (the first), 350, 600, 850 and the trailing one at 1100.
    expect(ticks.map((s) => s.at - t)).toEqual([100, 350, 600, 850, 1100]);
    expect(ticks.map((s) => s.percent)).toEqual([1, 3, 5, 8, 10]);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThanOrEqual(250);

    // Progress at 0, a change of message 100 ms later, progress again at 250: the message goes
    // at once, and the tick at 250 goes at once too (250 ms after the last progress, not after the message).
    seen.length = 0;
    const u = Date.now();
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 20 });
    vi.advanceTimersByTime(100);
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 21, message: 'slow down' });
    vi.advanceTimersByTime(150);
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 22, message: 'slow down' });
    expect(seen.map((s) => [s.percent, s.at - u])).toEqual([[20, 0], [21, 100], [22, 250]]);
  });

  it('ignores an update that changes nothing but the time', () => {
    const { pub, seen } = recorder();
    pub.update({ state: 'blank', mediaType: 'CD-R' });
    vi.advanceTimersByTime(1000);
    pub.update({ state: 'blank', mediaType: 'CD-R' });
    expect(seen).toHaveLength(1);
    expect(pub.current?.state).toBe('blank');
  });

  it('never merges away state changes, however close together', () => {
    const { pub, seen } = recorder();
    const states = ['blank', 'burning', 'verifying', 'done', 'empty', 'blank'] as const;
    for (const state of states) pub.update({ state, mediaType: 'CD-R' });
    expect(seen.map((s) => s.state)).toEqual([...states]);
  });
});

describe('parseDriveStatuses', () => {
  it('keeps the counts a status that closes an attempt carries, and refuses a status whose counts are not whole counts', () => {
    const base = { driveId: 'sim:0', agentId: 'a', state: 'done', updatedAt: 1 };
    const text = JSON.stringify([
      { ...base, counts: { passed: 7, failed: 2 } },
      { ...base, driveId: 'sim:1', counts: { passed: -1, failed: 0 } },
      { ...base, driveId: 'sim:2', counts: { passed: 1.5, failed: 0 } },
      { ...base, driveId: 'sim:3', counts: { passed: '3', failed: 0 } },
      { ...base, driveId: 'sim:4', counts: [3, 0] },
      { ...base, driveId: 'sim:5', counts: null },
      { ...base, driveId: 'sim:6' },
    ]);
    const parsed = parseDriveStatuses(text);
    expect(parsed.map((s) => [s.driveId, s.counts])).toEqual([['sim:0', { passed: 7, failed: 2 }], ['sim:5', undefined], ['sim:6', undefined]]);
  });
});

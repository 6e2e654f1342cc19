import { describe, expect, it } from 'vitest';
import type { FeedSnapshot } from '../../src/shared/api-types.js';
import { SharedBuild } from '../../src/feed/shared-build.js';
import { SnapshotSender } from '../../src/feed/snapshot-sender.js';

/** A promise with its resolve. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const snap = (at: number): FeedSnapshot => ({ drives: [], runs: [], olderRuns: 0, agents: [], masters: [], at });

describe('SnapshotSender', () => {
  it('coalesces requests made while a snapshot is built or not yet flushed into one more snapshot', async () => {
    const builds: ReturnType<typeof deferred<FeedSnapshot>>[] = [];
    const flushes: ReturnType<typeof deferred<void>>[] = [];
    const emitted: number[] = [];
    const sender = new SnapshotSender({
      build: () => {
        const d = deferred<FeedSnapshot>();
        builds.push(d);
        return d.promise;
      },
      emit: (s) => emitted.push(s.at),
      flushed: () => {
        const d = deferred<void>();
        flushes.push(d);
        return d.promise;
      },
    });
    sender.request();
    for (let i = 0; i < 1000; i++) sender.request(); // while building
    expect(builds).toHaveLength(1);
    builds[0]?.resolve(snap(1));
    await tick();
    expect(emitted).toEqual([1]);
    for (let i = 0; i < 1000; i++) sender.request(); // while the first is not flushed
    await tick();
    expect(builds).toHaveLength(1); // no build before the flush
    flushes[0]?.resolve();
    await tick();
    expect(builds).toHaveLength(2);
    builds[1]?.resolve(snap(2));
    await tick();
    flushes[1]?.resolve();
    await tick();
    await tick();
    expect(emitted).toEqual([1, 2]);
    expect(builds).toHaveLength(2);
    expect(sender.sent).toBe(2);
  });

  it('sends nothing after close, and reports a failed build without stopping', async () => {
    const errors: Error[] = [];
    let fail = true;
    const emitted: number[] = [];
    const sender = new SnapshotSender({
      build: async () => {
        if (fail) throw new Error('redis down');
        return snap(7);
      },
      emit: (s) => emitted.push(s.at),
      flushed: async () => undefined,
      onError: (e) => errors.push(e),
    });
    sender.request();
    await tick();
    expect(errors.map((e) => e.message)).toEqual(['redis down']);
    fail = false;
    sender.request();
    await tick();
    expect(emitted).toEqual([7]);
    sender.close();
    sender.request();
    await tick();
    expect(emitted).toEqual([7]);
  });
});

describe('SharedBuild', () => {
  it('runs one build at a time, and those who ask meanwhile share the next one', async () => {
    const started: ReturnType<typeof deferred<number>>[] = [];
    const shared = new SharedBuild(() => {
      const d = deferred<number>();
      started.push(d);
      return d.promise;
    });
    const first = shared.get();
    const waiting = Array.from({ length: 500 }, () => shared.get());
    expect(started).toHaveLength(1);
    started[0]?.resolve(1);
    expect(await first).toBe(1);
    await tick();
    expect(started).toHaveLength(2);
    started[1]?.resolve(2);
    expect(new Set(await Promise.all(waiting))).toEqual(new Set([2]));
    const later = shared.get();
    await tick();
    expect(started).toHaveLength(3);
    started[2]?.resolve(3);
    expect(await later).toBe(3);
  });
});

/**
 * The copy-routing policy, without Redis: allowed drives, retry steering,
 * hand-off targets and put-back delays.
 */
import { describe, expect, it } from 'vitest';
import {
  anotherUsableDrive, CopyRouting, handOffTargets, mayBurn, putBackDelayMs,
} from '../src/copy-routing.js';
import type { PutBackReason, RoutedCopy, RoutingFacts } from '../src/copy-routing.js';
import type { DriveState } from '../src/drive-state.js';

const delays = { putBackDelayMs: 2000, sameDriveRetryDelayMs: 5000 };

/** Facts from fixed answers, counting the reads routing made. */
function facts(lastFailed: string | null, drives: Record<string, DriveState> = {}): RoutingFacts & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    lastFailedDrive: async (runId, copy) => {
      reads.push(`last-failed ${runId}/${copy}`);
      return lastFailed;
    },
    drives: async () => {
      reads.push('drives');
      return Object.entries(drives).map(([driveId, state]) => ({ driveId, state }));
    },
  };
}

function copy(extra: Partial<RoutedCopy> = {}): RoutedCopy {
  return { jobId: 'run-1/1', attemptsMade: 1, runId: 'run-1', copy: 1, ...extra };
}

describe('put-back delays', () => {
  it('depend on why the copy goes back', () => {
    const cases: [PutBackReason, number][] = [
      ['not-allowed', 50], ['same-drive-retry', 5000], ['run-paused', 2000], ['media-refused', 2000],
      ['error', 2000], ['stopping', 0], ['not-taken', 0],
    ];
    for (const [reason, ms] of cases) expect([reason, putBackDelayMs(reason, delays)]).toEqual([reason, ms]);
  });

  it('give a copy for other drives back no later than the usual put-back', () => {
    expect(putBackDelayMs('not-allowed', { putBackDelayMs: 30, sameDriveRetryDelayMs: 100 })).toBe(30);
  });
});

describe('allowed drives and hand-off targets', () => {
  it('a run without allowed drives may be burnt by any drive', () => {
    expect(mayBurn(undefined, 'sim:0')).toBe(true);
    expect(mayBurn(['sim:1'], 'sim:0')).toBe(false);
    expect(mayBurn(['sim:0', 'sim:1'], 'sim:0')).toBe(true);
  });

  it('hands a copy only to another drive that may burn it', () => {
    const any = handOffTargets(undefined, 'sim:0');
    expect(['sim:0', 'sim:1', 'sim:2'].filter(any)).toEqual(['sim:1', 'sim:2']);
    const some = handOffTargets(['sim:0', 'sim:2'], 'sim:0');
    expect(['sim:0', 'sim:1', 'sim:2'].filter(some)).toEqual(['sim:2']);
  });

  it('counts as usable another drive that is neither offline nor quarantined', () => {
    expect(anotherUsableDrive([{ driveId: 'sim:0', state: 'blank' }], 'sim:0')).toBe(false);
    expect(anotherUsableDrive([{ driveId: 'sim:1', state: 'offline' }, { driveId: 'sim:2', state: 'quarantined' }], 'sim:0')).toBe(false);
    expect(anotherUsableDrive([{ driveId: 'sim:1', state: 'burning' }], 'sim:0')).toBe(true);
  });
});

describe('CopyRouting.route', () => {
  it('burns a copy it may burn whose slot did not last fail here, reading no drive states', async () => {
    const f = facts('sim:1', { 'sim:1': 'blank' });
    expect(await new CopyRouting('sim:0', delays).route(copy(), f)).toEqual({ kind: 'burn' });
    expect(f.reads).toEqual(['last-failed run-1/1']);
  });

  it('sends a copy of a run restricted to other drives elsewhere, calling those drives, without reading anything', async () => {
    const f = facts(null);
    const route = await new CopyRouting('sim:0', delays).route(copy({ allowedDrives: ['sim:1', 'sim:2'] }), f);
    expect(route).toMatchObject({ kind: 'elsewhere', why: 'not-allowed', callDrives: ['sim:1', 'sim:2'] });
    if (route.kind !== 'elsewhere') throw new Error('unreachable');
    expect(['sim:0', 'sim:1', 'sim:2', 'sim:3'].filter(route.handOffTo)).toEqual(['sim:1', 'sim:2']);
    expect(f.reads).toEqual([]);
  });

  it('steers a retry away from the drive it failed on once per attempt, when another drive can take it', async () => {
    const routing = new CopyRouting('sim:0', delays);
    const f = facts('sim:0', { 'sim:0': 'blank', 'sim:1': 'empty' });
    const first = await routing.route(copy({ attemptsMade: 1 }), f);
    expect(first).toMatchObject({ kind: 'elsewhere', why: 'same-drive-retry', callDrives: null });
    if (first.kind !== 'elsewhere') throw new Error('unreachable');
    expect(['sim:0', 'sim:1'].filter(first.handOffTo)).toEqual(['sim:1']);
    // The same attempt drawn again by this drive: no other drive took it meanwhile, so this one burns it.
    expect(await routing.route(copy({ attemptsMade: 1 }), f)).toEqual({ kind: 'burn' });
    // The next retry of the slot (after another failure here) is steered away once more.
    expect(await routing.route(copy({ attemptsMade: 2 }), f)).toMatchObject({ kind: 'elsewhere', why: 'same-drive-retry' });
    // Another job's retry is its own.
    expect(await routing.route(copy({ jobId: 'run-1/2', copy: 2, attemptsMade: 1 }), f)).toMatchObject({ kind: 'elsewhere' });
  });

  it('burns a retry on the drive it failed on when no other drive is usable, and steers it once one is', async () => {
    const routing = new CopyRouting('sim:0', delays);
    const alone = facts('sim:0', { 'sim:0': 'blank', 'sim:1': 'offline', 'sim:2': 'quarantined' });
    expect(await routing.route(copy(), alone)).toEqual({ kind: 'burn' });
    expect(alone.reads).toEqual(['last-failed run-1/1', 'drives']);
    // Not steered yet, so not remembered as steered: once another drive is back, the same attempt goes to it.
    const back = facts('sim:0', { 'sim:0': 'blank', 'sim:1': 'blank' });
    expect(await routing.route(copy(), back)).toMatchObject({ kind: 'elsewhere', why: 'same-drive-retry' });
  });

  it('knows the delay of each put-back', () => {
    const routing = new CopyRouting('sim:0', delays);
    expect(routing.putBackDelayMs('same-drive-retry')).toBe(5000);
    expect(routing.putBackDelayMs('not-allowed')).toBe(50);
  });
});

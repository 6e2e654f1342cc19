/**
 * Set affinity without Redis: which drive burns which disc of a collated set
 * run (set-routing.ts), and how CopyRouting applies it.
 */
import { describe, expect, it } from 'vitest';
import { CopyRouting } from '../src/copy-routing.js';
import type { RoutedCopy, RoutingFacts } from '../src/copy-routing.js';
import { nextDisc, setLabel, setPositionOf, setsDone, setSlotOf, slotOf } from '../src/disc-set.js';
import type { DriveState } from '../src/drive-state.js';
import { decideSetDisc } from '../src/set-routing.js';
import type { SetRoutingInput } from '../src/set-routing.js';

const M = 3;

/** The decision for drive `self` on slot `copy` of a run of 3-disc sets. */
function decide(self: string, copy: number, extra: Partial<SetRoutingInput> = {}): ReturnType<typeof decideSetDisc> {
  return decideSetDisc({
    self, collates: true, copy, position: setPositionOf(M, copy), owners: new Map(), passed: new Set(), usable: () => true, ...extra,
  });
}

describe('set positions', () => {
  it('number slot s as set ⌈s/M⌉, disc ((s-1) mod M)+1, and back', () => {
    expect([1, 2, 3, 4, 6, 7, 12].map((s) => setLabel(setPositionOf(M, s)))).toEqual([
      'set 1 · disc 1/3', 'set 1 · disc 2/3', 'set 1 · disc 3/3', 'set 2 · disc 1/3', 'set 2 · disc 3/3', 'set 3 · disc 1/3', 'set 4 · disc 3/3',
    ]);
    for (let s = 1; s <= 12; s++) {
      const p = setPositionOf(M, s);
      expect(slotOf(M, p.set, p.disc)).toBe(s);
    }
  });

  it('give each slot its disc\'s image', () => {
    const images = ['a', 'b', 'c'].map((n) => ({ path: `/lib/${n}.iso`, sha256: n.repeat(64), sizeBytes: 2048, sectors: 1, format: 'iso' as const }));
    expect([1, 2, 3, 4, 5, 9].map((s) => setSlotOf({ discs: 3, images }, s).image.path)).toEqual(
      ['/lib/a.iso', '/lib/b.iso', '/lib/c.iso', '/lib/a.iso', '/lib/b.iso', '/lib/c.iso'],
    );
  });

  it('count a set done only when all its discs passed, each slot once', () => {
    expect(setsDone(M, 4, [])).toBe(0);
    expect(setsDone(M, 4, [1, 2, 4, 5, 6, 7])).toBe(1);
    expect(setsDone(M, 4, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])).toBe(4);
    // Slots outside the run are not counted.
    expect(setsDone(M, 1, [1, 2, 3, 4, 5, 6])).toBe(1);
    expect(nextDisc(M, 2, new Set([4, 6]))).toBe(2);
    expect(nextDisc(M, 2, new Set([4, 5, 6]))).toBe(4);
  });
});

describe('decideSetDisc', () => {
  it('lets a drive with a loader claim a set at its first disc and keep its later discs', () => {
    expect(decide('A', 1)).toEqual({ kind: 'burn', claim: true, previous: null });
    const owners = new Map([[1, 'A']]);
    // Disc 2 goes to A once disc 1 passed; other drives leave it to A.
    expect(decide('A', 2, { owners, passed: new Set([1]) })).toEqual({ kind: 'burn', claim: false, previous: null });
    expect(decide('B', 2, { owners, passed: new Set([1]) })).toEqual({ kind: 'leave', why: 'set-elsewhere', owner: 'A' });
  });

  it('keeps a set\'s discs in order: a disc waits while an earlier one has not passed (a failed disc is redone first)', () => {
    const owners = new Map([[1, 'A']]);
    // Disc 1 failed and waits for its retry: disc 2 is not burned before it, by A or anyone.
    expect(decide('A', 2, { owners })).toEqual({ kind: 'leave', why: 'set-order', owner: null });
    expect(decide('A', 1, { owners })).toEqual({ kind: 'burn', claim: false, previous: null });
    // A drive with no set does not start a set in its middle.
    expect(decide('B', 5)).toEqual({ kind: 'leave', why: 'set-order', owner: null });
  });

  it('makes a drive finish its set before it starts another of the run', () => {
    const owners = new Map([[1, 'A']]);
    expect(decide('A', 4, { owners, passed: new Set([1]) })).toEqual({ kind: 'leave', why: 'set-order', owner: null });
    // Once its set is complete, it starts the next.
    expect(decide('A', 4, { owners, passed: new Set([1, 2, 3]) })).toEqual({ kind: 'burn', claim: true, previous: null });
  });

  it('hands a set on when its drive is offline or quarantined', () => {
    const owners = new Map([[1, 'A']]);
    const usable = (id: string): boolean => id !== 'A';
    expect(decide('B', 2, { owners, passed: new Set([1]), usable })).toEqual({ kind: 'burn', claim: true, previous: 'A' });
    // Still in order: the set's next disc first.
    expect(decide('B', 3, { owners, passed: new Set([1]), usable })).toEqual({ kind: 'leave', why: 'set-order', owner: null });
  });

  it('lets a drive without a loader burn any disc of a set nobody holds, without claiming it, and leave a held set alone', () => {
    expect(decide('C', 1, { collates: false })).toEqual({ kind: 'burn', claim: false, previous: null });
    expect(decide('C', 5, { collates: false })).toEqual({ kind: 'burn', claim: false, previous: null });
    expect(decide('C', 2, { collates: false, owners: new Map([[1, 'A']]), passed: new Set([1]), usable: () => false })).toEqual({ kind: 'burn', claim: false, previous: null });
    expect(decide('C', 2, { collates: false, owners: new Map([[1, 'A']]), passed: new Set([1]) })).toMatchObject({ kind: 'leave', owner: 'A' });
  });

  it('burns a slot that already passed (a job run twice): the count makes it surplus', () => {
    expect(decide('B', 2, { owners: new Map([[1, 'A']]), passed: new Set([2]) })).toEqual({ kind: 'burn', claim: false, previous: null });
  });
});

/** Routing facts of one set run, counting claims and reads. */
function setFacts(owners: Map<number, string>, passed: number[], states: Record<string, DriveState>, lastFailed: string | null = null): RoutingFacts & { claims: string[] } {
  const claims: string[] = [];
  return {
    claims,
    lastFailedDrive: async () => lastFailed,
    drives: async () => Object.entries(states).map(([driveId, state]) => ({ driveId, state })),
    setFacts: async () => ({ owners, passed: new Set(passed) }),
    claimSet: async (runId, set, driveId, previous) => {
      if ((owners.get(set) ?? null) !== previous) return false;
      owners.set(set, driveId);
      claims.push(`${runId} set ${set} → ${driveId}`);
      return true;
    },
  };
}

function disc(copy: number, extra: Partial<RoutedCopy> = {}): RoutedCopy {
  return { jobId: `run-1/${copy}`, attemptsMade: 0, runId: 'run-1', copy, set: setPositionOf(M, copy), ...extra };
}

describe('CopyRouting with set runs', () => {
  const delays = { putBackDelayMs: 2000, sameDriveRetryDelayMs: 5000 };

  it('records the claim, then hands the set\'s later discs to its drive and calls it', async () => {
    const owners = new Map<number, string>();
    const f = setFacts(owners, [], { A: 'burning', B: 'blank' });
    expect(await new CopyRouting('A', delays, {}, true).route(disc(1), f)).toEqual({ kind: 'burn' });
    expect(f.claims).toEqual(['run-1 set 1 → A']);
    const g = setFacts(owners, [1], { A: 'empty', B: 'blank' });
    const route = await new CopyRouting('B', delays, {}, true).route(disc(2), g);
    expect(route).toMatchObject({ kind: 'elsewhere', why: 'set-elsewhere', callDrives: ['A'], putBackDelayMs: 50 });
    if (route.kind !== 'elsewhere') throw new Error('unreachable');
    expect(['A', 'B', 'C'].filter(route.handOffTo)).toEqual(['A']);
  });

  it('has the set\'s drive redo its failed disc itself: no retry steering', async () => {
    const owners = new Map([[1, 'A']]);
    const f = setFacts(owners, [], { A: 'blank', B: 'blank' }, 'A');
    expect(await new CopyRouting('A', delays, {}, true).route(disc(1, { attemptsMade: 1 }), f)).toEqual({ kind: 'burn' });
    // A plain run's retry would have been steered away from A.
    const plain = await new CopyRouting('A', delays, {}, true).route({ jobId: 'run-2/1', attemptsMade: 1, runId: 'run-2', copy: 1 }, f);
    expect(plain).toMatchObject({ kind: 'elsewhere', why: 'same-drive-retry' });
  });

  it('leaves a disc when another drive won the claim meanwhile', async () => {
    const owners = new Map<number, string>();
    const f = setFacts(owners, [], { A: 'blank', B: 'blank' });
    f.claimSet = async () => false;
    expect(await new CopyRouting('B', delays, {}, true).route(disc(1), f)).toMatchObject({ kind: 'elsewhere', why: 'set-order' });
  });

  it('routes a set disc as a plain copy on a drive without a loader (retry steering included)', async () => {
    const f = setFacts(new Map(), [], { C: 'blank', A: 'blank' }, 'C');
    expect(await new CopyRouting('C', delays, {}, false).route(disc(1, { attemptsMade: 1 }), f)).toMatchObject({ kind: 'elsewhere', why: 'same-drive-retry' });
    expect(f.claims).toEqual([]);
  });
});

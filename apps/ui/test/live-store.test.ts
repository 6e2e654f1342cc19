import { describe, expect, it } from 'vitest';
import { activeRuns, drivesNeedingPerson, groupByAgent, initialLiveState, liveReducer, runNameOf, sameGroups } from '../src/lib/live-store';
import type { LiveAction, LiveState } from '../src/lib/live-store';
import { drive, run, snapshot } from './fixtures';

const apply = (s: LiveState, ...actions: LiveAction[]): LiveState => actions.reduce(liveReducer, s);

describe('live store reducer', () => {
  const snap = snapshot({
    drives: [
      drive({ id: 'sim:2', position: 2 }),
      drive({ id: 'sim:1', position: 1 }),
      drive({ id: 'b:0', agentId: 'agent-b', position: 0 }),
    ],
    runs: [run({ id: 'r1' })],
    agents: [{ id: 'agent-a', host: 'host-a', online: true, lastHeartbeat: 1, driveIds: ['sim:1', 'sim:2'], state: 'serving', heartbeatAgeMs: 0 }],
  });

  it('applies a snapshot in tower order (agent, then position)', () => {
    const s = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    expect(s.driveOrder).toEqual(['sim:1', 'sim:2', 'b:0']);
    expect(s.runs.r1?.status).toBe('running');
    expect(s.snapshotAt).toBe(5000);
    expect(s.lastEventAt).toBe(10);
    const groups = groupByAgent(s);
    expect(groups.map((g) => [g.host, g.driveIds])).toEqual([
      ['host-a', ['sim:1', 'sim:2']],
      ['agent-b', ['b:0']],
    ]);
  });

  it('gives the same grouping for a progress delta, and a new one when a drive moves to another agent', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'drive', delta: { id: 'sim:1', state: 'burning', percent: 40, updatedAt: 1100 }, receivedAt: 20 });
    expect(sameGroups(groupByAgent(s0), groupByAgent(s1))).toBe(true);
    const s2 = apply(s1, { type: 'drive', delta: { id: 'sim:2', agentId: 'agent-b', updatedAt: 1200 }, receivedAt: 30 });
    expect(sameGroups(groupByAgent(s1), groupByAgent(s2))).toBe(false);
    const s3 = apply(s1, { type: 'agent', agent: { id: 'agent-a', host: 'host-a', online: false, lastHeartbeat: 1, driveIds: ['sim:1', 'sim:2'], state: 'serving', heartbeatAgeMs: 0 }, receivedAt: 40 });
    expect(sameGroups(groupByAgent(s1), groupByAgent(s3))).toBe(false);
  });

  it('lists the drives that need a person in tower order', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    expect(drivesNeedingPerson(s0)).toEqual([]);
    const s1 = apply(s0, { type: 'drive', delta: { id: 'b:0', state: 'wrong-media', updatedAt: 1100 }, receivedAt: 20 });
    const s2 = apply(s1, { type: 'drive', delta: { id: 'sim:2', needsAttention: true, updatedAt: 1100 }, receivedAt: 30 });
    expect(drivesNeedingPerson(s2).map((d) => d.id)).toEqual(['sim:2', 'b:0']);
  });

  it('names a tile\'s run by its label, else its image; nothing without a run or before the run is known', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snapshot({ runs: [run({ id: 'r1' }), run({ id: 'r2', label: 'Install disc' })] }), receivedAt: 10 });
    expect(runNameOf(s0, 'r1')).toBe('sample.iso');
    expect(runNameOf(s0, 'r2')).toBe('Install disc');
    expect(runNameOf(s0, 'r3')).toBeNull();
    expect(runNameOf(s0, null)).toBeNull();
  });

  it('applies a delta with only the changed fields and keeps other drives identical', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'drive', delta: { id: 'sim:1', state: 'burning', percent: 12.5, updatedAt: 1100 }, receivedAt: 20 });
    expect(s1.drives['sim:1']).toMatchObject({ state: 'burning', percent: 12.5, mediaType: 'CD-R', updatedAt: 1100 });
    expect(s1.drives['sim:2']).toBe(s0.drives['sim:2']);
    expect(s1.driveOrder).toBe(s0.driveOrder);
    expect(s1.lastEventAt).toBe(20);
  });

  it('ignores a delta older than what it holds', () => {
    const s0 = apply(
      initialLiveState,
      { type: 'snapshot', snapshot: snap, receivedAt: 10 },
      { type: 'drive', delta: { id: 'sim:1', state: 'verifying', percent: 40, updatedAt: 2000 }, receivedAt: 20 },
    );
    const s1 = apply(s0, { type: 'drive', delta: { id: 'sim:1', state: 'burning', percent: 99, updatedAt: 1500 }, receivedAt: 30 });
    expect(s1.drives['sim:1']).toBe(s0.drives['sim:1']);
    expect(s1.drives['sim:1']?.state).toBe('verifying');
    expect(s1.staleDeltas).toBe(1);
  });

  it('keeps state identity when a delta changes nothing', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'drive', delta: { id: 'sim:1', state: 'blank' }, receivedAt: 11 });
    expect(s1.drives).toBe(s0.drives);
  });

  it('ignores a partial delta for an unknown drive but adds a complete one', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'drive', delta: { id: 'sim:9', state: 'burning' }, receivedAt: 11 });
    expect(s1.drives['sim:9']).toBeUndefined();
    const s2 = apply(s1, { type: 'drive', delta: drive({ id: 'sim:0', position: 0 }), receivedAt: 12 });
    expect(s2.driveOrder).toEqual(['sim:0', 'sim:1', 'sim:2', 'b:0']);
  });

  it('re-sorts when a drive moves', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'drive', delta: { id: 'sim:1', position: 5 }, receivedAt: 11 });
    expect(s1.driveOrder).toEqual(['sim:2', 'sim:1', 'b:0']);
  });

  it('drops deltas in a batch the same as one by one, and a later snapshot wins', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, {
      type: 'batch',
      actions: [
        { type: 'drive', delta: { id: 'sim:1', state: 'burning', updatedAt: 1100 }, receivedAt: 11 },
        { type: 'drive', delta: { id: 'sim:1', percent: 50, updatedAt: 1200 }, receivedAt: 12 },
        { type: 'run', run: run({ id: 'r1', passed: 1, remaining: 3 }), receivedAt: 13 },
      ],
    });
    expect(s1.drives['sim:1']).toMatchObject({ state: 'burning', percent: 50 });
    expect(s1.runs.r1?.passed).toBe(1);
    const s2 = apply(s1, { type: 'snapshot', snapshot: snapshot({ drives: [drive({ id: 'sim:1', state: 'done', updatedAt: 3000 })], at: 9000 }), receivedAt: 50 });
    expect(Object.keys(s2.drives)).toEqual(['sim:1']);
    expect(s2.drives['sim:1']?.state).toBe('done');
  });

  it('gives the same state for a batch as for its actions one by one, copying the drives once', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const actions: LiveAction[] = [
      { type: 'drive', delta: { id: 'sim:1', state: 'burning', percent: 1, updatedAt: 1100 }, receivedAt: 11 },
      { type: 'drive', delta: { id: 'sim:2', percent: 7, updatedAt: 1100 }, receivedAt: 12 },
      { type: 'drive', delta: { id: 'sim:1', percent: 2, updatedAt: 1000 }, receivedAt: 13 }, // stale
      { type: 'drive', delta: { id: 'sim:1', percent: 1 }, receivedAt: 14 }, // no change
      { type: 'drive', delta: { id: 'nope', percent: 3 }, receivedAt: 15 }, // unknown, incomplete
      { type: 'drive', delta: drive({ id: 'a:0', agentId: 'agent-0', updatedAt: 1100 }), receivedAt: 16 }, // new, complete
      { type: 'run', run: run({ id: 'r1', passed: 2 }), receivedAt: 17 },
      { type: 'drive', delta: { id: 'sim:2', position: 0, updatedAt: 1200 }, receivedAt: 18 }, // reorders
      { type: 'drive', delta: { id: 'sim:1', percent: 3, updatedAt: 1300 }, receivedAt: 19 },
    ];
    const oneByOne = apply(s0, ...actions);
    const batched = apply(s0, { type: 'batch', actions });
    expect(batched).toEqual(oneByOne);
    expect(batched.driveOrder).toEqual(['a:0', 'sim:2', 'sim:1', 'b:0']);
    expect(batched.staleDeltas).toBe(1);
    expect(batched.lastEventAt).toBe(19);
    expect(batched.drives['b:0']).toBe(s0.drives['b:0']);
    // Nothing changed: the drives keep their identity.
    const same = apply(batched, { type: 'batch', actions: [{ type: 'drive', delta: { id: 'sim:1', percent: 3 }, receivedAt: 30 }] });
    expect(same.drives).toBe(batched.drives);
    expect(same.driveOrder).toBe(batched.driveOrder);
  });

  it('keeps drive objects that a fresh snapshot repeats unchanged', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'snapshot', snapshot: { ...snap, at: 6000 }, receivedAt: 20 });
    expect(s1.drives['sim:1']).toBe(s0.drives['sim:1']);
    expect(s1.driveOrder).toBe(s0.driveOrder);
  });

  it('never brings a finished run back from a late update', () => {
    const s0 = apply(
      initialLiveState,
      { type: 'snapshot', snapshot: snap, receivedAt: 10 },
      { type: 'run', run: run({ id: 'r1', status: 'completed', passed: 4, remaining: 0 }), receivedAt: 11 },
    );
    const s1 = apply(s0, { type: 'run', run: run({ id: 'r1', status: 'running', passed: 3 }), receivedAt: 12 });
    expect(s1.runs.r1?.status).toBe('completed');
    expect(s1.runs.r1?.passed).toBe(4);
  });

  it('merges REST runs without overwriting fresher feed runs, unless told to', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snap, receivedAt: 10 });
    const s1 = apply(s0, { type: 'runs', runs: [run({ id: 'r1', status: 'paused' }), run({ id: 'old', status: 'completed' })] });
    expect(s1.runs.r1?.status).toBe('running');
    expect(s1.runs.old?.status).toBe('completed');
    const s2 = apply(s1, { type: 'runs', runs: [run({ id: 'r1', status: 'paused' })], overwrite: true });
    expect(s2.runs.r1?.status).toBe('paused');
    // A snapshot after a reconnect keeps finished runs fetched over REST.
    const s3 = apply(s2, { type: 'snapshot', snapshot: snap, receivedAt: 20 });
    expect(s3.runs.old?.status).toBe('completed');
    expect(activeRuns(s3.runs).map((r) => r.id)).toEqual(['r1']);
  });

  it('keeps the count of older finished runs from the last snapshot (0 from a controller that sends none)', () => {
    const s0 = apply(initialLiveState, { type: 'snapshot', snapshot: snapshot({ runs: [run({ id: 'r1' })], olderRuns: 185 }), receivedAt: 10 });
    expect(s0.olderRuns).toBe(185);
    const s1 = apply(s0, { type: 'snapshot', snapshot: snap, receivedAt: 20 });
    expect(s1.olderRuns).toBe(0);
  });

  it('counts connections and keeps the last error in words', () => {
    let s = apply(initialLiveState, { type: 'connection', connection: 'connected' });
    expect(s.connects).toBe(1);
    s = apply(s, { type: 'connection', connection: 'disconnected', error: 'Feed lost (transport close)' });
    expect(s.connectionError).toBe('Feed lost (transport close)');
    s = apply(s, { type: 'connection', connection: 'connected' });
    expect(s.connects).toBe(2);
    expect(s.connectionError).toBeNull();
  });

  it('keeps the latest attempts, newest first, without duplicates', () => {
    const a = (id: string) => ({
      id, runId: 'r1', copy: 1, driveId: 'sim:1', driveLabel: null, agentId: 'agent-a', mediaType: 'CD-R', imageSha256: 'x', startedAt: 1, endedAt: 2,
      bytes: 1, averageSpeedX: 1, verifyPolicy: 'all', verifyResult: 'match', outcome: 'passed' as const, counted: true, surplus: false, error: null,
    });
    const s = apply(
      initialLiveState,
      { type: 'attempt', attempt: a('x1'), receivedAt: 1 },
      { type: 'attempt', attempt: a('x2'), receivedAt: 2 },
      { type: 'attempt', attempt: a('x1'), receivedAt: 3 },
    );
    expect(s.recentAttempts.map((x) => x.id)).toEqual(['x1', 'x2']);
  });
});

/**
 * Clock steps (Debian's libfaketime, LD_PRELOAD on one process): the wall
 * clock of the controller or of the agent jumps by an hour in the middle of
 * a run, as a badly set NTP or an operator's `date -s` would do. The
 * monotonic clock goes on (FAKETIME_DONT_FAKE_MONOTONIC), as on a real host.
 *
 * - The controller's clock an hour ahead for longer than the agent timeout:
 *   the agent beats on, so nobody is declared dead, no burn is interrupted,
 *   and afterwards no drive is left offline.
 * - The agent's clock an hour back mid-burn: no negative durations in the
 *   history or the CSV.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countedSlots, sleep, startSplitTower, waitFor, waitForRun } from './support/tower-process.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const HOUR_S = 3600;

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tower-clock-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process's clock, set through faketime's timestamp file (re-read every second). */
function fakeClock(dir: string, name: string): { env: Record<string, string>; step: (offsetSeconds: number) => void } {
  const file = path.join(dir, `${name}.faketime`);
  const step = (offset: number): void => writeFileSync(file, `${offset >= 0 ? '+' : ''}${offset}s\n`);
  step(0);
  return {
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    step,
  };
}

describe('a clock step on one host', () => {
  it('finds libfaketime (Debian package faketime)', () => {
    expect(existsSync(LIBFAKETIME), `${LIBFAKETIME} (apt-get install faketime)`).toBe(true);
  });

  it('the controller an hour ahead for longer than the agent timeout: no agent declared dead, no burn interrupted, no drive left offline', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const clock = fakeClock(dir, 'serve');
    const tower = await startSplitTower('clock-serve', 0.1, cleanups, { serve: clock.env });
    const { api } = tower;
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 6, verify: 'all' });
    await waitFor(async () => (await api.history(created.id)).some((a) => a.outcome === null), 15_000, 'a burn in flight');

    clock.step(HOUR_S);
    // Three agent timeouts (3 s each) with the controller an hour ahead.
    await sleep(9_000);
    const during = await api.drives();
    clock.step(0);
    // The agent's two drives (the controller's default layout lists more, never published).
    const mine = (views: typeof during): typeof during => views.filter((d) => d.agentId === 'e2e-clock-serve');
    expect(mine(during)).toHaveLength(2);
    expect(mine(during).filter((d) => d.state === 'offline').map((d) => d.id)).toEqual([]);

    const run = await waitForRun(api, created.id, 'completed', 90_000);
    const history = await api.history(run.id);
    expect(history.filter((a) => a.outcome === 'interrupted')).toEqual([]);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run).toMatchObject({ passed: 6, interrupted: 0, inProgress: 0 });
    expect(tower.serve.stderr).not.toMatch(/is not answering/);
    expect(tower.agent.stderr).not.toMatch(/declared this agent dead/);
    const drives = mine(await api.drives());
    expect(drives).toHaveLength(2);
    expect(drives.filter((d) => d.state === 'offline').map((d) => d.id)).toEqual([]);
  });

  it('the agent an hour back mid-burn: no negative duration in the history or the CSV', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const clock = fakeClock(dir, 'agent');
    const tower = await startSplitTower('clock-agent', 0.1, cleanups, { agent: clock.env });
    const { api } = tower;
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 4, verify: 'all' });
    await waitFor(async () => (await api.history(created.id)).some((a) => a.outcome === null), 15_000, 'a burn in flight');
    clock.step(-HOUR_S);
    const run = await waitForRun(api, created.id, 'completed', 90_000);
    const history = await api.history(run.id);
    // The step came mid-run: burns started on either side of it (one was in flight across it).
    expect(history.some((a) => a.startedAt > Date.now() - 10 * 60_000)).toBe(true);
    expect(history.some((a) => a.startedAt < Date.now() - 30 * 60_000)).toBe(true);
    for (const a of history) {
      expect(a.endedAt, JSON.stringify(a)).not.toBeNull();
      expect((a.endedAt ?? 0) - a.startedAt, JSON.stringify(a)).toBeGreaterThanOrEqual(0);
    }
    expect(countedSlots(history)).toEqual([1, 2, 3, 4]);
    const res = await fetch(`${api.url}/api/history?format=csv&runId=${encodeURIComponent(run.id)}`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(res.status).toBe(200);
    const [header, ...rows] = (await res.text()).trim().split('\r\n');
    const col = (header ?? '').split(',').indexOf('durationSeconds');
    expect(col).toBeGreaterThan(0);
    expect(rows).toHaveLength(history.length);
    for (const row of rows) expect(Number(row.split(',')[col])).toBeGreaterThanOrEqual(0);
  });
});

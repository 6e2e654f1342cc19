/**
 * JobLease: the lock of a copy job is extended every half lock duration, the
 * first time at a random point of the second half of that interval (so the
 * leases of drives that took their copies together do not renew together),
 * and a renewal that finds the run cancelled aborts the burn.
 */
import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobLease } from '../src/job-lease.js';
import type { RunStatus } from '../src/run-records.js';

const LOCK_MS = 30_000;
const EVERY = LOCK_MS / 2;

/** A lease on a stub job whose renewals (their times, fake clock) are recorded. */
function lease(random?: () => number, status: () => RunStatus | null = () => 'running'): { lease: JobLease; renewals: number[] } {
  const renewals: number[] = [];
  const job = {
    id: 'job-1',
    data: { runId: 'run-1', copy: 1, image: { path: '/x.iso', format: 'iso', sha256: '', sizeBytes: 0, sectors: 0 } },
    extendLock: vi.fn(async () => {
      renewals.push(Date.now());
      return 1;
    }),
  } as unknown as Job;
  const l = new JobLease({ job, token: 't', lockDurationMs: LOCK_MS, device: 'sim:0', runStatus: async () => status(), onError: () => undefined }, random);
  return { lease: l, renewals };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('JobLease', () => {
  it('renews first between a quarter and a half lock duration in, then every half lock duration', async () => {
    const early = lease(() => 0);
    const late = lease(() => 0.999_999);
    await vi.advanceTimersByTimeAsync(EVERY * 3 + EVERY / 2 + 1);
    expect(early.renewals).toEqual([EVERY / 2, EVERY / 2 + EVERY, EVERY / 2 + 2 * EVERY, EVERY / 2 + 3 * EVERY]);
    expect(late.renewals[0]).toBeGreaterThanOrEqual(EVERY - 1);
    expect(late.renewals[0]).toBeLessThanOrEqual(EVERY);
    expect(late.renewals.slice(1).map((t, i) => t - late.renewals[i]!)).toEqual([EVERY, EVERY]);
    early.lease.end();
    late.lease.end();
  });

  it('spreads the renewals of leases taken at the same moment', async () => {
    const leases = Array.from({ length: 100 }, () => lease());
    await vi.advanceTimersByTimeAsync(EVERY + 1);
    const firsts = leases.map((l) => l.renewals[0]!);
    expect(firsts.every((t) => t >= EVERY / 2 && t <= EVERY)).toBe(true);
    // Taken together, the old lease renewed all at once (one instant); these cover most of their half interval.
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(EVERY / 4);
    expect(new Set(firsts).size).toBeGreaterThan(50);
    for (const l of leases) l.lease.end();
  });

  it('never renews once ended, before or after its first renewal', async () => {
    const before = lease(() => 0.5);
    before.lease.end();
    const after = lease(() => 0);
    await vi.advanceTimersByTimeAsync(EVERY);
    after.lease.end();
    await vi.advanceTimersByTimeAsync(EVERY * 4);
    expect(before.renewals).toEqual([]);
    expect(after.renewals).toEqual([EVERY / 2]);
  });

  it('aborts the burn at a renewal that finds the run cancelled', async () => {
    let status: RunStatus = 'running';
    const l = lease(() => 0, () => status);
    await vi.advanceTimersByTimeAsync(EVERY / 2 + 1);
    expect(l.lease.signal.aborted).toBe(false);
    status = 'cancelled';
    await vi.advanceTimersByTimeAsync(EVERY);
    expect(l.lease.signal.aborted).toBe(true);
    l.lease.end();
  });
});

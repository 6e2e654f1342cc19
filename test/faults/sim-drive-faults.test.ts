/**
 * Faults of the drives themselves, on simulated drives (`tower start`): a
 * drive vanishing mid-burn, write errors, verify mismatches. Each run ends
 * with exactly N verified discs, the faulty attempts failed with their
 * typed error and never counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, expectExactlyN, startWholeTower } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

async function runWithFaults(agentId: string, faults: Record<string, Record<string, unknown>>, copies: number) {
  const { api } = await startWholeTower(cleanups, {
    id: agentId,
    quarantineAfter: 2,
    simulated: { count: 3, media: 'CD-R', timeScale: 0.03, autoLoader: true, faults },
  });
  const [image] = await api.images();
  const created = await api.createRun({ imageId: image?.id, copies, verify: 'all', maxAttemptsPerCopy: 3 });
  return { api, ...(await expectExactlyN(api, created.id, copies)) };
}

describe('fault: drive faults on simulated drives', () => {
  it('a drive vanishing mid-burn: DRIVE_GONE attempt, the drive offline, exactly N on the others', { timeout: 90_000 }, async () => {
    const { api, history } = await runWithFaults('fault-gone', { 0: { goneAt: 30 } }, 5);
    const gone = history.filter((a) => a.error?.code === 'DRIVE_GONE');
    expect(gone.length).toBeGreaterThanOrEqual(1);
    expect(gone.every((a) => a.driveId === 'sim:0' && a.outcome !== 'passed' && !a.counted)).toBe(true);
    // Nothing counted on the vanished drive after it vanished.
    const goneAt = Math.min(...gone.map((a) => a.startedAt));
    expect(history.filter((a) => a.driveId === 'sim:0' && a.counted && a.startedAt > goneAt)).toEqual([]);
    const drive = await api.get<{ state: string }>('/api/drives/sim:0');
    expect(drive.state).toBe('offline');
  });

  it('write errors on two drives: WRITE_ERROR attempts failed, retried, exactly N', { timeout: 90_000 }, async () => {
    const { history } = await runWithFaults('fault-write', { 0: { writeErrorAt: 40 }, 1: { writeErrorAt: 70, sticky: true } }, 6);
    const failed = history.filter((a) => a.outcome === 'failed');
    expect(failed.filter((a) => a.error?.code === 'WRITE_ERROR').length).toBeGreaterThanOrEqual(2);
    expect(failed.every((a) => a.verifyResult === 'not-reached')).toBe(true);
    // Every slot whose attempt failed was burned again and passed.
    for (const f of failed) expect(history.some((b) => b.copy === f.copy && b.counted)).toBe(true);
  });

  it('verify mismatches: a bad sector is caught by verify, never counted, exactly N', { timeout: 90_000 }, async () => {
    const { history } = await runWithFaults('fault-verify', { 2: { mismatchSector: 100, sticky: true } }, 6);
    const mismatched = history.filter((a) => a.error?.code === 'VERIFY_MISMATCH');
    expect(mismatched.length).toBeGreaterThanOrEqual(1);
    expect(mismatched.every((a) => a.driveId === 'sim:2' && a.outcome === 'failed' && a.verifyResult === 'failed' && !a.counted)).toBe(true);
    expect(history.filter((a) => a.driveId === 'sim:2' && a.outcome === 'passed')).toEqual([]);
  });
});

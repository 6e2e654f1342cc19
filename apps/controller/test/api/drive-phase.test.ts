/**
 * The words and figures a drive view gives for each phase of a copy: a
 * drive closing its disc reads "Closing disc" with no "100% 0×", a
 * preparing drive has no "0×", a verifying drive keeps its read speed.
 */
import type { DriveStatus } from '@tower/jobs';
import { describe, expect, it } from 'vitest';
import { PHASE_WORDS, phaseFields } from '../../src/api/views/drive-phase.js';

const status = (over: Partial<DriveStatus>): DriveStatus => ({ driveId: 'sim:0', agentId: 'a', state: 'burning', updatedAt: 0, ...over });

describe('the phase of a drive, in words and figures', () => {
  it('has a word for every phase', () => {
    expect(PHASE_WORDS).toEqual({ preparing: 'Preparing', writing: 'Writing', fixating: 'Closing disc', verifying: 'Verifying' });
  });

  it('says Preparing with the time in the phase and no speed (not "0% 0×")', () => {
    const f = phaseFields('burning', status({ phase: 'preparing', phaseSeconds: 4, speedX: 0, speedMBps: 0 }));
    expect(f).toEqual({ phase: 'preparing', activity: 'Preparing', phaseSeconds: 4, percent: null, speedX: null, speedMBps: null, etaSeconds: null });
  });

  it('says Closing disc with no speed (not "100% 0×"), and the ETA once the drive knows how long closing takes', () => {
    expect(phaseFields('burning', status({ phase: 'fixating', phaseSeconds: 3, percent: 30, etaSeconds: 7, speedX: 0, speedMBps: 0 }))).toEqual({
      phase: 'fixating', activity: 'Closing disc', phaseSeconds: 3, percent: 30, speedX: null, speedMBps: null, etaSeconds: 7,
    });
  });

  it('gives a writing drive its speed, percent and ETA', () => {
    expect(phaseFields('burning', status({ phase: 'writing', phaseSeconds: 12, percent: 41.5, speedX: 24, speedMBps: 3.69, etaSeconds: 20.5 }))).toMatchObject({
      phase: 'writing', activity: 'Writing', percent: 41.5, speedX: 24, speedMBps: 3.69, etaSeconds: 20.5,
    });
  });

  it('gives a verifying drive its read speed, also from an agent that did not say the phase', () => {
    expect(phaseFields('verifying', status({ state: 'verifying', phase: 'verifying', percent: 50, speedX: 31.2, speedMBps: 4.79, etaSeconds: 9 })))
      .toMatchObject({ phase: 'verifying', activity: 'Verifying', speedX: 31.2, speedMBps: 4.79, etaSeconds: 9 });
    expect(phaseFields('verifying', status({ state: 'verifying', percent: 50, speedMBps: 4.79 }))).toMatchObject({ activity: 'Verifying', speedMBps: 4.79 });
  });

  it('gives no phase to a drive that is not burning or verifying', () => {
    for (const state of ['done', 'failed', 'blank', 'offline'] as const) {
      expect(phaseFields(state, status({ state, phase: 'fixating', percent: 100 }))).toMatchObject({ phase: null, activity: null, percent: null, speedX: null });
    }
  });
});

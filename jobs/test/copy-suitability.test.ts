/**
 * The one rule of which drive can take a copy (copy-suitability.ts), and how
 * routing and hand-off apply it: a drive that cannot take a copy passes it
 * on, and is handed none.
 */
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { CopyRouting } from '../src/copy-routing.js';
import type { RoutingFacts } from '../src/copy-routing.js';
import { isMediaRefusal, whyDriveCannotTake } from '../src/copy-suitability.js';
import { attemptEndToFields } from '../src/run-records.js';
import { WaitingDrives } from '../src/waiting-drives.js';

const DATA_ONLY = { classes: ['cd'], cueTrackModes: ['MODE1/2048'] } as const;
const audio = { runId: 'r1', copy: 1, jobId: 'r1/1', attemptsMade: 0, imageFormat: 'cue', trackModes: ['AUDIO'] } as const;
/** Facts that fail the test when read: routing by capability reads nothing. */
const noReads: RoutingFacts = {
  lastFailedDrive: () => Promise.reject(new Error('read the last failed drive')),
  drives: () => Promise.reject(new Error('read the drive states')),
};

describe('whyDriveCannotTake', () => {
  it('names the CUE track modes a drive does not burn, and the class it takes no copies of', () => {
    expect(whyDriveCannotTake(DATA_ONLY, { format: 'cue', trackModes: ['AUDIO', 'MODE1/2048', 'AUDIO'] })).toBe('it cannot burn AUDIO CUE tracks (it burns MODE1/2048)');
    expect(whyDriveCannotTake(DATA_ONLY, { mediaClass: 'dvd' })).toBe('it takes no dvd copies');
  });

  it('lets a drive take what it burns, and what nothing says it cannot', () => {
    expect(whyDriveCannotTake(DATA_ONLY, { mediaClass: 'cd', format: 'cue', trackModes: ['MODE1/2048'] })).toBeNull();
    expect(whyDriveCannotTake(DATA_ONLY, { format: 'iso' })).toBeNull();
    // The job does not say its tracks, or the drive does not say what it burns: no check.
    expect(whyDriveCannotTake(DATA_ONLY, { format: 'cue' })).toBeNull();
    expect(whyDriveCannotTake({}, { mediaClass: 'bd', format: 'cue', trackModes: ['AUDIO'] })).toBeNull();
  });

  it('calls WRONG_MEDIA, MEDIA_TOO_SMALL and CD_TEXT_NOT_DECLARED refusals, nothing else; the attempt record marks them for the drive counts', () => {
    expect(isMediaRefusal({ code: 'WRONG_MEDIA' })).toBe(true);
    expect(isMediaRefusal({ code: 'MEDIA_TOO_SMALL' })).toBe(true);
    // A TOC with CD-TEXT on a drive not declared to write it: refused before writing, another drive takes the copy.
    expect(isMediaRefusal({ code: 'CD_TEXT_NOT_DECLARED' })).toBe(true);
    expect(isMediaRefusal({ code: 'WRITE_ERROR' })).toBe(false);
    expect(isMediaRefusal(undefined)).toBe(false);
    const error = { code: 'WRONG_MEDIA', message: 'no audio here', retryable: true, driveFault: false, needsOperator: true };
    expect(attemptEndToFields({ outcome: 'failed', endedAt: 1, error })).toContain('refusal');
    expect(attemptEndToFields({ outcome: 'failed', endedAt: 1, error: { ...error, code: 'CD_TEXT_NOT_DECLARED', needsOperator: false } })).toContain('refusal');
    expect(attemptEndToFields({ outcome: 'failed', endedAt: 1, error: { ...error, code: 'WRITE_ERROR', driveFault: true } })).not.toContain('refusal');
  });
});

describe('routing a copy the drive cannot take', () => {
  const delays = { putBackDelayMs: 2000, sameDriveRetryDelayMs: 5000 };

  it('passes it on at once, to any drive, reading nothing; burns what the drive can take', async () => {
    const routing = new CopyRouting('stdio-1', delays, DATA_ONLY);
    const route = await routing.route(audio, noReads);
    expect(route).toMatchObject({ kind: 'elsewhere', why: 'unsuitable', putBackDelayMs: 50, callDrives: null });
    if (route.kind === 'elsewhere') expect([route.handOffTo('sim:1'), route.handOffTo('stdio-1')]).toEqual([true, false]);
    const data = { ...audio, trackModes: ['MODE1/2048'] };
    const facts: RoutingFacts = { lastFailedDrive: async () => null, drives: async () => [] };
    expect(await routing.route(data, facts)).toEqual({ kind: 'burn' });
  });

  it('after a refusal of one of a run\'s copies, passes on every copy of that run, and only of that run', async () => {
    const routing = new CopyRouting('sim:0', delays);
    const facts: RoutingFacts = { lastFailedDrive: async () => null, drives: async () => [] };
    const iso = { runId: 'r2', copy: 1, jobId: 'r2/1', attemptsMade: 0, imageFormat: 'iso' } as const;
    expect(await routing.route(iso, facts)).toEqual({ kind: 'burn' });
    routing.refused('r2');
    expect(await routing.route({ ...iso, copy: 2, jobId: 'r2/2' }, noReads)).toMatchObject({ kind: 'elsewhere', why: 'unsuitable' });
    expect(routing.takes({ runId: 'r2' })).toBe(false);
    expect(routing.takes({ runId: 'r3' })).toBe(true);
  });
});

describe('hand-off to waiting drives', () => {
  const job = (trackModes: string[]): Job => ({ id: 'j', data: { trackModes } }) as unknown as Job;
  const burnsAudio = (j: Job): boolean => !(j.data as { trackModes: string[] }).trackModes.includes('AUDIO');

  it('offers a job only to a waiting drive that can take it; the other keeps waiting', () => {
    const w = new WaitingDrives();
    const got: string[] = [];
    w.wait('cd', 'stdio-1', () => (got.push('stdio-1'), true), burnsAudio);
    w.wait('cd', 'sim:1', () => (got.push('sim:1'), true));
    expect(w.handOff('cd', job(['AUDIO']), 't', () => true)).toBe('sim:1');
    expect(got).toEqual(['sim:1']);
    expect(w.waiting('cd')).toEqual(['stdio-1']);
    expect(w.handOff('cd', job(['AUDIO']), 't', () => true)).toBeNull();
    expect(w.handOff('cd', job(['MODE1/2048']), 't', () => true)).toBe('stdio-1');
  });
});

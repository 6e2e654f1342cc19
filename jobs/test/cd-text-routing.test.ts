/**
 * Copies whose TOC file carries CD-TEXT (`RunImage.cdText`) are offered only
 * to drives that declare CD-TEXT writing (issue 14): the pure rule
 * (copy-suitability.ts), the routing and hand-off that apply it
 * (copy-routing.ts, waiting-drives.ts), the flag from the request into the
 * stored run and each copy job, and the drive's declaration as its status
 * publishes it. No Redis.
 */
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { CopyRouting, routedCopyOf } from '../src/copy-routing.js';
import type { RoutingFacts } from '../src/copy-routing.js';
import { whyDriveCannotTake } from '../src/copy-suitability.js';
import { toDriveStatus } from '../src/drive-status.js';
import type { CopyJob } from '../src/job-types.js';
import { RunValidationError, slotJob, validateRun } from '../src/run-request.js';
import { runFromHash, runToHash } from '../src/run-records.js';
import { WaitingDrives } from '../src/waiting-drives.js';

const cue = { path: '/lib/album.cue', sha256: 'c'.repeat(64), sizeBytes: 300 * 2352, sectors: 300, format: 'cue' as const, trackModes: ['AUDIO'] };
const withText = { ...cue, tocPath: '/lib/album.toc', cdText: true as const };
const delays = { putBackDelayMs: 2000, sameDriveRetryDelayMs: 5000 };
/** Facts that fail the test when read: routing by capability reads nothing. */
const noReads: RoutingFacts = {
  lastFailedDrive: () => Promise.reject(new Error('read the last failed drive')),
  drives: () => Promise.reject(new Error('read the drive states')),
};
const quiet: RoutingFacts = { lastFailedDrive: async () => null, drives: async () => [] };
const jobWith = (image: CopyJob['image'], runId = 'r1'): Job =>
  ({ id: `${runId}/1`, attemptsMade: 0, data: { runId, copy: 1, image, verify: { mode: 'off' } } }) as unknown as Job;

describe('the CD-TEXT rule (whyDriveCannotTake)', () => {
  it('keeps a copy with CD-TEXT from a drive declared not to write it, saying what to set', () => {
    expect(whyDriveCannotTake({ writesCdText: false }, { format: 'cue', cdText: true })).toBe('it is not declared to write CD-TEXT ("cdText": true in tower.json)');
    // Track modes are named first when both fail.
    expect(whyDriveCannotTake({ writesCdText: false, cueTrackModes: ['MODE1/2048'] }, { format: 'cue', trackModes: ['AUDIO'], cdText: true })).toMatch(/AUDIO CUE tracks/);
  });

  it('lets a declared drive, a drive that burns no TOC (not said), and any copy without CD-TEXT through', () => {
    expect(whyDriveCannotTake({ writesCdText: true }, { format: 'cue', cdText: true })).toBeNull();
    expect(whyDriveCannotTake({}, { format: 'cue', cdText: true })).toBeNull();
    expect(whyDriveCannotTake({ writesCdText: false }, { format: 'cue', trackModes: ['AUDIO'] })).toBeNull();
    expect(whyDriveCannotTake({ writesCdText: false }, { format: 'cue', cdText: false })).toBeNull();
  });
});

describe('routing a copy with CD-TEXT', () => {
  it('an undeclared drive passes it on at once, reading nothing; a declared drive burns it', async () => {
    const copy = routedCopyOf(jobWith(withText) as Job<CopyJob>);
    expect(copy).toMatchObject({ cdText: true, imageFormat: 'cue', trackModes: ['AUDIO'] });
    const undeclared = new CopyRouting('/dev/sr0', delays, { classes: ['cd'], writesCdText: false });
    expect(await undeclared.route(copy, noReads)).toMatchObject({ kind: 'elsewhere', why: 'unsuitable', putBackDelayMs: 50, callDrives: null });
    const declared = new CopyRouting('/dev/sr1', delays, { classes: ['cd'], writesCdText: true });
    expect(await declared.route(copy, quiet)).toEqual({ kind: 'burn' });
    // The same image without CD-TEXT goes to the undeclared drive as before.
    const { cdText: _t, ...plain } = withText;
    expect(routedCopyOf(jobWith(plain) as Job<CopyJob>)).not.toHaveProperty('cdText');
    expect(await undeclared.route(routedCopyOf(jobWith(plain) as Job<CopyJob>), quiet)).toEqual({ kind: 'burn' });
  });

  it('hands a waiting copy with CD-TEXT only to the declared drive of the agent', () => {
    const undeclared = new CopyRouting('/dev/sr0', delays, { writesCdText: false });
    const declared = new CopyRouting('/dev/sr1', delays, { writesCdText: true });
    const w = new WaitingDrives();
    const got: string[] = [];
    w.wait('cd', '/dev/sr0', () => (got.push('/dev/sr0'), true), (j) => undeclared.takes(routedCopyOf(j as Job<CopyJob>)));
    w.wait('cd', '/dev/sr1', () => (got.push('/dev/sr1'), true), (j) => declared.takes(routedCopyOf(j as Job<CopyJob>)));
    expect(w.handOff('cd', jobWith(withText), 't', () => true)).toBe('/dev/sr1');
    expect(w.handOff('cd', jobWith(withText, 'r2'), 't', () => true)).toBeNull();
    expect(got).toEqual(['/dev/sr1']);
    expect(w.waiting('cd')).toEqual(['/dev/sr0']);
  });
});

describe('the run image\'s cdText flag', () => {
  it('goes from the request into the stored run and each copy job', () => {
    const { run } = validateRun({ image: withText, copies: 2 });
    expect(run.image.cdText).toBe(true);
    const stored = runFromHash(runToHash(run, 1));
    expect(stored?.image.cdText).toBe(true);
    expect(slotJob(stored!, 2, 0).image.cdText).toBe(true);
    expect(runFromHash(runToHash(validateRun({ image: cue, copies: 1 }).run, 1))?.image).not.toHaveProperty('cdText');
  });

  it('is refused without a TOC file, or as anything but true', () => {
    const refused = (image: object): unknown => {
      try {
        validateRun({ image: image as typeof cue, copies: 1 });
        return null;
      } catch (err) {
        return err;
      }
    };
    for (const image of [{ ...cue, cdText: true }, { ...withText, cdText: 'yes' }, { ...withText, cdText: false }]) {
      const err = refused(image);
      expect(err).toBeInstanceOf(RunValidationError);
      expect(err).toMatchObject({ field: 'image.cdText' });
    }
  });
});

describe('a drive status\'s writesCdText', () => {
  it('is kept as published, and a status with another type is no status', () => {
    expect(toDriveStatus({ driveId: '/dev/sr1', state: 'blank', writesCdText: true })?.writesCdText).toBe(true);
    expect(toDriveStatus({ driveId: '/dev/sr0', state: 'blank', writesCdText: false })?.writesCdText).toBe(false);
    expect(toDriveStatus({ driveId: 'sim:0', state: 'blank' })).not.toHaveProperty('writesCdText');
    expect(toDriveStatus({ driveId: '/dev/sr0', state: 'blank', writesCdText: 'yes' })).toBeNull();
  });
});

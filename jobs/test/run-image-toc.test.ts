/**
 * A CUE run image's TOC file (`tocPath`): validated with the run, kept in
 * the stored run, carried in every copy job (the drive burns from it).
 */
import { describe, expect, it } from 'vitest';
import { RunValidationError, slotJob, validateRun } from '../src/run-request.js';
import { runFromHash, runToHash } from '../src/run-records.js';

const cue = { path: '/lib/img.cue', sha256: 'b'.repeat(64), sizeBytes: 1500 * 2352, sectors: 1500, format: 'cue' as const, trackModes: ['AUDIO', 'AUDIO'] };

describe('run image tocPath', () => {
  it('goes from the request into the stored run and each copy job', () => {
    const { run } = validateRun({ image: { ...cue, tocPath: '/lib/img.toc' }, copies: 2 });
    expect(run.image.tocPath).toBe('/lib/img.toc');
    const stored = runFromHash(runToHash(run, 1));
    expect(stored?.image.tocPath).toBe('/lib/img.toc');
    expect(slotJob(stored!, 2, 0).image.tocPath).toBe('/lib/img.toc');
  });

  it('is absent without one, and refused on an ISO, relative or not a .toc', () => {
    const { run } = validateRun({ image: cue, copies: 1 });
    expect(run.image).not.toHaveProperty('tocPath');
    expect(runFromHash(runToHash(run, 1))?.image).not.toHaveProperty('tocPath');
    for (const image of [
      { path: '/lib/a.iso', sha256: 'a'.repeat(64), sizeBytes: 1 << 20, tocPath: '/lib/a.toc' },
      { ...cue, tocPath: 'img.toc' },
      { ...cue, tocPath: '/lib/img.cue' },
    ]) {
      expect(() => validateRun({ image, copies: 1 })).toThrow(RunValidationError);
    }
  });
});

/**
 * Drives declare the CUE track modes they burn (`DriveFeatures.cueTrackModes`),
 * so a scheduler never offers them a sheet they cannot write: a `stdio:`
 * pseudo drive burns MODE1/2048 only (cdrskin writes no audio there), and a
 * simulated drive can play one. A drive that is given such a sheet anyway
 * refuses it before writing, with WrongMediaError (no drive fault).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BurnImage } from '../../src/drive-contract.js';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { WrongMediaError } from '../../src/errors.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import { makeTempDir } from '../support/test-images.js';

const tmp = makeTempDir('cue-modes-');
const drives: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

/** A one-track CUE sheet of `mode` over a BIN of `frames` frames. */
function cueImage(name: string, mode: 'AUDIO' | 'MODE1/2048', frames: number): BurnImage {
  const frameBytes = mode === 'AUDIO' ? 2352 : 2048;
  writeFileSync(path.join(tmp.dir, `${name}.bin`), Buffer.alloc(frames * frameBytes, 7));
  const sheet = path.join(tmp.dir, `${name}.cue`);
  writeFileSync(sheet, `FILE "${name}.bin" BINARY\n  TRACK 01 ${mode}\n    INDEX 01 00:00:00\n`);
  return { format: 'cue', path: sheet, sizeBytes: frames * frameBytes, sectors: frames };
}

function sim(cueTrackModes?: readonly string[]): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.0005, progressIntervalMs: 2, media: 'CD-R', ...(cueTrackModes === undefined ? {} : { cueTrackModes }) });
  drives.push(d);
  return d;
}

describe('CUE track modes a drive burns', () => {
  it('a stdio: pseudo drive declares MODE1/2048 only; a real drive declares no limit (and, undeclared, no CD-TEXT)', () => {
    expect(new CdrecordDrive({ address: `stdio:${path.join(tmp.dir, 'target.iso')}` }).features).toEqual({
      autoLoader: false, watchesMedia: false, cueTrackModes: ['MODE1/2048'],
    });
    expect(new CdrecordDrive({ address: '/dev/sr9' }).features).toEqual({ autoLoader: false, watchesMedia: true, writesCdText: false });
  });

  it('a simulated drive given MODE1/2048 only declares it, refuses an audio sheet before writing, and burns a data sheet', async () => {
    const d = sim(['MODE1/2048']);
    expect(d.features.cueTrackModes).toEqual(['MODE1/2048']);
    const refused = await d.burn(cueImage('audio', 'AUDIO', 300), {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WrongMediaError);
    expect(refused).toMatchObject({ code: 'WRONG_MEDIA', driveFault: false });
    expect((refused as Error).message).toContain('AUDIO');
    // Nothing was written: the disc is still blank.
    expect(await d.media()).toMatchObject({ status: 'blank', usedSectors: 0 });
    await d.burn(cueImage('data', 'MODE1/2048', 300), {});
    expect((await d.media()).status).toBe('complete');
  });

  it('a simulated drive without a limit declares none and burns an audio sheet', async () => {
    const d = sim();
    expect(d.features.cueTrackModes).toBeUndefined();
    await d.burn(cueImage('audio2', 'AUDIO', 300), {});
    expect((await d.media()).status).toBe('complete');
  });
});

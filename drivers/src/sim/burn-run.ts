/**
 * One simulated burn after the checks have passed: the preparing (lead-in,
 * OPC), writing (CAV ramp) and fixating phases in scaled time, progress
 * reports, injected write faults, and what ends up on the disc.
 */
import type { BurnImage, BurnOptions, BurnProgress, BurnResult } from '../drive-contract.js';
import { DriveGoneError, WriteError } from '../errors.js';
import { ONE_X_BYTES_PER_SECOND, SECTOR_BYTES } from '../media.js';
import type { MediaClass } from '../media.js';
import type { ScaledClock } from './scaled-clock.js';
import type { DiscContent, SimDisc } from './sim-disc.js';
import { SPEED_PROFILES, speedMBps, writeDurationMs, writeSectorAt, writeSpeedX } from './speed-model.js';
import type { WriteSpeedOptions } from './speed-model.js';

/** Everything a burn needs, decided by the drive before it starts. */
export interface BurnRun {
  readonly device: string;
  readonly disc: SimDisc;
  readonly mediaClass: MediaClass;
  readonly image: BurnImage;
  readonly options: BurnOptions;
  /** Speed cap (request and media rating) and slow-drive factor. */
  readonly speed: WriteSpeedOptions;
  readonly clock: ScaledClock;
  /** Aborts the burn; its reason is what the burn rejects with. */
  readonly signal: AbortSignal;
  /** Wall milliseconds between progress reports. */
  readonly progressIntervalMs: number;
  readonly random: () => number;
  /** Percent of the data at which a WriteError is injected. */
  readonly writeErrorAt?: number | undefined;
  /** Percent of the data at which the drive disappears. */
  readonly goneAt?: number | undefined;
  /** Disc sector recorded wrong on a good burn. */
  readonly flipSector?: number | undefined;
  readonly report: (progress: BurnProgress) => void;
}

/** Run the burn; the disc is updated in place (recorded, or a coaster on failure). */
export async function runBurn(run: BurnRun): Promise<BurnResult> {
  const { disc, image, clock, mediaClass } = run;
  const dummy = run.options.dummy === true;
  const prof = SPEED_PROFILES[mediaClass];
  const startSector = disc.status === 'appendable' ? disc.usedSectors : 0;
  const endSector = startSector + image.sectors;
  const writeMs = writeDurationMs(mediaClass, startSector, endSector, disc.capacitySectors, run.speed);
  let minBuffer = 100;
  let bytesWritten = 0;
  let writing = false;

  const progress = (phase: BurnProgress['phase'], speedX: number): void => {
    const bufferPercent = phase === 'writing' ? Math.round(90 + run.random() * 10) : 100;
    minBuffer = Math.min(minBuffer, bufferPercent);
    run.report({
      phase,
      bytesWritten,
      bytesTotal: image.sizeBytes,
      speedX: round2(speedX),
      speedMBps: round2(speedMBps(mediaClass, speedX)),
      fifoPercent: Math.round(98 + run.random() * 2),
      bufferPercent,
      track: 1,
    });
  };
  // Model time (ms into the write phase) at which a fault set at `percent` of the data strikes.
  const faultMs = (percent: number | undefined): number =>
    percent === undefined
      ? Infinity
      : writeDurationMs(mediaClass, startSector, startSector + (image.sectors * percent) / 100, disc.capacitySectors, run.speed);

  try {
    progress('preparing', 0);
    if (run.goneAt === 0) throw new DriveGoneError('drive disappeared while preparing the burn', { device: run.device });
    await phase(run, prof.leadInMs, () => progress('preparing', 0));

    writing = true;
    const goneMs = faultMs(run.goneAt);
    const errorMs = faultMs(run.writeErrorAt);
    const stopMs = Math.min(writeMs, goneMs, errorMs);
    const t0 = clock.now();
    for (;;) {
      const elapsed = Math.min(stopMs, clock.modelSince(t0));
      const sector = writeSectorAt(mediaClass, elapsed, startSector, endSector, disc.capacitySectors, run.speed);
      bytesWritten = sector >= endSector ? image.sizeBytes : Math.min(image.sizeBytes, Math.floor(sector - startSector) * SECTOR_BYTES);
      progress('writing', writeSpeedX(mediaClass, sector / disc.capacitySectors, run.speed));
      if (elapsed >= stopMs) break;
      await clock.sleepWall(Math.min(run.progressIntervalMs, clock.wallMs(stopMs - elapsed)), run.signal);
    }
    if (stopMs === goneMs && goneMs < Infinity) {
      throw new DriveGoneError(`drive disappeared at ${bytesWritten} bytes`, { device: run.device });
    }
    if (stopMs === errorMs && errorMs < Infinity) {
      throw new WriteError(`write error at ${bytesWritten} bytes (sector ${startSector + Math.floor(bytesWritten / SECTOR_BYTES)})`,
        bytesWritten, { device: run.device });
    }

    progress('fixating', 0);
    await phase(run, prof.fixateMs, () => progress('fixating', 0));

    if (!dummy) {
      disc.status = 'complete';
      disc.usedSectors = endSector;
      disc.content = contentOf(image, startSector, image.sizeBytes, run.flipSector);
    }
    return {
      bytesWritten: image.sizeBytes,
      // The model's duration, not the wall clock's: timer jitter would be magnified by 1/timeScale.
      durationMs: Math.round(prof.leadInMs + writeMs + prof.fixateMs),
      averageSpeedX: round2(writeMs > 0 ? image.sizeBytes / (writeMs / 1000) / ONE_X_BYTES_PER_SECOND[mediaClass] : 0),
      minBufferPercent: minBuffer,
      dummy,
      // A simulated drive takes every mode; CUE images are written SAO, as on a real drive.
      writeMode: image.format === 'cue' ? 'sao' : (run.options.mode ?? 'sao'),
    };
  } catch (err) {
    // Once data went to the disc, any interruption leaves a coaster: closed, garbage after the last good byte.
    if (writing && !dummy) {
      disc.status = 'complete';
      disc.usedSectors = endSector;
      disc.content = { ...contentOf(image, startSector, bytesWritten, undefined, false), damagedFromByte: startSector * SECTOR_BYTES + bytesWritten };
    }
    throw err;
  }
}

/** Wait out a fixed phase in ticks of the progress interval, reporting each tick. */
async function phase(run: BurnRun, modelMs: number, tick: () => void): Promise<void> {
  const t0 = run.clock.now();
  for (;;) {
    const left = modelMs - run.clock.modelSince(t0);
    if (left <= 0) return;
    await run.clock.sleepWall(Math.min(run.progressIntervalMs, run.clock.wallMs(left)), run.signal);
    if (run.clock.modelSince(t0) < modelMs) tick();
  }
}

/** What a burn leaves on the disc; a CUE image only when it was `complete` (its coaster reads as zeros). */
function contentOf(image: BurnImage, startSector: number, recordedBytes: number, flipSector: number | undefined, complete = true): DiscContent {
  return {
    format: image.format,
    path: image.format === 'iso' || complete ? image.path : null,
    startSector,
    recordedBytes,
    ...(flipSector === undefined ? {} : { flippedSector: flipSector }),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

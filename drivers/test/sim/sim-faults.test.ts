import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  DriveGoneError, MediaTooSmallError, NoMediaError, WriteError, WrongMediaError,
} from '../../src/errors.js';
import { FaultPlan, seededRandom } from '../../src/sim/sim-faults.js';
import type { FaultKind } from '../../src/sim/sim-faults.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import type { SimulatedDriveOptions } from '../../src/sim/simulated-drive.js';
import { makeTempDir } from '../support/test-images.js';
import { firstDifference, randomImage, readAll, sparseImage, streamError } from './sim-helpers.js';

const tmp = makeTempDir('sim-faults-');
const drives: SimulatedDrive[] = [];
const { image, data } = randomImage(tmp.dir, 2 * 1024 * 1024 + 1000);
const padded = image.sectors * 2048;

function drive(options: SimulatedDriveOptions = {}): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.001, progressIntervalMs: 2, media: 'DVD-R', ...options });
  drives.push(d);
  return d;
}

afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

describe('FaultPlan', () => {
  it('fires one-shot faults once and sticky faults every time', () => {
    const plan = new FaultPlan({ writeError: { atPercent: 10 }, noMedia: { sticky: true } });
    expect(plan.take('writeError')).toEqual({ atPercent: 10 });
    expect(plan.take('writeError')).toBeUndefined();
    expect(plan.take('noMedia')).toBeDefined();
    expect(plan.take('noMedia')).toBeDefined();
    expect(plan.take('driveGone')).toBeUndefined();
    plan.set({});
    expect(plan.take('noMedia')).toBeUndefined();
  });

  it('draws probabilities from the injected random source, deterministically', () => {
    const pattern = (seed: number): boolean[] => {
      const plan = new FaultPlan({ writeError: { atPercent: 50, sticky: true, probability: 0.3 } }, seededRandom(seed));
      return Array.from({ length: 200 }, () => plan.take('writeError') !== undefined);
    };
    const a = pattern(42);
    expect(pattern(42)).toEqual(a);
    expect(pattern(43)).not.toEqual(a);
    const fired = a.filter(Boolean).length;
    expect(fired).toBeGreaterThan(35);
    expect(fired).toBeLessThan(85);
  });

  it('rejects out-of-range settings', () => {
    expect(() => new FaultPlan({ writeError: { atPercent: 101 } })).toThrow(RangeError);
    expect(() => new FaultPlan({ slow: { factor: 0 } })).toThrow(RangeError);
    expect(() => new FaultPlan({ noMedia: { probability: 2 } })).toThrow(RangeError);
    expect(() => new FaultPlan({ verifyMismatch: { sector: -1 } })).toThrow(RangeError);
  });
});

describe('injected faults', () => {
  it('write error: WriteError at the given percent, the disc is a coaster that reads back wrong', async () => {
    const d = drive({ faults: { writeError: { atPercent: 40 } } });
    const kinds: FaultKind[] = [];
    d.on('fault', (f) => kinds.push(f.kind));
    const err = await d.burn(image, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    const at = (err as WriteError).bytesWritten ?? -1;
    expect(at / image.sizeBytes).toBeGreaterThan(0.38);
    expect(at / image.sizeBytes).toBeLessThan(0.41);
    expect(kinds).toEqual(['writeError']);
    expect(await d.media()).toMatchObject({ status: 'complete', usedSectors: image.sectors });
    const back = await readAll(d.read(padded));
    expect(back.length).toBe(padded);
    expect(firstDifference(back, data)).toBe(at);
    // One-shot: a fresh disc burns fine.
    d.insertDisc('DVD-R');
    await expect(d.burn(image, {})).resolves.toMatchObject({ bytesWritten: image.sizeBytes });
  });

  it('sticky write error fails every burn', async () => {
    const d = drive({ faults: { writeError: { atPercent: 0, sticky: true } } });
    await expect(d.burn(image, {})).rejects.toBeInstanceOf(WriteError);
    d.insertDisc('DVD-R');
    await expect(d.burn(image, {})).rejects.toBeInstanceOf(WriteError);
  });

  it('verify mismatch: the burn succeeds but the given sector reads back flipped', async () => {
    const d = drive({ faults: { verifyMismatch: { sector: 3 } } });
    await d.burn(image, {});
    const back = await readAll(d.read(image.sizeBytes));
    expect(firstDifference(back, data)).toBe(3 * 2048);
    expect(back.subarray(4 * 2048).equals(data.subarray(4 * 2048))).toBe(true);
    expect(back.subarray(0, 3 * 2048).equals(data.subarray(0, 3 * 2048))).toBe(true);
  });

  it('verify mismatch at a random sector is seeded and lands inside the image', async () => {
    const sectorFor = async (seed: number): Promise<number> => {
      const d = drive({ seed, faults: { verifyMismatch: {} } });
      await d.burn(image, {});
      const diff = firstDifference(await readAll(d.read(image.sizeBytes)), data);
      expect(diff).toBeGreaterThanOrEqual(0);
      return Math.floor(diff / 2048);
    };
    const a = await sectorFor(5);
    expect(a).toBeLessThan(image.sectors);
    expect(await sectorFor(5)).toBe(a);
  });

  it('drive gone: DriveGoneError mid-burn, then on every call until reconnect', async () => {
    const d = drive({ faults: { driveGone: { atPercent: 50 } } });
    const connection: boolean[] = [];
    d.on('connection', (c) => connection.push(c.connected));
    await expect(d.burn(image, {})).rejects.toBeInstanceOf(DriveGoneError);
    expect(d.connected).toBe(false);
    await expect(d.media()).rejects.toBeInstanceOf(DriveGoneError);
    await expect(d.info()).rejects.toBeInstanceOf(DriveGoneError);
    await expect(d.eject()).rejects.toBeInstanceOf(DriveGoneError);
    await expect(d.load()).rejects.toBeInstanceOf(DriveGoneError);
    await expect(d.blank('fast')).rejects.toBeInstanceOf(DriveGoneError);
    await expect(d.burn(image, {})).rejects.toBeInstanceOf(DriveGoneError);
    expect(await streamError(d.read(2048))).toBeInstanceOf(DriveGoneError);
    d.reconnect();
    // The half-written disc is still there.
    expect(await d.media()).toMatchObject({ status: 'complete' });
    expect(connection).toEqual([false, true]);
  });

  it('drive gone by disconnect() fails a running read', async () => {
    const d = drive({ timeScale: 0.01 });
    const big = sparseImage(tmp.dir, 40 * 1024 * 1024);
    // A disc recorded elsewhere, inserted by the operator.
    d.insertDisc({ type: 'DVD-R', status: 'complete', content: { format: 'iso', path: big.path, recordedBytes: big.sizeBytes } });
    expect(await d.media()).toMatchObject({ status: 'complete', usedSectors: big.sectors });
    const reading = d.read(big.sizeBytes);
    setTimeout(() => d.disconnect(), 10);
    expect(await streamError(reading)).toBeInstanceOf(DriveGoneError);
  });

  it('slow drive: every speed scaled by the factor', async () => {
    const normal = await drive().burn(image, {});
    const slow = await drive({ faults: { slow: { factor: 0.5 } } }).burn(image, {});
    expect(slow.averageSpeedX).toBeCloseTo(normal.averageSpeedX / 2, 1);
    expect(slow.durationMs).toBeGreaterThan(normal.durationMs);
  });

  it('no media: NoMediaError although a disc is in, and media() shows none while armed', async () => {
    const d = drive({ faults: { noMedia: {} } });
    expect((await d.media()).status).toBe('none');
    await expect(d.burn(image, {})).rejects.toBeInstanceOf(NoMediaError);
    expect((await d.media()).status).toBe('blank');
    await expect(d.burn(image, {})).resolves.toBeDefined();
    d.setFaults({ noMedia: { sticky: true } });
    expect(await streamError(d.read(2048))).toBeInstanceOf(NoMediaError);
    await expect(d.blank('fast')).rejects.toBeInstanceOf(NoMediaError);
  });

  it('wrong media: a CD-R in a DVD job is too small, a DVD-ROM is refused', async () => {
    const dvdImage = sparseImage(tmp.dir, 1024 * 1024 * 1024, 'dvd-job.iso');
    const d = drive({ faults: { wrongMedia: { type: 'CD-R' } } });
    await expect(d.burn(dvdImage, {})).rejects.toBeInstanceOf(MediaTooSmallError);
    expect((await d.media()).type).toBe('CD-R');
    d.insertDisc('DVD-R');
    d.setFaults({ wrongMedia: { type: 'DVD-ROM' } });
    await expect(d.burn(image, {})).rejects.toBeInstanceOf(WrongMediaError);
  });

  it('faults can be changed at runtime', async () => {
    const d = drive();
    d.setFaults({ writeError: { atPercent: 10 } });
    expect(d.faults.writeError?.atPercent).toBe(10);
    d.setFaults({});
    await expect(d.burn(image, {})).resolves.toBeDefined();
  });
});

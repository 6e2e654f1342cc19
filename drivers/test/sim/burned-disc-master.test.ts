/**
 * A simulated drive holds what it burned: after a copy is burned, verified
 * and ejected (as a copy job does), the disc waits on the open tray; closing
 * the tray brings it back, and a master read of it (`masterDataDisc`, the
 * drive contract's `read`) gives the image byte for byte. A pressed disc of
 * an image (`pressedDisc`, the demo's "insert disc") masters the same way.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { masterDataDisc } from '../../src/master/master-data.js';
import { pressedDisc } from '../../src/sim/sim-disc.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import { verifyDisc } from '../../src/verify.js';
import { makeTempDir } from '../support/test-images.js';
import { randomImage } from './sim-helpers.js';

const tmp = makeTempDir('sim-burned-master-');
const drives: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function drive(options: ConstructorParameters<typeof SimulatedDrive>[0] = {}): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.001, progressIntervalMs: 2, ...options });
  drives.push(d);
  return d;
}

describe('a simulated drive holds the disc it burned', () => {
  it('keeps a burned, verified and ejected copy on the open tray; closed, it masters byte-identical to the image', async () => {
    const { image, data } = randomImage(tmp.dir, 700 * 2048, 'copy.iso');
    const d = drive({ media: 'DVD-R' });
    await d.burn(image, {});
    await verifyDisc(d, { path: image.path, sizeBytes: image.sizeBytes });
    await d.eject();
    // The tray is open: the drive reads nothing, as a real one.
    expect(await d.media()).toMatchObject({ status: 'none', trayOpen: true });
    await d.load();
    expect(await d.media()).toMatchObject({ status: 'complete', type: 'DVD-R', usedSectors: 700, trayOpen: false });
    const out = path.join(tmp.dir, 'mastered-copy.iso');
    const result = await masterDataDisc(d, out);
    const mastered = readFileSync(out);
    expect(mastered.length).toBe(data.length);
    expect(result.sha256).toBe(sha256(data));
    expect(sha256(mastered)).toBe(sha256(data));
    expect(result.damageMap.ranges).toEqual([]);
  });

  it('gives an ejected copy to its auto-loader instead: the tray closes on the next blank', async () => {
    const { image } = randomImage(tmp.dir, 64 * 2048, 'loader.iso');
    const d = drive({ autoLoader: { media: 'DVD-R', stack: 2, loadDelayMs: 10 } });
    await d.burn(image, {});
    await d.eject();
    await new Promise<void>((resolve) => d.once('media-change', () => resolve()));
    expect(await d.media()).toMatchObject({ status: 'blank', type: 'DVD-R', trayOpen: false });
    expect(d.autoLoader?.bins.unsorted).toBe(1);
  });

  it('masters a pressed disc of an image (the file referenced, not copied) byte-identical, zero-padded to whole sectors', async () => {
    const { image, data } = randomImage(tmp.dir, 300 * 1024 + 100, 'pressed.iso');
    const d = drive();
    d.insertDisc(pressedDisc(image.path, image.sizeBytes, 'dvd'));
    expect(await d.media()).toMatchObject({ status: 'complete', type: 'DVD-ROM', usedSectors: image.sectors });
    expect(d.disc?.content).toEqual({ format: 'iso', path: image.path, recordedBytes: image.sizeBytes });
    const out = path.join(tmp.dir, 'mastered-pressed.iso');
    await masterDataDisc(d, out);
    const mastered = readFileSync(out);
    expect(mastered.length).toBe(image.sectors * 2048);
    expect(mastered.subarray(0, data.length).equals(data)).toBe(true);
    expect(mastered.subarray(data.length).every((b) => b === 0)).toBe(true);
  });

  it('refuses a pressed disc of no bytes', () => {
    expect(() => pressedDisc('/x.iso', 0, 'cd')).toThrow(RangeError);
  });
});

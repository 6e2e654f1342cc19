import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MediaStatus } from '../../src/drive-contract.js';
import { AutoLoader } from '../../src/sim/auto-loader.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import { makeTempDir } from '../support/test-images.js';
import { randomImage } from './sim-helpers.js';

const tmp = makeTempDir('sim-loader-');
const { image } = randomImage(tmp.dir, 64 * 1024);
const drives: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

function nextMedia(d: SimulatedDrive): Promise<MediaStatus> {
  return new Promise((resolve) => d.once('media-change', resolve));
}

describe('AutoLoader', () => {
  it('counts the stack and the bins', () => {
    const loader = new AutoLoader({ media: 'CD-R', stack: 1 });
    expect(loader.takeBlank()).toBe('CD-R');
    expect(loader.takeBlank()).toBeNull();
    expect(loader.empty).toBe(true);
    loader.sortNext('failed');
    loader.takeOut({ type: 'CD-R', capacitySectors: 1, status: 'complete', usedSectors: 1, content: null });
    loader.takeOut({ type: 'CD-R', capacitySectors: 1, status: 'blank', usedSectors: 0, content: null });
    expect(loader.bins).toEqual({ passed: 0, failed: 1, unsorted: 1 });
    loader.refill(2);
    expect(loader.remaining).toBe(2);
    expect(() => new AutoLoader({ media: 'CD-R', stack: -1 })).toThrow(RangeError);
  });

  it('loads a fresh blank after each eject and stops when the stack is empty', async () => {
    const d = new SimulatedDrive({ timeScale: 0.001, autoLoader: { media: 'DVD+R', stack: 2, loadDelayMs: 5_000 } });
    drives.push(d);
    const loader = d.autoLoader;
    if (loader === null) throw new Error('no loader');
    // The first blank is in at start.
    expect(await d.media()).toMatchObject({ status: 'blank', type: 'DVD+R' });
    expect(loader.remaining).toBe(1);

    await d.burn(image, {});
    loader.sortNext('passed');
    const arrived = nextMedia(d).then(() => nextMedia(d));
    await d.eject();
    expect((await d.media()).status).toBe('none');
    const t0 = performance.now();
    expect(await arrived).toMatchObject({ status: 'blank', type: 'DVD+R', trayOpen: false });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3);
    expect(loader.bins).toEqual({ passed: 1, failed: 0, unsorted: 0 });
    expect(loader.remaining).toBe(0);

    await d.burn(image, {});
    loader.sortNext('failed');
    await d.eject();
    await new Promise((r) => setTimeout(r, 30));
    expect(await d.media()).toMatchObject({ status: 'none' });
    expect(loader.bins).toEqual({ passed: 1, failed: 1, unsorted: 0 });
    expect(loader.loaded).toBe(2);

    // Refilled, the next eject brings a blank again.
    loader.refill(1);
    const again = nextMedia(d);
    await d.eject();
    expect(await again).toMatchObject({ status: 'blank' });
  });

  it('runs unattended with an endless stack', async () => {
    const d = new SimulatedDrive({ timeScale: 0.0005, autoLoader: { media: 'CD-R', loadDelayMs: 1_000 } });
    drives.push(d);
    for (let i = 0; i < 5; i++) {
      const blank = (await d.media()).status === 'blank' ? Promise.resolve() : nextMedia(d).then(() => undefined);
      await blank;
      await d.burn(image, { eject: true });
    }
    expect(d.autoLoader?.loaded).toBeGreaterThanOrEqual(5);
    expect(d.autoLoader?.bins.unsorted).toBe(5);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BurnProgress } from '../../src/drive-contract.js';
import {
  CancelledError, DriveBusyError, DriveGoneError, ImageError, MediaTooSmallError, NoMediaError, ReadError, WrongMediaError,
} from '../../src/errors.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import type { SimulatedDriveOptions } from '../../src/sim/simulated-drive.js';
import { makeTempDir } from '../support/test-images.js';
import { randomImage, readAll, sparseImage, streamError } from './sim-helpers.js';

const tmp = makeTempDir('sim-drive-');
const drives: SimulatedDrive[] = [];
const small = (): ReturnType<typeof randomImage> => randomImage(tmp.dir, 300 * 1024 + 100, 'small.iso');
let smallImage: ReturnType<typeof randomImage>;

function drive(options: SimulatedDriveOptions = {}): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.001, progressIntervalMs: 2, ...options });
  drives.push(d);
  return d;
}

beforeAll(() => {
  smallImage = small();
});
afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

describe('SimulatedDrive basics', () => {
  it('describes itself as a sim BD writer', async () => {
    const d = drive({ index: 7 });
    const info = await d.info();
    expect(d.kind).toBe('sim');
    expect(d.address).toBe('sim:7');
    expect(info).toMatchObject({ address: 'sim:7', stableId: 'sim:7', kind: 'sim', vendor: 'TOWER', canTestWrite: true });
    expect(info.model).toContain('BD');
    expect(info.writes).toEqual(expect.arrayContaining(['CD-R', 'CD-RW', 'DVD+R DL', 'DVD-RW', 'BD-R', 'BD-RE']));
    expect(info.writes).not.toContain('CD-ROM');
    expect(info.maxWriteSpeedX).toBe(12);
    d.insertDisc('CD-R');
    expect((await d.info()).maxWriteSpeedX).toBe(48);
  });

  it('reports inserted and removed discs with nominal capacities', async () => {
    const d = drive();
    const changes: string[] = [];
    d.on('media-change', (m) => changes.push(m.status));
    expect((await d.media()).status).toBe('none');
    d.insertDisc('DVD-R');
    expect(await d.media()).toMatchObject({
      status: 'blank', type: 'DVD-R', rewritable: false, capacitySectors: 2_295_104, usedSectors: 0, freeSectors: 2_295_104,
    });
    d.insertDisc('CD-RW');
    expect(await d.media()).toMatchObject({ type: 'CD-RW', rewritable: true, capacitySectors: 359_846 });
    expect(d.removeDisc()?.type).toBe('CD-RW');
    expect(await d.media()).toMatchObject({ status: 'none', trayOpen: true });
    expect(changes).toEqual(['blank', 'blank', 'none']);
  });

  it('opens the tray on eject, the disc left on it; load closes the tray on the disc', async () => {
    const d = drive();
    d.insertDisc('BD-R');
    const tray: boolean[] = [];
    d.on('tray', (t) => tray.push(t.open));
    await d.eject();
    expect(await d.media()).toMatchObject({ status: 'none', trayOpen: true });
    expect(d.disc).toBeNull();
    await d.load();
    expect(await d.media()).toMatchObject({ status: 'blank', type: 'BD-R', trayOpen: false });
    expect(tray).toEqual([true, false]);
  });
});

describe('the contract\'s optional members', () => {
  it('declares its features, reports media changes through watch() until stopped, and disposes', async () => {
    expect(drive({ autoLoader: { media: 'CD-R', stack: 2 } }).features).toEqual({ autoLoader: true, watchesMedia: true });
    const d = drive({ timeScale: 0.001 });
    expect(d.features).toEqual({ autoLoader: false, watchesMedia: true });
    const events: Array<string | null> = [];
    const stop = d.watch((e) => events.push(`${e.kind}:${e.media?.status}`));
    d.insertDisc('CD-R');
    await d.eject();
    expect(events).toEqual(['media-change:blank', 'media-change:none']);
    stop();
    d.insertDisc('CD-R');
    expect(events).toHaveLength(2);
    d.dispose?.();
    expect(d.connected).toBe(false);
  });
});

describe('burn', () => {
  it('emits rising progress through preparing, writing and fixating and records the disc', async () => {
    const d = drive();
    d.insertDisc('CD-R');
    const image = sparseImage(tmp.dir, 150 * 1024 * 1024);
    const seen: BurnProgress[] = [];
    const events: BurnProgress[] = [];
    d.on('progress', (p) => events.push(p));
    const result = await d.burn(image, { onProgress: (p) => seen.push(p) });

    expect(events).toEqual(seen);
    const phases = seen.map((p) => p.phase).filter((p, i, a) => a[i - 1] !== p);
    expect(phases).toEqual(['preparing', 'writing', 'fixating']);
    // Closing the disc is its own phase, as on a real drive: data complete, no speed.
    for (const p of seen.filter((q) => q.phase === 'fixating')) expect(p).toMatchObject({ bytesWritten: image.sizeBytes, speedX: 0 });
    expect(result.writeMode).toBe('sao');
    const writing = seen.filter((p) => p.phase === 'writing');
    expect(new Set(writing.map((p) => p.bytesWritten)).size).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]?.bytesWritten).toBeGreaterThanOrEqual(seen[i - 1]?.bytesWritten ?? 0);
    expect(writing.at(-1)?.bytesWritten).toBe(image.sizeBytes);
    for (const p of writing) {
      expect(p.bytesTotal).toBe(image.sizeBytes);
      expect(p.speedX).toBeGreaterThanOrEqual(20);
      expect(p.speedX).toBeLessThanOrEqual(48);
      expect(p.speedMBps).toBeCloseTo((p.speedX * 153_600) / 1e6, 1);
      expect(p.bufferPercent).toBeGreaterThanOrEqual(90);
      expect(p.bufferPercent).toBeLessThanOrEqual(100);
      expect(p.fifoPercent).toBeGreaterThanOrEqual(98);
    }
    // 150 MB from the inside of a CD stays in the lower part of the ramp.
    expect(writing.at(-1)?.speedX).toBeLessThan(35);
    expect(result.bytesWritten).toBe(image.sizeBytes);
    expect(result.dummy).toBe(false);
    expect(result.averageSpeedX).toBeGreaterThan(20);
    expect(result.averageSpeedX).toBeLessThan(30);
    // Model time: lead-in 6 s + ~40 s of data + fixation 9 s.
    expect(result.durationMs).toBeGreaterThan(40_000);
    expect(result.durationMs).toBeLessThan(80_000);
    expect(result.minBufferPercent).toBeGreaterThanOrEqual(90);
    expect(await d.media()).toMatchObject({ status: 'complete', usedSectors: image.sectors, freeSectors: 0 });
  });

  it('reads back exactly the image, zero padded, from any sector offset', async () => {
    const d = drive();
    d.insertDisc('DVD+R');
    await d.burn(smallImage.image, {});
    const length = smallImage.image.sectors * 2048;
    const back = await readAll(d.read(length));
    expect(back.length).toBe(length);
    expect(back.subarray(0, smallImage.data.length).equals(smallImage.data)).toBe(true);
    expect(back.subarray(smallImage.data.length).every((b) => b === 0)).toBe(true);
    const part = await readAll(d.read(4096 * 3, { offset: 4096 }));
    expect(part.equals(smallImage.data.subarray(4096, 4096 * 4))).toBe(true);
    // Past the recorded data, zeros; past the end of the disc, a ReadError naming the sector.
    const beyond = await readAll(d.read(8192, { offset: length + 2048 }));
    expect(beyond.every((b) => b === 0)).toBe(true);
    const err = await streamError(d.read(4096, { offset: (2_295_104 - 1) * 2048 }));
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).sector).toBe(2_295_104);
  });

  it('paces a read by the read speed model', async () => {
    const d = drive({ timeScale: 0.01 });
    d.insertDisc('CD-R');
    const image = sparseImage(tmp.dir, 60 * 1024 * 1024, 'pace.iso');
    await d.burn(image, {});
    const t0 = performance.now();
    const back = await readAll(d.read(image.sizeBytes));
    const wall = performance.now() - t0;
    expect(back.length).toBe(image.sizeBytes);
    // Spin-up 1.5 s + 60 MiB at ~21-25x ≈ 18 s model → ~180 ms at 0.01.
    expect(wall).toBeGreaterThan(120);
    expect(wall).toBeLessThan(2_000);
  });

  it('leaves the disc blank on a dummy burn', async () => {
    const d = drive();
    d.insertDisc('CD-R');
    const result = await d.burn(smallImage.image, { dummy: true });
    expect(result.dummy).toBe(true);
    expect(await d.media()).toMatchObject({ status: 'blank', usedSectors: 0 });
    expect(await streamError(d.read(2048))).toBeInstanceOf(ReadError);
  });

  it('honours a speed cap', async () => {
    const d = drive();
    d.insertDisc('CD-R');
    const image = sparseImage(tmp.dir, 100 * 1024 * 1024, 'cap.iso');
    const speeds: number[] = [];
    const result = await d.burn(image, { speed: 8, onProgress: (p) => p.phase === 'writing' && speeds.push(p.speedX) });
    expect(speeds.every((x) => x === 8)).toBe(true);
    expect(result.averageSpeedX).toBeCloseTo(8, 1);
  });

  it('ejects after the burn when asked', async () => {
    const d = drive();
    d.insertDisc('BD-R');
    await d.burn(smallImage.image, { eject: true });
    expect(await d.media()).toMatchObject({ status: 'none', trayOpen: true });
  });

  it('refuses like a real drive before writing anything', async () => {
    const d = drive();
    await expect(d.burn(smallImage.image, {})).rejects.toBeInstanceOf(NoMediaError);
    d.insertDisc('CD-ROM');
    await expect(d.burn(smallImage.image, {})).rejects.toBeInstanceOf(WrongMediaError);
    d.insertDisc({ type: 'CD-R', status: 'complete', usedSectors: 1000 });
    await expect(d.burn(smallImage.image, {})).rejects.toBeInstanceOf(WrongMediaError);
    d.insertDisc('DVD-R');
    const cue = { ...smallImage.image, format: 'cue' as const };
    await expect(d.burn(cue, {})).rejects.toBeInstanceOf(WrongMediaError);
    d.insertDisc('CD-R');
    const big = sparseImage(tmp.dir, 1024 * 1024 * 1024, 'big.iso');
    const tooSmall = await d.burn(big, {}).catch((e: unknown) => e);
    expect(tooSmall).toBeInstanceOf(MediaTooSmallError);
    expect(tooSmall).toMatchObject({ neededSectors: big.sectors, availableSectors: 359_846 });
    const missing = { ...smallImage.image, path: `${tmp.dir}/nope.iso` };
    await expect(d.burn(missing, {})).rejects.toBeInstanceOf(ImageError);
    const short = { ...smallImage.image, sizeBytes: smallImage.image.sizeBytes + 4096, sectors: smallImage.image.sectors + 2 };
    await expect(d.burn(short, {})).rejects.toBeInstanceOf(ImageError);
    await expect(d.burn({ ...smallImage.image, path: tmp.dir }, {})).rejects.toBeInstanceOf(ImageError);
    expect(await d.media()).toMatchObject({ status: 'blank', usedSectors: 0 });
    const cdOnly = drive({ writer: 'cd', media: 'DVD-R' });
    await expect(cdOnly.burn(smallImage.image, {})).rejects.toBeInstanceOf(WrongMediaError);
  });

  it('takes a CUE image on CD and overwrites DVD+RW in place', async () => {
    const d = drive();
    d.insertDisc('CD-R');
    await d.burn({ ...smallImage.image, format: 'cue' }, {});
    expect((await d.media()).status).toBe('complete');
    d.insertDisc({ type: 'DVD+RW', status: 'complete', usedSectors: 5000 });
    await d.burn(smallImage.image, {});
    expect(await d.media()).toMatchObject({ status: 'complete', usedSectors: smallImage.image.sectors });
  });

  it('cancels promptly in the lead-in and leaves the disc blank', async () => {
    const d = drive({ timeScale: 1, progressIntervalMs: 250 });
    d.insertDisc('CD-R');
    const image = sparseImage(tmp.dir, 100 * 1024 * 1024, 'cancel.iso');
    const controller = new AbortController();
    let abortedAt = 0;
    const burning = d.burn(image, {}, controller.signal);
    // Abort in the lead-in: nothing written yet, the disc stays blank.
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 30);
    const err = await burning.catch((e: unknown) => e);
    const latency = performance.now() - abortedAt;
    expect(err).toBeInstanceOf(CancelledError);
    // The lead-in lasts 6 s at this time scale: a cancel that waited for it would take that long.
    expect(latency).toBeLessThan(3_000);
    expect((await d.media()).status).toBe('blank');
    expect(d.busy).toBeNull();
  });

  it('cancelled mid-write leaves a partially written coaster', async () => {
    const d = drive({ timeScale: 0.01, progressIntervalMs: 5 });
    d.insertDisc('CD-R');
    const { image, data } = randomImage(tmp.dir, 8 * 1024 * 1024, 'cancel-mid.iso');
    const controller = new AbortController();
    let written = 0;
    const err = await d.burn(image, {
      onProgress: (p) => {
        if (p.phase === 'writing' && p.bytesWritten > 0 && written === 0) {
          written = p.bytesWritten;
          controller.abort();
        }
      },
    }, controller.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    // It stopped, not ran to the end: the disc holds less than the image (checked below, byte for byte), whatever the machine's speed.
    expect(written).toBeLessThan(image.sizeBytes);
    expect(await d.media()).toMatchObject({ status: 'complete', usedSectors: image.sectors });
    const back = await readAll(d.read(image.sizeBytes));
    expect(back.subarray(0, written).equals(data.subarray(0, written))).toBe(true);
    expect(back.equals(data)).toBe(false);
  });

  it('refuses a second operation while one runs', async () => {
    const d = drive({ timeScale: 0.01 });
    d.insertDisc('CD-R');
    const burning = d.burn(smallImage.image, {});
    expect(d.busy).toBe('burn');
    await expect(d.burn(smallImage.image, {})).rejects.toBeInstanceOf(DriveBusyError);
    await expect(d.eject()).rejects.toBeInstanceOf(DriveBusyError);
    expect(() => d.insertDisc('CD-R')).toThrow(DriveBusyError);
    expect(await streamError(d.read(2048))).toBeInstanceOf(DriveBusyError);
    await burning;
    expect(d.busy).toBeNull();
  });

  it('fails a burn with DriveGoneError when disposed and stays gone', async () => {
    const d = drive({ timeScale: 0.01 });
    d.insertDisc('CD-R');
    const burning = d.burn(sparseImage(tmp.dir, 50 * 1024 * 1024, 'dispose.iso'), {});
    setTimeout(() => d.dispose(), 20);
    await expect(burning).rejects.toBeInstanceOf(DriveGoneError);
    await expect(d.media()).rejects.toBeInstanceOf(DriveGoneError);
  });
});

describe('blank', () => {
  it('blanks rewritable media and refuses write-once media', async () => {
    const d = drive();
    d.insertDisc('CD-RW');
    await d.burn(smallImage.image, {});
    expect((await d.media()).status).toBe('complete');
    await expect(d.burn(smallImage.image, {})).rejects.toBeInstanceOf(WrongMediaError);
    await d.blank('fast');
    expect(await d.media()).toMatchObject({ status: 'blank', usedSectors: 0 });
    d.insertDisc('DVD-R');
    await expect(d.blank('fast')).rejects.toBeInstanceOf(WrongMediaError);
    d.removeDisc();
    await expect(d.blank('all')).rejects.toBeInstanceOf(NoMediaError);
  });

  it('takes scaled time and can be cancelled', async () => {
    const d = drive({ timeScale: 0.001 });
    d.insertDisc('CD-RW');
    const t0 = performance.now();
    await d.blank('fast');
    // 30 s model at 0.001 is 30 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    const blanking = d.blank('all', controller.signal);
    controller.abort();
    await expect(blanking).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('a tower of simulated drives', () => {
  it('runs 300 drives burning at once', async () => {
    const tower = Array.from({ length: 300 }, (_, i) => drive({ index: i, media: 'DVD-R', timeScale: 0.0005, progressIntervalMs: 20 }));
    const results = await Promise.all(tower.map((d) => d.burn(smallImage.image, {})));
    expect(results.every((r) => r.bytesWritten === smallImage.image.sizeBytes)).toBe(true);
    const media = await Promise.all(tower.map((d) => d.media()));
    expect(media.every((m) => m.status === 'complete')).toBe(true);
  });
});

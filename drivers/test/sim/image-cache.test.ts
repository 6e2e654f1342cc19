import { appendFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ImageFileCache, simImageCache } from '../../src/sim/image-cache.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import { makeTempDir } from '../support/test-images.js';
import { randomImage, readAll } from './sim-helpers.js';

const tmp = makeTempDir('sim-cache-');
const drives: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

describe('ImageFileCache', () => {
  it('holds a file once, and reads it again when it changes', async () => {
    const cache = new ImageFileCache();
    const { image, data } = randomImage(tmp.dir, 100_000, 'held.iso');
    const [a, b] = await Promise.all([cache.get(image.path), cache.get(image.path)]);
    expect(a?.equals(data)).toBe(true);
    expect(b).toBe(a);
    expect(await cache.get(image.path)).toBe(a);
    expect(cache.totalBytes).toBe(100_000);
    // Same size, new bytes and time: read again.
    writeFileSync(image.path, Buffer.alloc(100_000, 7));
    utimesSync(image.path, new Date(), new Date(Date.now() + 5_000));
    const c = await cache.get(image.path);
    expect(c).not.toBe(a);
    expect(c?.every((x) => x === 7)).toBe(true);
    expect(cache.totalBytes).toBe(100_000);
  });

  it('holds no file over the limit and no more bytes than allowed, the least recently used out first', async () => {
    const cache = new ImageFileCache({ maxFileBytes: 50_000, maxTotalBytes: 100_000 });
    const big = randomImage(tmp.dir, 60_000, 'big.iso');
    expect(await cache.get(big.image.path)).toBeNull();
    const files = [1, 2, 3].map((i) => randomImage(tmp.dir, 40_000, `f${i}.iso`).image.path);
    await cache.get(files[0]!);
    await cache.get(files[1]!);
    await cache.get(files[0]!);
    await cache.get(files[2]!);
    expect(cache.totalBytes).toBe(80_000);
    const again = await cache.get(files[0]!);
    expect(again).not.toBeNull();
    expect(cache.totalBytes).toBe(80_000);
    expect(await cache.get(path.join(tmp.dir, 'missing.iso'))).toBeNull();
  });
});

describe('simulated read-back through the cache', () => {
  it('reads back what the file holds when the read starts, flips and zeros included', async () => {
    simImageCache.clear();
    const { image, data } = randomImage(tmp.dir, 700 * 1024 + 300, 'readback.iso');
    const d = new SimulatedDrive({ timeScale: 0.0005, progressIntervalMs: 2 });
    drives.push(d);
    d.insertDisc('CD-R');
    await d.burn(image, {});
    const length = image.sectors * 2048;
    const back = await readAll(d.read(length));
    expect(back.subarray(0, data.length).equals(data)).toBe(true);
    expect(back.subarray(data.length).every((b) => b === 0)).toBe(true);
    expect(simImageCache.totalBytes).toBe(data.length);
    // Reading twice gives the same bytes, and the cached copy is never written to.
    expect((await readAll(d.read(length))).equals(back)).toBe(true);
    // The disc refers to the file: a changed file reads back changed, as without the cache.
    appendFileSync(image.path, Buffer.alloc(10));
    const changed = Buffer.from(data);
    changed[5] = (changed[5] ?? 0) ^ 0xff;
    writeFileSync(image.path, changed);
    utimesSync(image.path, new Date(), new Date(Date.now() + 5_000));
    const after = await readAll(d.read(data.length));
    expect(after.equals(changed)).toBe(true);
    // A file gone: the read fails as before.
    rmSync(image.path);
    await expect(readAll(d.read(2048))).rejects.toThrow(/recorded data unavailable/);
  });

  it('gives a verify-mismatch disc its flipped sector while other drives read the same image unchanged', async () => {
    simImageCache.clear();
    const { image, data } = randomImage(tmp.dir, 600 * 1024, 'shared.iso');
    const good = new SimulatedDrive({ index: 1, timeScale: 0.0005, progressIntervalMs: 2 });
    const bad = new SimulatedDrive({ index: 2, timeScale: 0.0005, progressIntervalMs: 2, faults: { verifyMismatch: { sector: 100 } } });
    drives.push(good, bad);
    good.insertDisc('CD-R');
    bad.insertDisc('CD-R');
    await Promise.all([good.burn(image, {}), bad.burn(image, {})]);
    const [g, b] = await Promise.all([readAll(good.read(data.length)), readAll(bad.read(data.length))]);
    expect(g.equals(data)).toBe(true);
    const diff = [...b.keys()].filter((i) => b[i] !== data[i]);
    expect(Math.floor(diff[0]! / 2048)).toBe(100);
    expect(diff.every((i) => Math.floor(i / 2048) === 100)).toBe(true);
    expect((await readAll(good.read(data.length))).equals(data)).toBe(true);
  });
});

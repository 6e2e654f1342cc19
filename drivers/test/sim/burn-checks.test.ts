import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { BurnImage } from '../../src/drive-contract.js';
import { ImageError } from '../../src/errors.js';
import { checkImage } from '../../src/sim/burn-checks.js';
import { makeTempDir } from '../support/test-images.js';

const tmp = makeTempDir('sim-burn-checks-');
afterAll(() => tmp.cleanup());
afterEach(() => vi.restoreAllMocks());

function iso(name: string, bytes: number): BurnImage {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, Buffer.alloc(bytes));
  return { format: 'iso', path: file, sizeBytes: bytes, sectors: Math.ceil(bytes / 2048) };
}

describe('checkImage', () => {
  it('lets drives that check one image at the same time share one look at the file, and looks again afterwards', async () => {
    const image = iso('shared.iso', 4096);
    const stat = vi.spyOn(fsp, 'stat');
    const access = vi.spyOn(fsp, 'access');
    // 64 drives starting their next copies of one image in the same turn.
    await Promise.all(Array.from({ length: 64 }, (_, i) => checkImage(image, `sim:${i}`)));
    expect(stat).toHaveBeenCalledTimes(1);
    expect(access).toHaveBeenCalledTimes(1);
    // Nothing is remembered: the next check looks again, and sees the file gone.
    rmSync(image.path);
    await expect(checkImage(image, 'sim:0')).rejects.toThrow(/cannot read image/);
    expect(stat).toHaveBeenCalledTimes(2);
  });

  it('gives every drive of a shared look its own error, naming its own device', async () => {
    const dir = path.join(tmp.dir, 'a-directory.iso');
    mkdirSync(dir);
    const image: BurnImage = { format: 'iso', path: dir, sizeBytes: 4096, sectors: 2 };
    const results = await Promise.allSettled(['sim:0', 'sim:1', 'sim:2'].map((device) => checkImage(image, device)));
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as ImageError;
      expect(err).toBeInstanceOf(ImageError);
      expect(err.message).toMatch(/is not a regular file/);
      expect(err.device).toBe(`sim:${i}`);
    }
  });

  it('still holds each image to its own stated size', async () => {
    const image = iso('short.iso', 4096);
    const claimsMore: BurnImage = { ...image, sizeBytes: 8192, sectors: 4 };
    const [fits, short] = await Promise.allSettled([checkImage(image, 'sim:0'), checkImage(claimsMore, 'sim:1')]);
    expect(fits.status).toBe('fulfilled');
    expect(short.status).toBe('rejected');
    expect(((short as PromiseRejectedResult).reason as Error).message).toMatch(/has 4096 bytes, 8192 expected/);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaStatus, MediaType } from '../../src/drive-contract.js';
import { masterDataDisc } from '../../src/master/master-data.js';
import { declaredImageBytes, eccBlockSectors } from '../../src/master/recorder-padding.js';

const S = 2048;

/** A hybrid image: an ISO 9660 volume of 100 sectors, then an MBR partition of 500 × 512 bytes appended (225 sectors in all). */
function hybridImage(): Buffer {
  const img = randomBytes(225 * S);
  const pvd = 16 * S;
  img[pvd] = 1;
  img.write('CD001', pvd + 1, 'latin1');
  img.writeUInt32LE(100, pvd + 80);
  img.writeUInt16LE(S, pvd + 128);
  img.fill(0, 446, 510);
  img[510] = 0x55;
  img[511] = 0xaa;
  img[446 + 16 + 4] = 0xef;
  img.writeUInt32LE(100 * 4, 446 + 16 + 8);
  img.writeUInt32LE(500, 446 + 16 + 12);
  return img;
}

/** A disc holding `track` as its one data track. */
function disc(track: Buffer, type: MediaType) {
  const sectors = track.length / S;
  const media: MediaStatus = {
    status: 'complete', type, rewritable: false, capacitySectors: sectors, usedSectors: sectors, freeSectors: 0,
    tracks: [{ number: 1, session: 1, kind: 'data', startSector: 0, sectors }],
  };
  return {
    address: '/dev/sr7',
    media: async () => media,
    read: (length: number, options: { offset?: number } = {}) => Readable.from([track.subarray(options.offset ?? 0, (options.offset ?? 0) + length)]),
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('a recorder\'s ECC padding when mastering', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'padding-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads what the image declares: ISO volume and MBR partitions', () => {
    expect(declaredImageBytes(hybridImage())).toBe(225 * S);
    expect(declaredImageBytes(Buffer.alloc(17 * S))).toBeNull();
    expect(eccBlockSectors('DVD-ROM')).toBe(16);
    expect(eccBlockSectors('BD-R')).toBe(32);
    expect(eccBlockSectors('CD-R')).toBeNull();
  });

  it('masters a DVD track of a hybrid image padded to its ECC block as the image itself', async () => {
    const image = hybridImage();
    const track = Buffer.concat([image, Buffer.alloc(15 * S)]);
    const out = path.join(dir, 'dvd.iso');
    const result = await masterDataDisc(disc(track, 'DVD-ROM'), out);
    expect(result).toMatchObject({ sectors: 225, bytes: 225 * S, sha256: sha(image) });
    expect((await readFile(out)).equals(image)).toBe(true);
  });

  it('keeps the whole track when the sectors after the image are not zero, or are more than a block, or on a CD', async () => {
    const image = hybridImage();
    const cases: Array<[Buffer, MediaType]> = [
      [Buffer.concat([image, Buffer.alloc(14 * S), Buffer.alloc(S, 7)]), 'DVD-ROM'],
      [Buffer.concat([image, Buffer.alloc(16 * S)]), 'DVD-ROM'],
      [Buffer.concat([image, Buffer.alloc(15 * S)]), 'CD-ROM'],
    ];
    for (const [i, [track, type]] of cases.entries()) {
      const out = path.join(dir, `whole-${i}.iso`);
      const result = await masterDataDisc(disc(track, type), out);
      expect(result.sectors).toBe(track.length / S);
      expect(result.sha256).toBe(sha(track));
      expect((await readFile(out)).equals(track)).toBe(true);
    }
  });
});

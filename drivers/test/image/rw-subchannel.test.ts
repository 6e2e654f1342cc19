/**
 * RW_RAW track files from a CloneCD `.img` and `.sub`: channel bits moved
 * into raw symbols (R to W in bits 5..0, P and Q left out), audio written
 * big-endian, and the read-back check refusing a file whose sector or
 * subchannel was changed afterwards, with a typed `ImageReadError`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageReadError } from '../../src/image/image-read-error.js';
import { checkRwTrack, interleaveRw, writeRwTrack } from '../../src/image/rw-subchannel.js';
import { makeTempDir } from '../support/test-images.js';

const tmp = makeTempDir('rw-subchannel-');
afterAll(() => tmp.cleanup());

describe('RW_RAW subchannel files', () => {
  it('moves channel R bit 0 to symbol 0 bit 5 and channel W bit 95 to symbol 95 bit 0, leaving P and Q out', () => {
    const linear = Buffer.alloc(96);
    linear.fill(0xff, 0, 24); // P and Q all ones
    linear[24] = 0x80; // R, first bit
    linear[95] = 0x01; // W, last bit
    const out = Buffer.alloc(96);
    interleaveRw(linear, out);
    expect([out[0], out[95], out.subarray(1, 95).every((b) => b === 0)]).toEqual([0x20, 0x01, true]);
  });

  it('writes 2448-byte frames (audio big-endian) that read back against the image and .sub, and refuses a changed file', async () => {
    const img = path.join(tmp.dir, 'a.img');
    const sub = path.join(tmp.dir, 'a.sub');
    const sectors = Buffer.alloc(4 * 2352);
    for (let i = 0; i < sectors.length / 2; i++) sectors.writeInt16LE((i * 37) % 30000, i * 2);
    const subs = Buffer.alloc(4 * 96);
    for (let i = 0; i < subs.length; i++) subs[i] = (i * 73) & 0xff;
    writeFileSync(img, sectors);
    writeFileSync(sub, subs);
    const source = { img, sub, firstSector: 1, sectors: 3, audio: true };
    const rw = path.join(tmp.dir, 'a.rw');
    const written = await writeRwTrack(source, rw);
    expect(written.bytes).toBe(3 * 2448);
    const bytes = readFileSync(rw);
    expect(bytes.subarray(0, 2352).equals(Buffer.from(sectors.subarray(2352, 4704)).swap16())).toBe(true);
    await expect(checkRwTrack(rw, source)).resolves.toBeUndefined();
    for (const at of [100, 2352 + 5]) {
      const bad = Buffer.from(bytes);
      bad.writeUInt8(((bad[at] ?? 0) + 1) & 0x3f, at);
      writeFileSync(rw, bad);
      await expect(checkRwTrack(rw, source)).rejects.toBeInstanceOf(ImageReadError);
    }
    writeFileSync(rw, bytes.subarray(0, 2448));
    await expect(checkRwTrack(rw, source)).rejects.toThrow(/not 3 frames of 2448/);
    await expect(writeRwTrack(source, rw)).rejects.toThrow(/EEXIST/);
  });
});

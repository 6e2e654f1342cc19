/**
 * NRG sectors with subchannel (2448 bytes: the sector, then 96 interleaved
 * P-W symbols, libmirage's layout for mode codes 0x0F/0x10/0x11): the main
 * channel copied out with R-W data counted, RW_RAW frames keeping only the
 * R-W bits (audio big-endian), and the read-back refusing a file whose
 * sector or symbols changed, or an NRG cut short, with a typed
 * `ImageReadError`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageReadError } from '../../src/image/image-read-error.js';
import { checkNrgRwTrack, nrgMainChannelSha256, writeNrgMainChannel, writeNrgRwTrack } from '../../src/image/nrg-subchannel.js';
import { makeTempDir } from '../support/test-images.js';

const tmp = makeTempDir('nrg-subchannel-');
afterAll(() => tmp.cleanup());

/** 300 sectors of 2448 bytes after 1000 bytes of something else: main channel bytes by position, P/Q in every symbol, R-W in sectors 7 and 299. */
function nrgBytes(): { file: Buffer; main: Buffer } {
  const main = Buffer.alloc(300 * 2352);
  for (let i = 0; i < main.length; i++) main[i] = (i * 31 + 7) & 0xff;
  const sectors = Array.from({ length: 300 }, (_, s) => {
    const sub = Buffer.alloc(96, 0xc0);
    if (s === 7 || s === 299) for (let i = 0; i < 96; i++) sub[i] = 0xc0 | (i & 0x3f);
    return Buffer.concat([main.subarray(s * 2352, (s + 1) * 2352), sub]);
  });
  return { file: Buffer.concat([Buffer.alloc(1000, 0xee), ...sectors]), main };
}

describe('NRG tracks with subchannel', () => {
  const { file, main } = nrgBytes();
  const nrg = path.join(tmp.dir, 'a.nrg');
  writeFileSync(nrg, file);
  const range = { file: nrg, start: 1000, sectors: 300, audio: true };

  it('copies the main channel out and counts the sectors with R-W data', async () => {
    const dest = path.join(tmp.dir, 'main.bin');
    const written = await writeNrgMainChannel([{ file: nrg, start: 1000, sectors: 100 }, { file: nrg, start: 1000 + 100 * 2448, sectors: 200 }], dest);
    expect(readFileSync(dest).equals(main)).toBe(true);
    expect(written).toEqual({ bytes: main.length, sha256: createHash('sha256').update(main).digest('hex'), sectors: 300, rwSectors: 2, firstRwSector: 7 });
    expect(await nrgMainChannelSha256(range)).toBe(written.sha256);
  });

  it('writes RW_RAW frames (audio big-endian, P and Q cleared) that read back, and refuses a changed file', async () => {
    const rw = path.join(tmp.dir, 'a.rw');
    await writeNrgRwTrack(range, rw);
    const frames = readFileSync(rw);
    expect(frames.length).toBe(300 * 2448);
    expect(Buffer.from(frames.subarray(0, 2352)).swap16().equals(main.subarray(0, 2352))).toBe(true);
    expect(frames.subarray(7 * 2448 + 2352, 8 * 2448).equals(Buffer.from(Array.from({ length: 96 }, (_, i) => i & 0x3f)))).toBe(true);
    expect(frames.subarray(2352, 2448).every((b) => b === 0)).toBe(true);
    await checkNrgRwTrack(rw, range);

    const symbol = Buffer.from(frames);
    symbol[299 * 2448 + 2352 + 5] = 0x45; // a Q bit let through
    writeFileSync(rw, symbol);
    await expect(checkNrgRwTrack(rw, range)).rejects.toThrow(/RW_RAW frame 299: its R-W symbols are not the NRG subchannel's/);
    const sector = Buffer.from(frames);
    sector[3 * 2448 + 10] = (sector[3 * 2448 + 10] ?? 0) ^ 1;
    writeFileSync(rw, sector);
    await expect(checkNrgRwTrack(rw, range)).rejects.toThrow(/RW_RAW frame 3: its sector is not the NRG's main channel/);
    writeFileSync(rw, frames.subarray(0, 2448 * 299));
    await expect(checkNrgRwTrack(rw, range)).rejects.toBeInstanceOf(ImageReadError);
  });

  it('refuses an NRG cut inside its sectors with a typed error', async () => {
    const cut = path.join(tmp.dir, 'cut.nrg');
    writeFileSync(cut, file.subarray(0, 1000 + 2448 * 299 + 100));
    await expect(nrgMainChannelSha256({ ...range, file: cut })).rejects.toThrow(/NRG image: its sectors with subchannel end 2348 bytes early/);
    await expect(writeNrgMainChannel([{ ...range, file: cut }], path.join(tmp.dir, 'cut.bin'))).rejects.toBeInstanceOf(ImageReadError);
  });
});

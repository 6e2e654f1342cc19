import { describe, expect, it } from 'vitest';
import { MEDIA_SIZES, ONE_X_BYTES_PER_SECOND } from '../../src/media.js';
import type { MediaClass } from '../../src/media.js';
import {
  blankDurationMs, burnDurationMs, radiusAt, readDurationMs, readSpeedX, speedMBps, SPEED_PROFILES, writeDurationMs,
  writeSectorAt, writeSpeedX,
} from '../../src/sim/speed-model.js';

const sectorsOf = (size: string): number => {
  const s = MEDIA_SIZES.find((m) => m.size === size);
  if (s === undefined) throw new Error(size);
  return s.sectors;
};
const CD = sectorsOf('cd-700');
const DVD = sectorsOf('dvd');
const DVD_DL = sectorsOf('dvd-dl');
const BD = sectorsOf('bd');

describe('speed model', () => {
  it('puts a CD between 25 mm and 58 mm and ramps 48x CAV from about 20x to 48x', () => {
    expect(radiusAt('cd', 0)).toBeCloseTo(25, 6);
    expect(radiusAt('cd', 1)).toBeCloseTo(58, 6);
    expect(writeSpeedX('cd', 0)).toBeGreaterThan(19.5);
    expect(writeSpeedX('cd', 0)).toBeLessThan(21.5);
    expect(writeSpeedX('cd', 1)).toBeCloseTo(48, 6);
    // Half the data lies at r = sqrt((25² + 58²) / 2) ≈ 44.7 mm.
    expect(radiusAt('cd', 0.5)).toBeCloseTo(Math.sqrt((25 ** 2 + 58 ** 2) / 2), 6);
  });

  it('is monotonic over the disc for every single-layer class', () => {
    for (const cls of ['cd', 'dvd', 'bd'] as MediaClass[]) {
      let last = 0;
      for (let i = 0; i <= 100; i++) {
        const x = writeSpeedX(cls, i / 100);
        expect(x).toBeGreaterThan(last);
        last = x;
      }
      expect(last).toBeCloseTo(SPEED_PROFILES[cls].maxWriteX, 6);
    }
  });

  it('ramps DVD from about 6.5x to 16x and BD from about 5x to 12x', () => {
    expect(writeSpeedX('dvd', 0)).toBeGreaterThan(6);
    expect(writeSpeedX('dvd', 0)).toBeLessThan(7);
    expect(writeSpeedX('dvd', 1)).toBeCloseTo(16, 6);
    expect(writeSpeedX('bd', 0)).toBeGreaterThan(4.5);
    expect(writeSpeedX('bd', 0)).toBeLessThan(5.5);
    expect(writeSpeedX('bd', 1)).toBeCloseTo(12, 6);
  });

  it('respects a speed cap and a slow factor', () => {
    expect(writeSpeedX('cd', 1, { speedCap: 24 })).toBe(24);
    expect(writeSpeedX('cd', 0, { speedCap: 24 })).toBeCloseTo(writeSpeedX('cd', 0), 6);
    expect(writeSpeedX('cd', 0.5, { speedCap: 8 })).toBe(8);
    expect(writeSpeedX('cd', 1, { speedFactor: 0.5 })).toBeCloseTo(24, 6);
    // A cap above the drive maximum changes nothing.
    expect(writeSpeedX('dvd', 1, { speedCap: 48 })).toBeCloseTo(16, 6);
    // CLV at a cap below the inner speed: time is bytes / rate.
    const ms = writeDurationMs('cd', 0, CD, CD, { speedCap: 4 });
    expect(ms).toBeCloseTo((CD * 2048 * 1000) / (4 * ONE_X_BYTES_PER_SECOND.cd), 3);
    expect(writeDurationMs('cd', 0, CD, CD, { speedFactor: 0.5 })).toBeCloseTo(2 * writeDurationMs('cd', 0, CD, CD), 3);
  });

  it('matches a numeric integration of the CAV ramp', () => {
    for (const [cls, cap] of [['cd', 48], ['cd', 32], ['dvd', 12], ['bd', 12]] as [MediaClass, number][]) {
      const capacity = cls === 'cd' ? CD : cls === 'dvd' ? DVD : BD;
      const steps = 20_000;
      let seconds = 0;
      for (let i = 0; i < steps; i++) {
        const x = writeSpeedX(cls, (i + 0.5) / steps, { speedCap: cap });
        seconds += (capacity * 2048) / steps / (x * ONE_X_BYTES_PER_SECOND[cls]);
      }
      expect(writeDurationMs(cls, 0, capacity, capacity, { speedCap: cap }) / 1000).toBeCloseTo(seconds, 1);
    }
  });

  it('burns a full 80 min CD at 48x in about 2.5 to 3.5 minutes, lead-in and fixation included', () => {
    const min = burnDurationMs('cd', CD, CD) / 60_000;
    expect(min).toBeGreaterThan(2.5);
    expect(min).toBeLessThan(3.5);
    // The same disc at 16x is CLV over most of it and takes much longer.
    expect(burnDurationMs('cd', CD, CD, 16) / 60_000).toBeGreaterThan(5);
  });

  it('burns a full 4.7 GB DVD at 16x in about 6 minutes including the ramp', () => {
    // Pure CAV from 6.6x to 16x writes the data in 5 min; lead-in and fixation add half a minute.
    const min = burnDurationMs('dvd', DVD, DVD, 16) / 60_000;
    expect(min).toBeGreaterThan(5.5);
    expect(min).toBeLessThan(7);
    expect(writeDurationMs('dvd', 0, DVD, DVD) / 60_000).toBeGreaterThan(4.8);
  });

  it('burns a 25 GB BD at 12x in about 11 to 13 minutes', () => {
    const min = burnDurationMs('bd', BD, BD) / 60_000;
    expect(min).toBeGreaterThan(11);
    expect(min).toBeLessThan(13);
  });

  it('takes the same time on both layers of a DL disc (opposite track path)', () => {
    const half = DVD_DL / 2;
    expect(writeDurationMs('dvd-dl', 0, half, DVD_DL)).toBeCloseTo(writeDurationMs('dvd-dl', half, DVD_DL, DVD_DL), 3);
    expect(writeSpeedX('dvd-dl', 0.5)).toBeCloseTo(8, 6);
    expect(writeSpeedX('dvd-dl', 1)).toBeCloseTo(writeSpeedX('dvd-dl', 0), 6);
  });

  it('inverts the write time to a position', () => {
    const total = writeDurationMs('cd', 0, CD, CD);
    expect(writeSectorAt('cd', 0, 0, CD, CD)).toBe(0);
    expect(writeSectorAt('cd', total + 1, 0, CD, CD)).toBe(CD);
    let last = 0;
    for (const f of [0.1, 0.25, 0.5, 0.75, 0.9]) {
      const s = writeSectorAt('cd', total * f, 0, CD, CD);
      expect(writeDurationMs('cd', 0, s, CD) / total).toBeCloseTo(f, 4);
      expect(s).toBeGreaterThan(last);
      last = s;
    }
    // The first half of the time, on the slower inside, covers less than half the data.
    expect(writeSectorAt('cd', total / 2, 0, CD, CD)).toBeLessThan(CD / 2);
  });

  it('reads at CAV speeds and converts x to MB/s', () => {
    expect(readSpeedX('cd', 1)).toBeCloseTo(48, 6);
    expect(readSpeedX('dvd', 1)).toBeCloseTo(16, 6);
    expect(readSpeedX('bd', 1)).toBeCloseTo(12, 6);
    expect(speedMBps('cd', 48)).toBeCloseTo(7.3728, 4);
    expect(speedMBps('bd', 1)).toBeCloseTo(4.495, 4);
    const cdRead = readDurationMs('cd', 0, CD * 2048, CD) / 60_000;
    expect(cdRead).toBeGreaterThan(2);
    expect(cdRead).toBeLessThan(3);
  });

  it('blanks fast in about 30 s on CD-RW and takes longer for a full blank', () => {
    expect(blankDurationMs('CD-RW', 'fast', CD)).toBe(30_000);
    expect(blankDurationMs('CD-RW', 'all', CD)).toBeGreaterThan(3 * 60_000);
    expect(blankDurationMs('BD-RE', 'all', BD)).toBeGreaterThan(blankDurationMs('DVD+RW', 'all', DVD));
  });
});

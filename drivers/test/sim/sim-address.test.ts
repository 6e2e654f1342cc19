import { describe, expect, it } from 'vitest';
import { InvalidDeviceError } from '../../src/errors.js';
import { createSimulatedDrive, isSimAddress, parseSimAddress } from '../../src/sim/sim-address.js';

describe('parseSimAddress', () => {
  it('parses a bare address', () => {
    expect(parseSimAddress('sim:0')).toEqual({ index: 0, address: 'sim:0', stableId: 'sim:0', options: { index: 0, address: 'sim:0' } });
    expect(parseSimAddress('sim:12').index).toBe(12);
    expect(isSimAddress('sim:1')).toBe(true);
    expect(isSimAddress('/dev/sr0')).toBe(false);
  });

  it('parses settings and faults', () => {
    const a = parseSimAddress('sim:3?media=DVD-R&timeScale=0.01&autoload=1&writeErrorAt=40');
    expect(a.index).toBe(3);
    expect(a.stableId).toBe('sim:3');
    expect(a.options).toMatchObject({
      index: 3,
      timeScale: 0.01,
      autoLoader: { media: 'DVD-R' },
      faults: { writeError: { atPercent: 40 } },
    });
    // With a loader the first disc comes off the stack.
    expect(a.options.media).toBeUndefined();

    const b = parseSimAddress(
      'sim:1?media=dvd%2Br_dl&writer=dvd&goneAt=10&mismatchSector=random&slow=0.5&noMedia=true&wrongMedia=CD-R' +
        '&sticky=1&faultProbability=0.25&seed=9&progressMs=100&stack=3&loadDelayMs=0',
    );
    expect(b.options).toMatchObject({
      writer: 'dvd',
      seed: 9,
      progressIntervalMs: 100,
      autoLoader: { media: 'DVD+R DL', stack: 3, loadDelayMs: 0 },
      faults: {
        driveGone: { atPercent: 10, sticky: true, probability: 0.25 },
        verifyMismatch: { sticky: true, probability: 0.25 },
        slow: { factor: 0.5 },
        noMedia: { sticky: true, probability: 0.25 },
        wrongMedia: { type: 'CD-R', sticky: true, probability: 0.25 },
      },
    });
    expect(b.options.faults?.verifyMismatch?.sector).toBeUndefined();
    expect(parseSimAddress('sim:2?media=DVD+R').options.media).toBe('DVD+R');
    expect(parseSimAddress('sim:2?media=none').options.media).toBeNull();
    expect(parseSimAddress('sim:2?mismatchSector=17').options.faults?.verifyMismatch?.sector).toBe(17);
    expect(parseSimAddress('sim:2?media=BD-R%20DL').options.media).toBe('BD-R DL');
  });

  it.each([
    'sim:', 'sim:-1', 'sim:1.5', 'sim:01', 'sim:a', 'sim: 1', 'SIM:1', '/dev/sr0', 'sim:99999999999999999999',
    'sim:1?bogus=1', 'sim:1?timeScale=0', 'sim:1?timeScale=fast', 'sim:1?timeScale=', 'sim:1?timeScale=0x10',
    'sim:1?writeErrorAt=101', 'sim:1?writeErrorAt=-1', 'sim:1?media=DVD', 'sim:1?media=file', 'sim:1?writer=hd',
    'sim:1?autoload=yes', 'sim:1?stack=1.5', 'sim:1?slow=2', 'sim:1?mismatchSector=-3', 'sim:1?faultProbability=1.5',
    'sim:1?media=CD-R&media=DVD-R', 'sim:1?media', 'sim:1?&media=CD-R', 'sim:1?=1', 'sim:1?media=%E0%A4%A',
    'sim:1?wrongMedia=none', 'sim:1?seed=1.5',
  ])('rejects %s', (address) => {
    expect(() => parseSimAddress(address)).toThrow(InvalidDeviceError);
  });

  it('opens a drive from an address', async () => {
    const d = createSimulatedDrive('sim:4?media=CD-RW&writer=cd');
    try {
      expect(d.address).toBe('sim:4?media=CD-RW&writer=cd');
      expect((await d.info()).stableId).toBe('sim:4');
      expect((await d.info()).writes).toEqual(['CD-R', 'CD-RW']);
      expect((await d.media()).type).toBe('CD-RW');
    } finally {
      d.dispose();
    }
  });
});

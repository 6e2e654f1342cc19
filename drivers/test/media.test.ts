import { describe, expect, it } from 'vitest';
import { imageSectors, mediaClassesFor, mediaSizesFor, smallestMediaClassFor } from '../src/media.js';

describe('media fit', () => {
  it('puts a small ISO on every size, smallest first', () => {
    const sizes = mediaSizesFor({ format: 'iso', sizeBytes: 19_247_104 }).map((m) => m.size);
    expect(sizes).toEqual(['cd-650', 'cd-700', 'cd-800', 'dvd', 'dvd-dl', 'bd', 'bd-dl']);
    expect(smallestMediaClassFor({ format: 'iso', sizeBytes: 19_247_104 })).toBe('cd');
  });

  it('rounds an ISO up to whole sectors', () => {
    expect(imageSectors({ format: 'iso', sizeBytes: 2049 })).toBe(2);
  });

  it('keeps the CD boundaries exact', () => {
    expect(mediaSizesFor({ format: 'iso', sizeBytes: 359_846 * 2048 })[0]?.size).toBe('cd-700');
    expect(mediaSizesFor({ format: 'iso', sizeBytes: 359_846 * 2048 + 1 })[0]?.size).toBe('cd-800');
  });

  it('sends a 4.7 GB DVD image to DVD and up, not CD', () => {
    expect(mediaClassesFor({ format: 'iso', sizeBytes: 4_500_000_000 })).toEqual(['dvd', 'dvd-dl', 'bd', 'bd-dl']);
  });

  it('fits nothing when larger than a dual-layer BD', () => {
    expect(mediaClassesFor({ format: 'iso', sizeBytes: 51e9 })).toEqual([]);
    expect(smallestMediaClassFor({ format: 'iso', sizeBytes: 51e9 })).toBeNull();
  });

  it('keeps CUE images (audio, raw) on CD only, counted in frames', () => {
    const cue = { format: 'cue' as const, tracks: [{ mode: 'AUDIO', frames: 300_000 }, { mode: 'MODE1/2352', frames: 40_000 }] };
    expect(imageSectors(cue)).toBe(340_000);
    expect(mediaSizesFor(cue).map((m) => m.size)).toEqual(['cd-700', 'cd-800']);
    expect(mediaClassesFor({ format: 'cue', tracks: [{ mode: 'AUDIO', frames: 500_000 }] })).toEqual([]);
  });
});

/**
 * A CUE image's track list agrees with itself: `startSector` and `sectors`
 * both count from INDEX 01, the pregap is apart, consecutive tracks meet
 * (one's end is where the next one's pregap starts) and the last one ends
 * at the disc's end, with INDEX 00 pregaps, PREGAP commands, a hidden track
 * in track 1's pregap, POSTGAP and several FILEs.
 */
import { describe, expect, it } from 'vitest';
import type { CueFileSize, CueLayout } from '../../src/image/cue-layout.js';
import { layoutCue, trackExtent } from '../../src/image/cue-layout.js';
import { parseCueSheet } from '../../src/image/cue-sheet.js';

function extents(sheet: string, sizes: CueFileSize[]): { layout: CueLayout; list: ReturnType<typeof trackExtent>[] } {
  const layout = layoutCue(parseCueSheet(sheet), sizes);
  return { layout, list: layout.tracks.map(trackExtent) };
}

/** The invariants every listing must keep. */
function expectConsistent(layout: CueLayout, list: ReturnType<typeof trackExtent>[]): void {
  list.forEach((t, i) => {
    expect(t.sectors).toBeGreaterThan(0);
    expect(t.startSector - t.pregapSectors).toBeGreaterThanOrEqual(0);
    const next = list[i + 1];
    expect(t.startSector + t.sectors).toBe(next ? next.startSector - next.pregapSectors : layout.totalFrames);
  });
  expect(list.reduce((n, t) => n + t.sectors + t.pregapSectors, 0)).toBe(layout.totalFrames);
  expect(list[0]!.startSector - list[0]!.pregapSectors).toBe(0);
}

describe('trackExtent', () => {
  it('hidden track in track 1 pregap (INDEX 00 at 0, INDEX 01 at 30 s): track 1 starts at INDEX 01 and ends where track 2 pregap starts', () => {
    const { layout, list } = extents(
      'FILE "a.bin" BINARY\n TRACK 01 AUDIO\n  INDEX 00 00:00:00\n  INDEX 01 00:30:00\n TRACK 02 AUDIO\n  INDEX 00 01:00:00\n  INDEX 01 01:02:00\n',
      [{ name: 'a.bin', bytes: 9000 * 2352 }],
    );
    expect(list).toEqual([
      { startSector: 2250, sectors: 2250, pregapSectors: 2250 },
      { startSector: 4650, sectors: 4350, pregapSectors: 150 },
    ]);
    expectConsistent(layout, list);
    // What the listing showed before: INDEX 01 plus the frames with the pregap, past the disc's end.
    const old = layout.tracks.map((t) => t.startFrame + t.frames);
    expect(old[1]).toBeGreaterThan(layout.totalFrames);
  });

  it('PREGAP commands and POSTGAP over several FILEs (data then audio)', () => {
    const { layout, list } = extents(
      [
        'FILE "data.bin" BINARY', ' TRACK 01 MODE1/2352', '  INDEX 01 00:00:00', '  POSTGAP 00:02:00',
        'FILE "one.bin" BINARY', ' TRACK 02 AUDIO', '  PREGAP 00:02:00', '  INDEX 01 00:00:00',
        'FILE "two.bin" BINARY', ' TRACK 03 AUDIO', '  INDEX 00 00:00:00', '  INDEX 01 00:01:00',
        ' TRACK 04 AUDIO', '  INDEX 01 00:05:00', '',
      ].join('\n'),
      [{ name: 'data.bin', bytes: 300 * 2352 }, { name: 'one.bin', bytes: 600 * 2352 }, { name: 'two.bin', bytes: 800 * 2352 }],
    );
    expect(list).toEqual([
      { startSector: 0, sectors: 450, pregapSectors: 0 },
      { startSector: 600, sectors: 600, pregapSectors: 150 },
      { startSector: 1275, sectors: 300, pregapSectors: 75 },
      { startSector: 1575, sectors: 425, pregapSectors: 0 },
    ]);
    expect(layout.totalFrames).toBe(2000);
    expectConsistent(layout, list);
  });

  it('an INDEX 00 in the previous FILE (the pregap spans two files)', () => {
    const { layout, list } = extents(
      'FILE "a.bin" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n TRACK 02 AUDIO\n  INDEX 00 00:04:00\nFILE "b.bin" BINARY\n  INDEX 01 00:00:00\n',
      [{ name: 'a.bin', bytes: 400 * 2352 }, { name: 'b.bin', bytes: 500 * 2352 }],
    );
    expect(list).toEqual([
      { startSector: 0, sectors: 300, pregapSectors: 0 },
      { startSector: 400, sectors: 500, pregapSectors: 100 },
    ]);
    expectConsistent(layout, list);
  });

  it('a plain single-track data image: one track, no pregap, the whole disc', () => {
    const { layout, list } = extents('FILE "d.bin" BINARY\n TRACK 01 MODE1/2048\n  INDEX 01 00:00:00\n', [{ name: 'd.bin', bytes: 1000 * 2048 }]);
    expect(list).toEqual([{ startSector: 0, sectors: 1000, pregapSectors: 0 }]);
    expectConsistent(layout, list);
  });
});

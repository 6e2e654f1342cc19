/**
 * A container's track plan as a CUE sheet (one BIN per track, pregap as
 * INDEX 00, an unstored pregap as PREGAP), the plan's checks, and the proof:
 * the sheet laid out again from the BIN sizes agrees with the plan, and a
 * layout that does not is named.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedTrack } from '../../src/image/track-plan.js';
import { checkPlan, checkPlanLayout, planCueText } from '../../src/image/track-plan.js';
import { parseCueSheet } from '../../src/image/cue-sheet.js';
import { layoutCue } from '../../src/image/cue-layout.js';
import { ImageReadError } from '../../src/image/image-read-error.js';

const plan: PlannedTrack[] = [
  { number: 1, mode: 'MODE1/2048', source: 'x', pregapOffset: 0, start: 0, end: 2048 * 300 },
  { number: 2, mode: 'AUDIO', source: 'x', pregapOffset: 2048 * 300, start: 2048 * 300 + 2352 * 150, end: 2048 * 300 + 2352 * 450 },
  { number: 3, mode: 'AUDIO', source: 'x', pregapOffset: 2048 * 300 + 2352 * 450, start: 2048 * 300 + 2352 * 450, end: 2048 * 300 + 2352 * 500, silentPregapFrames: 75 },
];
const sizes = plan.map((t, i) => ({ name: `t${i + 1}.bin`, bytes: t.end - t.pregapOffset }));

describe('track plans as CUE sheets', () => {
  it('one FILE per track; a stored pregap is INDEX 00, an unstored one PREGAP', () => {
    expect(planCueText(plan, (i) => `t${i + 1}.bin`)).toBe([
      'FILE "t1.bin" BINARY', '  TRACK 01 MODE1/2048', '    INDEX 01 00:00:00',
      'FILE "t2.bin" BINARY', '  TRACK 02 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:02:00',
      'FILE "t3.bin" BINARY', '  TRACK 03 AUDIO', '    PREGAP 00:01:00', '    INDEX 01 00:00:00', '',
    ].join('\r\n'));
  });

  it('the sheet laid out from the BIN sizes agrees with the plan; a BIN one frame short is named', () => {
    const sheet = parseCueSheet(planCueText(plan, (i) => `t${i + 1}.bin`));
    const layout = layoutCue(sheet, sizes);
    expect(layout.tracks.map((t) => [t.mode, t.pregapFrames, t.dataFrames, t.startFrame])).toEqual([['MODE1/2048', 0, 300, 0], ['AUDIO', 150, 450, 450], ['AUDIO', 75, 50, 825]]);
    expect(checkPlanLayout(plan, layout)).toBeNull();
    const short = layoutCue(sheet, sizes.map((s, i) => (i === 1 ? { ...s, bytes: s.bytes - 2352 } : s)));
    expect(checkPlanLayout(plan, short)).toBe('track 2: the CUE image has AUDIO, 150 pregap and 449 frames, the source AUDIO, 150 pregap and 450 frames');
    expect(checkPlanLayout(plan.slice(0, 2), layout)).toBe('the CUE image has 3 track(s), the source 2');
  });

  it.each([
    ['no tracks', [], /0 tracks, not 1 to 99/],
    ['100 tracks', Array.from({ length: 100 }, (_, i) => ({ number: i + 1, mode: 'AUDIO', source: 'x', pregapOffset: 0, start: 0, end: 2352 })), /100 tracks, not 1 to 99/],
    ['tracks out of order', [plan[1], plan[0]], /track 2 \(AUDIO\) is numbered out of order \(expected 1\)/],
    ['a mode a CUE sheet cannot name', [{ ...plan[0], mode: 'MODE1/2336' }], /track 1 \(MODE1\/2336\) has a mode a CUE sheet cannot name/],
    ['a track of part of a sector', [{ ...plan[0], end: 2048 * 3 + 1 }], /not a whole number of 2048-byte sectors/],
    ['an empty track', [{ ...plan[0], end: 0 }], /which is empty or out of order/],
    ['a pregap after the start', [{ ...plan[0], pregapOffset: 4096 }], /which is empty or out of order/],
    ['a negative unstored pregap', [{ ...plan[0], silentPregapFrames: -1 }], /has a pregap of -1 frames/],
  ] as [string, PlannedTrack[], RegExp][])('refused: %s', (_what, tracks, message) => {
    let err: unknown;
    try {
      checkPlan('NRG image x.nrg', tracks);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageReadError);
    expect((err as Error).message).toMatch(message);
  });
});

/**
 * Fuzz: cdrdao TOC files read for their disc facts (CD-TEXT, ISRC, catalog,
 * pregaps) and written back. `readTocContent` on grammar fragments (braces
 * unbalanced, words out of place) only ever refuses with a typed error;
 * every disc `writeTocFile` accepts reads back the same (fixed seeds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageReadError } from '../../drivers/src/image/image-read-error.js';
import { readTocContent } from '../../drivers/src/image/toc-content.js';
import type { TocTrackSpec } from '../../drivers/src/image/toc-writer.js';
import { writeTocFile } from '../../drivers/src/image/toc-writer.js';

const SEED = 20_261_204;

const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));
const fragment = fc.oneof(
  fc.constantFrom('CD_DA', 'CD_ROM', 'TRACK AUDIO', 'TRACK MODE1_RAW', 'TRACK BOGUS', 'NO COPY', 'COPY', 'PRE_EMPHASIS', 'FOUR_CHANNEL_AUDIO',
    'CD_TEXT {', '}', '{', 'LANGUAGE_MAP { 0 : EN }', 'LANGUAGE 0 {', 'TOC_INFO1 { 0, 1, 2 }', 'START', 'START 00:02:00', 'PREGAP 00:02:00',
    'ZERO MODE1 00:01:00', 'SILENCE 588', 'CATALOG "0724384960650"', 'CATALOG "12"', 'ISRC "USABC2400001"', 'ISRC "X"'),
  fc.tuple(fc.constantFrom('TITLE', 'PERFORMER', 'MESSAGE', 'DISC_ID'), text).map(([k, v]) => `${k} "${v.replace(/["\\]/g, '')}"`),
  fc.tuple(fc.constantFrom('FILE', 'AUDIOFILE', 'DATAFILE'), fc.constantFrom('', ' 0', ' 00:02:00 00:01:00', ' #10 00:01:00', ' 1176')).map(([k, rest]) => `${k} "a.bin"${rest}`),
);

const track: fc.Arbitrary<TocTrackSpec> = fc.record({
  mode: fc.constantFrom('AUDIO', 'MODE1_RAW', 'MODE1', 'MODE2_RAW'),
  frames: fc.integer({ min: 2, max: 400_000 }),
  startFrame: fc.nat(400_000),
  pregap: fc.nat(400),
  isrc: fc.option(fc.constantFrom('USABC2400001', 'GBXYZ9912345'), { nil: undefined }),
  title: fc.option(text, { nil: undefined }),
  copy: fc.boolean(),
}).map((t) => ({
  mode: t.mode, file: 'disc.bin', offsetBytes: t.startFrame * (t.mode === 'MODE1' ? 2048 : 2352), frames: t.frames,
  pregapFrames: Math.min(t.pregap, t.frames - 1), copy: t.copy,
  ...(t.isrc === undefined ? {} : { isrc: t.isrc }), ...(t.title ? { cdText: { TITLE: t.title } } : {}),
}));

describe('fuzz: TOC disc facts', () => {
  it('readTocContent on TOC files from grammar fragments refuses only with typed errors (2000 runs)', () => {
    fc.assert(fc.property(fc.array(fragment, { maxLength: 30 }), (lines) => {
      try {
        const toc = readTocContent(lines.join('\n'));
        expect(toc.tracks.length).toBeGreaterThan(0);
        for (const t of toc.tracks) expect(t.pregapFrames).toBeGreaterThanOrEqual(0);
      } catch (err) {
        if (!(err instanceof ImageReadError)) throw err;
      }
    }), { seed: SEED, numRuns: 2000, endOnFailure: true });
  });

  it('writeTocFile then readTocContent gives back the disc (500 runs)', () => {
    fc.assert(fc.property(fc.array(track, { minLength: 1, maxLength: 20 }), fc.option(fc.constant('0724384960650'), { nil: undefined }), (tracks, catalog) => {
      const back = readTocContent(writeTocFile({ tracks, ...(catalog ? { catalog } : {}) }));
      expect(back.catalog).toBe(catalog);
      expect(back.tracks.map((t) => [t.mode, t.frames, t.pregapFrames, t.isrc, t.copy, t.cdText.TITLE]))
        .toEqual(tracks.map((t) => [t.mode, t.frames, t.pregapFrames, t.isrc, t.copy, t.cdText?.TITLE]));
    }), { seed: SEED + 1, numRuns: 500, endOnFailure: true });
  });
});

/**
 * A TOC file's CD-TEXT replaced by a run's (library/toc-cd-text.ts), on
 * TOC files written by `writeTocFile` (what the format converters keep) and
 * cdrdao's own: read back with `readTocContent`, the CD-TEXT is exactly the
 * run's, and every other fact of the disc (modes, files, catalog, ISRC,
 * flags, pregaps, lengths) is the original's; braces and `CD_TEXT` inside
 * quoted text are text.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTocContent, writeTocFile } from 'node-cdrecord-wrapper';
import type { TocContent } from 'node-cdrecord-wrapper';
import { tocWithCdText, withoutCdText } from '../../src/library/toc-cd-text.js';

const MASTERED = readFileSync(fileURLToPath(new URL('../../../../drivers/test/fixtures/toc/mastered-audio.toc', import.meta.url)), 'latin1');

/** A TOC's content without its CD-TEXT. */
function facts(c: TocContent): unknown {
  return { ...c, cdText: undefined, cdTextLanguage: undefined, tracks: c.tracks.map((t) => ({ ...t, cdText: undefined })) };
}

describe('a TOC file with the run\'s CD-TEXT', () => {
  it('replaces cdrdao\'s own CD-TEXT and keeps the rest of the disc', () => {
    const out = tocWithCdText(MASTERED, { disc: { title: 'New { "title" }', composer: 'C' }, tracks: [{ track: 1, performer: 'P1' }] });
    const back = readTocContent(out);
    expect(back.cdText).toEqual({ TITLE: 'New { "title" }', COMPOSER: 'C' });
    expect(back.tracks.map((t) => t.cdText)).toEqual([{ PERFORMER: 'P1' }, {}]);
    expect(facts(back)).toEqual(facts(readTocContent(MASTERED)));
    expect(out).not.toMatch(/\/\/|DISC_ID|TOC_INFO1/);
  });

  it('writes CD-TEXT into a TOC that had none, mixed data and audio, from writeTocFile', () => {
    const toc = writeTocFile({
      catalog: '0724384960650',
      tracks: [
        { mode: 'MODE1_RAW', file: 'disc-01.bin', offsetBytes: 0, frames: 300, pregapFrames: 0 },
        { mode: 'AUDIO', file: 'disc-02.bin', offsetBytes: 0, frames: 600, pregapFrames: 150, isrc: 'USABC2400003', copy: true },
        { mode: 'AUDIO', file: 'disc-02.bin', offsetBytes: 600 * 2352, frames: 450, pregapFrames: 0, preEmphasis: true },
      ],
    });
    const cdText = { disc: { title: 'Mixed', performer: 'Band' }, tracks: [{ track: 3, title: 'Three', composer: 'Comp' }] };
    const back = readTocContent(tocWithCdText(toc, cdText));
    expect(back.cdText).toEqual({ TITLE: 'Mixed', PERFORMER: 'Band' });
    expect(back.tracks.map((t) => t.cdText)).toEqual([{}, {}, { TITLE: 'Three', COMPOSER: 'Comp' }]);
    expect(facts(back)).toEqual(facts(readTocContent(toc)));
  });

  it('takes out CD_TEXT blocks only, never a quoted CD_TEXT or brace', () => {
    expect(withoutCdText('A "CD_TEXT { x }" B\nCD_TEXT {\n LANGUAGE 0 { TITLE "a } b" }\n}\nC')).toBe('A "CD_TEXT { x }" B\n\nC');
    expect(() => withoutCdText('CD_TEXT { LANGUAGE 0 {')).toThrow(/not closed/);
  });
});

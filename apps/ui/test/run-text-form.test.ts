/**
 * The new-run form's labels and CD-TEXT (issue 15): label merge values one
 * per line within the controller's limits, the CD-TEXT part shown only for
 * a CUE image with a TOC file and filled from its own CD-TEXT, `cdText`
 * sent only when changed, and the run card's label merge and CD-TEXT lines.
 */
import { createElement } from 'react';
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { useCdTextPart } from '../src/components/CdTextFields';
import { labelRequestOf } from '../src/components/LabelFields';
import { RunText } from '../src/components/RunCard';
import type { ImageView } from '../src/lib/contract';
import { cdTextDraftOf, cdTextRequestOf, labelMergeOf, takesCdText } from '../src/lib/run-text-form';

const track = (number: number, more: Partial<ImageView['tracks'][number]> = {}): ImageView['tracks'][number] =>
  ({ number, mode: 'AUDIO', startSector: number * 300, sectors: 300, pregapSectors: 0, ...more });

const ALBUM: ImageView = {
  id: 'img-album', name: 'album', format: 'cue', sizeBytes: 600 * 2352, sectors: 600, sha256: 'a'.repeat(64), volumeLabel: null,
  filesystems: [], mediaSizes: ['cd'], mediaClass: 'cd',
  tracks: [track(1, { title: 'One', performer: 'The Band' }), track(2)],
  cdText: { title: 'The Album', performer: 'The Band' }, tocFile: 'img-album.toc',
  provenance: { kind: 'mastered', detail: '/dev/sr0', at: '2026-12-04T00:00:00.000Z' },
  damaged: false, damage: [], inUse: false, createdAt: '2026-12-04T00:00:00.000Z', malwareScan: null,
  storage: { compression: 'plain', storedBytes: 600 * 2352, savedBytes: 0 },
};

describe('label merge fields typed one per line', () => {
  it('become labelMerge in order, trailing blank lines dropped, inner ones kept', () => {
    expect(labelMergeOf('')).toEqual({});
    expect(labelMergeOf('\n\n')).toEqual({});
    expect(labelMergeOf('ACME\r\n\r\nBatch 7\n\n')).toEqual({ labelMerge: ['ACME', '', 'Batch 7'] });
  });
  it('are refused past 99 lines or 200 characters, with the line named', () => {
    expect(labelMergeOf(Array.from({ length: 100 }, () => 'x').join('\n')).problem).toBe('Label merge fields: 100 lines, at most 99 ({{merge.1}} to {{merge.99}}).');
    expect(labelMergeOf(`ok\n${'y'.repeat(201)}`).problem).toBe('Label merge field 2: 201 characters, at most 200.');
    expect(labelMergeOf(Array.from({ length: 99 }, () => 'z'.repeat(200)).join('\n')).labelMerge).toHaveLength(99);
  });
  it('go with printing and its template', () => {
    expect(labelRequestOf({ print: true, template: 'face', merge: 'A\nB' })).toEqual({ request: { printLabels: true, labelTemplate: 'face', labelMerge: ['A', 'B'] } });
    expect(labelRequestOf({ print: false, template: 'face', merge: '' })).toEqual({ request: {} });
    expect(labelRequestOf({ print: true, template: '', merge: '' }).problem).toMatch(/Pick a label template/);
  });
});

describe('the CD-TEXT part', () => {
  it('is for a CUE image with a TOC file only', () => {
    expect(takesCdText(ALBUM)).toBe(true);
    const { tocFile: _toc, ...noToc } = ALBUM;
    expect(takesCdText(noToc)).toBe(false);
    expect(takesCdText({ ...ALBUM, format: 'iso' })).toBe(false);
    expect(takesCdText(undefined)).toBe(false);
  });
  it('is filled from the image\'s own CD-TEXT and sends nothing unchanged', () => {
    const original = cdTextDraftOf(ALBUM);
    expect(original).toEqual({
      disc: { title: 'The Album', performer: 'The Band' },
      tracks: [{ track: 1, title: 'One', performer: 'The Band' }, { track: 2, title: '', performer: '' }],
    });
    expect(cdTextRequestOf(original, original)).toEqual({});
  });
  it('sends the whole CD-TEXT when changed, empty fields left off', () => {
    const original = cdTextDraftOf(ALBUM);
    const edited = { disc: { title: ' Live at Home ', performer: 'The Band' }, tracks: [original.tracks[0]!, { track: 2, title: 'Two', performer: '' }] };
    expect(cdTextRequestOf(edited, original)).toEqual({
      cdText: { disc: { title: 'Live at Home', performer: 'The Band' }, tracks: [{ track: 1, title: 'One', performer: 'The Band' }, { track: 2, title: 'Two' }] },
    });
  });
  it('refuses what CD-TEXT cannot hold, naming the field', () => {
    const original = cdTextDraftOf(ALBUM);
    expect(cdTextRequestOf({ ...original, disc: { title: 'x'.repeat(101), performer: '' } }, original).problem).toBe('CD-TEXT: Disc title is 101 characters, at most 100.');
    expect(cdTextRequestOf({ ...original, tracks: [{ track: 1, title: 'Ωmega', performer: '' }, original.tracks[1]!] }, original).problem).toMatch(/^CD-TEXT: Track 1 title has characters CD-TEXT cannot hold/);
    expect(cdTextRequestOf({ ...original, disc: { title: 'Café', performer: '' } }, original).cdText?.disc).toEqual({ title: 'Café' });
    const empty = { disc: { title: '', performer: '' }, tracks: original.tracks.map((t) => ({ ...t, title: '', performer: '' })) };
    expect(cdTextRequestOf(empty, original).problem).toMatch(/every field is empty/);
    const many = { disc: original.disc, tracks: Array.from({ length: 21 }, (_, i) => ({ track: i + 1, title: 'w'.repeat(100), performer: '' })) };
    expect(cdTextRequestOf(many, original).problem).toBe('CD-TEXT: 2109 characters of titles over the disc and its tracks, at most 2000.');
  });
  it('renders labelled fields filled from the image, and nothing for an image without a TOC', () => {
    function Part({ image }: { readonly image: ImageView }): ReactNode {
      return useCdTextPart(image).part;
    }
    const html = renderToStaticMarkup(createElement(Part, { image: ALBUM }));
    expect(html).toContain('aria-label="Disc title"');
    expect(html).toMatch(/aria-label="Disc title"[^>]*value="The Album"/);
    expect(html).toMatch(/aria-label="Track 1 performer"[^>]*value="The Band"/);
    expect(html).toMatch(/aria-label="Track 2 title"[^>]*value=""/);
    expect(html).toContain('The image’s own CD-TEXT');
    const { tocFile: _toc, ...noToc } = ALBUM;
    expect(renderToStaticMarkup(createElement(Part, { image: noToc }))).toBe('');
  });
});

describe('the run card', () => {
  it('shows the label merge values and the run\'s CD-TEXT title and performer', () => {
    const html = renderToStaticMarkup(createElement(RunText, {
      run: { labelMerge: ['ACME', 'Batch 7'], cdText: { disc: { title: 'Live at Home', performer: 'The Band' }, tracks: [{ track: 2, title: 'Two' }] } },
    }));
    expect(html).toContain('Label merge: 1. ACME · 2. Batch 7');
    expect(html).toContain('CD-TEXT: Live at Home — The Band · 1 track named');
    expect(renderToStaticMarkup(createElement(RunText, { run: {} }))).toBe('');
  });
});

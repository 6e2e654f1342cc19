/**
 * A mastered audio CD's TOC file kept in the library beside its BIN/CUE:
 * listed among the image's files (hashed), rewritten to the library's BIN
 * name and read by cdrdao against it, its CD-TEXT/ISRC/catalog in the
 * record and the image view, its path in the run image (what the drive
 * burns from). A TOC of another disc is refused.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTocFile, readTocContent, showTocFrames } from 'node-cdrecord-wrapper';
import { toImageView } from '../../src/api/views/image-view.js';
import { ImageValidationError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { runImageOf } from '../../src/library/run-image.js';
import { ImageView } from '../../src/shared/view-schemas.js';
import { entries, makeTempDir, sha256 } from './support.js';

const TOC = readFileSync(fileURLToPath(new URL('../../../../drivers/test/fixtures/toc/mastered-audio.toc', import.meta.url)), 'latin1');
const FRAMES = 1500;
const CUE = [
  'FILE "master.bin" MOTOROLA', '  TRACK 01 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:01:00',
  '  TRACK 02 AUDIO', '    INDEX 00 00:08:00', '    INDEX 01 00:10:00', '',
].join('\n');
const provenance = { kind: 'mastered' as const, drive: '/dev/sr0', at: '2026-12-03T23:00:00.000Z' };

describe('a mastered disc keeps its TOC file', () => {
  let work: ReturnType<typeof makeTempDir>;
  let lib: string;
  let n = 0;
  beforeAll(() => {
    work = makeTempDir('mastered-toc-');
  });
  afterAll(() => work.cleanup());
  beforeEach(() => {
    lib = path.join(work.dir, `library-${++n}`);
  });

  /** What masterAudioDisc leaves: master.bin, master.toc, master.cue in a folder of the library volume. */
  function masterOutput(toc = TOC): string {
    const dir = path.join(lib, '.mastering', 'm1');
    mkdirSync(dir, { recursive: true });
    const fd = openSync(path.join(dir, 'master.bin'), 'w');
    ftruncateSync(fd, FRAMES * 2352);
    closeSync(fd);
    writeFileSync(path.join(dir, 'master.toc'), toc, 'latin1');
    writeFileSync(path.join(dir, 'master.cue'), CUE);
    return dir;
  }

  it('lists the TOC among the files, naming the library BIN, with CD-TEXT, ISRC and MCN in the record, view and run image', async () => {
    const library = await ImageLibrary.open({ dir: lib, importRoots: [work.dir] });
    const dir = masterOutput();
    const record = await library.addMasteredImage(path.join(dir, 'master.cue'), { format: 'bin-cue', provenance, allowDamaged: false, tocFile: path.join(dir, 'master.toc') });
    const tocName = `${record.id}.toc`;
    const toc = record.files.find((f) => f.role === 'toc');
    const kept = readFileSync(path.join(lib, tocName));
    expect(toc).toEqual({ path: tocName, role: 'toc', bytes: kept.length, sha256: sha256(kept) });
    expect(entries(lib).filter((f) => !f.startsWith('.'))).toEqual([`${record.id}-01.bin`, `${record.id}.cue`, `${record.id}.image.json`, tocName]);
    expect(parseTocFile(kept.toString('latin1')).files).toEqual([`${record.id}-01.bin`]);
    const original = readTocContent(TOC);
    expect(readTocContent(kept.toString('latin1'))).toEqual({ ...original, tracks: original.tracks.map((t) => ({ ...t, files: [`${record.id}-01.bin`] })) });
    expect(await showTocFrames(path.join(lib, tocName), 2)).toBe(FRAMES);

    expect(record.cue).toMatchObject({ catalog: '0724384960650', cdText: { TITLE: 'Night "Songs"', PERFORMER: 'The Band' } });
    expect(record.volumeLabel).toBe('Night "Songs"');
    expect(record.tracks.map((t) => [t.isrc, t.title, t.performer])).toEqual([['USABC2400001', 'Intro', 'The Band'], ['USABC2400002', 'Tone', 'Sine']]);

    const view = toImageView(record, false);
    expect(view.tracks).toEqual([
      { number: 1, mode: 'AUDIO', startSector: 75, sectors: 525, pregapSectors: 75, isrc: 'USABC2400001', title: 'Intro', performer: 'The Band' },
      { number: 2, mode: 'AUDIO', startSector: 750, sectors: 750, pregapSectors: 150, isrc: 'USABC2400002', title: 'Tone', performer: 'Sine' },
    ]);
    expect(view.tracks.at(-1)!.startSector + view.tracks.at(-1)!.sectors).toBe(record.sectors);
    expect(view).toMatchObject({ catalog: '0724384960650', cdText: { title: 'Night "Songs"', performer: 'The Band' }, tocFile: tocName });
    expect(Value.Check(ImageView as never, view)).toBe(true);

    expect(runImageOf(record, path.join(lib, record.imageFile)).tocPath).toBe(path.join(lib, tocName));
    // The sidecar keeps it: a library opened again lists the same files.
    const again = await ImageLibrary.open({ dir: lib, importRoots: [work.dir] });
    expect(again.get(record.id)?.files.map((f) => f.role)).toContain('toc');
  });

  it('refuses the TOC of another disc (other track modes); nothing enters the library', async () => {
    const library = await ImageLibrary.open({ dir: lib, importRoots: [work.dir] });
    const dir = masterOutput('CD_ROM\nTRACK MODE1_RAW\nDATAFILE "master.bin" 00:20:00\n');
    await expect(library.addMasteredImage(path.join(dir, 'master.cue'), { format: 'bin-cue', provenance, allowDamaged: false, tocFile: path.join(dir, 'master.toc') }))
      .rejects.toBeInstanceOf(ImageValidationError);
    expect(library.list()).toEqual([]);
  });

  it('an image mastered without a TOC has none, and no tocPath to burn from', async () => {
    const library = await ImageLibrary.open({ dir: lib, importRoots: [work.dir] });
    const dir = masterOutput();
    const record = await library.addMasteredImage(path.join(dir, 'master.cue'), { format: 'bin-cue', provenance, allowDamaged: false });
    expect(record.files.map((f) => f.role)).toEqual(['cue', 'bin']);
    expect(runImageOf(record, path.join(lib, record.imageFile)).tocPath).toBeUndefined();
    expect(toImageView(record, false)).not.toHaveProperty('tocFile');
  });
});

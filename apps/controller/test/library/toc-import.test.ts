/**
 * cdrdao TOC files into the library: recognised by structure (they were
 * refused as broken CUE sheets), converted by toc2cue, their track list
 * held against the TOC's, staged as CUE images with the data files beside
 * the TOC; a TOC with CD-TEXT is kept beside the image. File references
 * leaving the TOC's folder, missing files, what toc2cue cannot convert and
 * uploads (no data files can come with them) are refused with typed errors
 * and nothing left.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import { ContainerPathTraversalError, CueStructureError, ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeTempDir, sha256 } from './support.js';

describe('cdrdao TOC files in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  let audio: Buffer;
  let data: Buffer;
  const put = (name: string, content: string | Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, content);
    return p;
  };
  /** A TOC file cdrdao itself accepts (`cdrdao show-toc` exits 0), written into the import root. */
  const toc = (name: string, text: string): string => {
    const p = put(name, text);
    expect(spawnSync('cdrdao', ['show-toc', p], { cwd: roots }).status).toBe(0);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-toc-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    audio = Buffer.alloc(2352 * 600);
    for (let i = 0; i < audio.length; i += 2) audio.writeInt16BE(Math.round(8000 * Math.sin(i / 40)), i);
    data = Buffer.alloc(2048 * 400, 0x42);
    put('album.bin', audio);
    put('data.iso', data);
    writeFileSync(path.join(work.dir, 'outside.bin'), audio);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('an audio TOC with CD-TEXT and ISRC: two AUDIO tracks (MOTOROLA samples), the TOC kept beside the image', async () => {
    const file = toc('album.toc', [
      'CD_DA', '', 'CD_TEXT {', '  LANGUAGE_MAP { 0 : EN }', '  LANGUAGE 0 { TITLE "The Album" PERFORMER "The Band" }', '}', '',
      '// Track 1', 'TRACK AUDIO', 'NO COPY', 'ISRC "USABC2612345"', 'CD_TEXT { LANGUAGE 0 { TITLE "One" } }', 'FILE "album.bin" 0 00:04:00', '',
      'TRACK AUDIO', 'FILE "album.bin" 00:04:00 00:04:00', 'START 00:01:00', '',
    ].join('\n'));
    const record = await library.importFromPath(file);
    expect(record).toMatchObject({
      format: 'cue', imageFile: `${record.id}.cue`, sha256: sha256(audio), sizeBytes: audio.length,
      provenance: { kind: 'imported', path: file, conversion: { from: 'toc', sourceSha256: sha256(readFileSync(file)), keptSource: `${record.id}.toc` } },
    });
    expect(record.tracks.map((t) => t.mode)).toEqual(['AUDIO', 'AUDIO']);
    expect(record.provenance.conversion?.proof).toMatch(/^cdrdao show-toc accepts the TOC file against its data files \(600 frames\); toc2cue's CUE sheet has the TOC file's 2 track\(s\) with the same modes; raw audio marked MOTOROLA.*TOC file is kept beside the image$/);
    expect(record.provenance.conversion?.command).toEqual(['toc2cue', 'album.toc', 'toc2cue.cue']);
    expect(record.files.map((f) => f.role)).toEqual(['cue', 'bin', 'source']);
    const sheet = readFileSync(path.join(library.dir, record.imageFile), 'utf8');
    expect(sheet).toMatch(/^FILE "img-[0-9a-f]+-01\.bin" MOTOROLA$/m);
    expect(readFileSync(path.join(library.dir, `${record.id}.toc`)).equals(readFileSync(file))).toBe(true);
  });

  it('a data TOC (CD_ROM, MODE1 DATAFILE): one MODE1/2048 track, the TOC not kept', async () => {
    const record = await library.importFromPath(toc('data.toc', 'CD_ROM\n\nTRACK MODE1\nDATAFILE "data.iso"\n'));
    expect(record).toMatchObject({ format: 'cue', sha256: sha256(data), provenance: { conversion: { from: 'toc' } } });
    expect(record.tracks.map((t) => [t.mode, t.frames])).toEqual([['MODE1/2048', 400]]);
    expect(record.files.map((f) => f.role)).toEqual(['cue', 'bin']);
  });

  it('a CUE sheet whose REM lines read like a TOC is still a CUE sheet', async () => {
    put('data.bin', data);
    const record = await library.importFromPath(put('rem.cue', 'REM CD_ROM\nREM TRACK MODE1\nFILE "data.bin" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n'));
    expect(record).toMatchObject({ format: 'cue', sha256: sha256(data) });
    expect(record.provenance.conversion).toBeUndefined();
  });

  it('probeImage (tower drive burn) names a TOC file as one, not as a broken CUE sheet', async () => {
    await expect(probeImage(path.join(roots, 'data.toc'))).rejects.toThrow(/a cdrdao TOC file, not a CUE sheet: import it into the library by path/);
  });

  it.each([
    ['FILE "../outside.bin"', 'CD_DA\nTRACK AUDIO\nFILE "../outside.bin" 0\n', ContainerPathTraversalError, /outside its folder.*\.\.\/outside\.bin/],
    ['FILE "/etc/passwd"', 'CD_DA\nTRACK AUDIO\nFILE "/etc/passwd" 0\n', ContainerPathTraversalError, /\/etc\/passwd/],
    ['DATAFILE "-" (standard input)', 'CD_ROM\nTRACK MODE1\nDATAFILE "-"\n', ContainerPathTraversalError, /standard input/],
    ['a symlink out of the folder', 'CD_DA\nTRACK AUDIO\nFILE "link.bin" 0\n', ContainerPathTraversalError, /resolves outside its folder: link\.bin/],
    ['a missing file', 'CD_DA\nTRACK AUDIO\nFILE "missing.bin" 0\n', ImageConversionError, /TOC file names a missing file: missing\.bin/],
    ['two data files (toc2cue cannot)', 'CD_DA\nTRACK AUDIO\nFILE "album.bin" 0\nTRACK AUDIO\nFILE "data.iso" 0\n', ImageConversionError, /^toc2cue could not convert the TOC file \(exit 1\): .*references multiple data files/],
    ['a start past the file (cdrdao refuses it)', 'CD_DA\nTRACK AUDIO\nFILE "album.bin" 00:30:00\n', ImageConversionError, /^cdrdao show-toc refuses the TOC file \(exit 1\): Start position 1323000 exceeds available data of file "album\.bin"/],
    ['a length past the file (cdrdao calls it inconsistent, yet exits 0)', 'CD_ROM\nTRACK MODE1\nDATAFILE "data.iso" 99:00:00\n', ImageConversionError, /^cdrdao show-toc refuses the TOC file \(exit 0\): Track 1: Requested length \(912384000 bytes\) exceeds length of file/],
    ['an unknown mode', 'CD_ROM\nTRACK AUDIO\nFILE "album.bin" 0\nTRACK MODE9\nDATAFILE "data.iso"\n', CueStructureError, /unknown track mode 'MODE9'/],
    ['SWAP', 'CD_DA\nTRACK AUDIO\nSWAP\nFILE "album.bin" 0\n', CueStructureError, /SWAP/],
  ])('%s: refused with a typed error, nothing left', async (_what, text, error, message) => {
    try {
      symlinkSync(path.join(work.dir, 'outside.bin'), path.join(roots, 'link.bin'));
    } catch {
      // made by an earlier case
    }
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${before.length}-${Math.random().toString(36).slice(2)}.toc`, text)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });

  it('an uploaded TOC is refused, naming TOC and saying how to import it', async () => {
    const before = listing();
    const err: unknown = await library.importUpload(Readable.from([Buffer.from('CD_ROM\nTRACK MODE1\nDATAFILE "data.iso"\n')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toBe('a cdrdao TOC file cannot bring its data files in an upload: import it by path, with its data files beside it');
    expect(listing()).toEqual(before);
  });
});

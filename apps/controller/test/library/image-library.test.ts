import { createReadStream, existsSync, statSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { identityText, imageFileIdentity, probeImage } from 'node-cdrecord-wrapper';
import { ImageLibrary } from '../../src/library/image-library.js';
import {
  CueIndexError,
  CueMissingFileError,
  CuePathTraversalError,
  CueSizeMismatchError,
  CueSyntaxError,
  CueUnknownModeError,
  DamagedImageError,
  ImageInUseError,
  ImageNotFoundError,
  ImageValidationError,
  ImportPathError,
  InvalidDamageReportError,
  IsoTruncatedError,
  UnrecognisedImageError,
  UploadTooLargeError,
} from '../../src/library/errors.js';
import { audioFrames, entries, makeIso, makeTempDir, mode1RawFromIso, noise, sha256 } from './support.js';

describe('ImageLibrary', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let outside: string;
  let iso: string;
  let isoBytes: Buffer;
  let lib: string;
  let n = 0;

  beforeAll(() => {
    work = makeTempDir('lib-');
    roots = path.join(work.dir, 'incoming');
    outside = path.join(work.dir, 'outside');
    mkdirSync(roots);
    mkdirSync(outside);
    iso = makeIso(roots, { name: 'disc.iso', payloadBytes: 96 * 1024, label: 'LIBTEST' });
    isoBytes = readFileSync(iso);
  });
  afterAll(() => work.cleanup());
  beforeEach(() => {
    lib = path.join(work.dir, `library-${++n}`);
  });

  const open = (extra: Partial<ConstructorParameters<typeof ImageLibrary>[0]> = {}): Promise<ImageLibrary> =>
    ImageLibrary.open({ dir: lib, importRoots: [roots], ...extra });

  it('imports an ISO by path: copied, hashed, validated, sidecar beside it', async () => {
    const library = await open();
    const record = await library.importFromPath('disc.iso');
    expect(record).toMatchObject({
      format: 'iso',
      name: 'disc.iso',
      volumeLabel: 'LIBTEST',
      sizeBytes: isoBytes.length,
      sectors: isoBytes.length / 2048,
      sha256: sha256(isoBytes),
      mediaClass: 'cd',
      damaged: false,
      filesystems: { iso9660: true, joliet: true, rockRidge: true, udf: false, elTorito: false },
      provenance: { kind: 'imported', path: iso },
    });
    expect(record.mediaSizes).toEqual(['cd-650', 'cd-700', 'cd-800', 'dvd', 'dvd-dl', 'bd', 'bd-dl']);
    expect(record.tracks).toHaveLength(1);
    expect(entries(lib)).toEqual([`${record.id}.image.json`, `${record.id}.iso`]);
    expect(readFileSync(library.imagePath(record.id)).equals(isoBytes)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(lib, `${record.id}.image.json`), 'utf8'))).toEqual(record);
    expect(library.get(record.id)).toEqual(record);
    expect(library.list()).toEqual([record]);
    // The file's identity as it sits in the library, so verification can trust the digest while it holds.
    expect(record.fileIdentity).toBe(identityText(imageFileIdentity(statSync(library.imagePath(record.id), { bigint: true }))));
    // an absolute path inside the roots works too
    const again = await library.importFromPath(iso, { name: 'Second copy' });
    expect(again.name).toBe('Second copy');
    expect(library.list()).toHaveLength(2);
  });

  it('imports an ISO upload, recognised by structure whatever its name', async () => {
    const library = await open();
    const record = await library.importUpload(createReadStream(iso), { fileName: 'holiday-photos.cue', uploadedBy: 'op1' });
    expect(record).toMatchObject({ format: 'iso', sha256: sha256(isoBytes), provenance: { kind: 'uploaded', fileName: 'holiday-photos.cue', by: 'op1' } });
    expect(entries(lib)).toEqual([`${record.id}.image.json`, `${record.id}.iso`]);
  });

  it('refuses an upload over the size limit and keeps nothing', async () => {
    const library = await open({ maxUploadBytes: 64 * 1024 });
    const stream = createReadStream(iso, { highWaterMark: 16 * 1024 });
    await expect(library.importUpload(stream)).rejects.toThrow(UploadTooLargeError);
    expect(stream.destroyed).toBe(true);
    expect(entries(lib)).toEqual([]);
    expect(library.list()).toEqual([]);
  });

  it('refuses a truncated ISO and an unrecognised file, keeping nothing', async () => {
    const library = await open();
    const cut = path.join(roots, 'cut.iso');
    writeFileSync(cut, isoBytes.subarray(0, isoBytes.length - 8 * 2048));
    await expect(library.importFromPath('cut.iso')).rejects.toThrow(IsoTruncatedError);
    await expect(library.importUpload(Readable.from([isoBytes.subarray(0, isoBytes.length / 2)]))).rejects.toThrow(IsoTruncatedError);
    writeFileSync(path.join(roots, 'junk.iso'), noise(80 * 1024));
    await expect(library.importFromPath('junk.iso')).rejects.toThrow(UnrecognisedImageError);
    expect(entries(lib)).toEqual([]);
  });

  it('refuses import paths outside the roots: .., absolute elsewhere, escaping symlinks', async () => {
    const library = await open();
    const secret = path.join(outside, 'secret.iso');
    copyFileSync(iso, secret);
    symlinkSync(secret, path.join(roots, 'escape.iso'));
    symlinkSync(outside, path.join(roots, 'escape-dir'));
    for (const p of ['../outside/secret.iso', `${roots}/../outside/secret.iso`, secret, 'escape.iso', 'escape-dir/secret.iso', '/etc/passwd', 'missing.iso']) {
      await expect(library.importFromPath(p), p).rejects.toThrow(ImportPathError);
    }
    await expect(library.importFromPath('escape.iso')).rejects.toThrow(/through a link/);
    await expect(library.importFromPath('../outside/secret.iso')).rejects.toThrow(/'\.\.'/);
    await expect(library.importFromPath(secret)).rejects.toThrow(/outside the import roots/);
    expect(entries(lib)).toEqual([]);
  });

  describe('CUE/BIN', () => {
    let cueDir: string;
    let dataBin: Buffer;
    let audio: Buffer;
    let dataFrames: number;
    const cueText = (dataName = 'data.bin'): string =>
      [
        'REM made by the test',
        'CATALOG 0123456789012',
        'TITLE "Mixed Mode Test"',
        'PERFORMER "Tower"',
        `FILE ${dataName} BINARY`,
        '  TRACK 01 MODE1/2352',
        '    INDEX 01 00:00:00',
        'FILE "audio one.bin" BINARY',
        '  TRACK 02 AUDIO',
        '    TITLE "Tone"',
        '    PERFORMER "Sine"',
        '    ISRC USABC2400001',
        '    PREGAP 00:02:00',
        '    INDEX 01 00:00:00',
        '  TRACK 03 AUDIO',
        '    INDEX 00 00:01:00',
        '    INDEX 01 00:02:00',
        '',
      ].join('\r\n');

    beforeAll(() => {
      cueDir = path.join(roots, 'mixed');
      mkdirSync(cueDir);
      dataBin = mode1RawFromIso(isoBytes);
      dataFrames = isoBytes.length / 2048;
      audio = audioFrames(300);
      writeFileSync(path.join(cueDir, 'data.bin'), dataBin);
      writeFileSync(path.join(cueDir, 'audio one.bin'), audio);
      writeFileSync(path.join(cueDir, 'disc.cue'), cueText());
    });

    const expectLayout = (record: Awaited<ReturnType<ImageLibrary['importFromPath']>>): void => {
      expect(record.format).toBe('cue');
      expect(record.tracks.map((t) => ({ n: t.number, mode: t.mode, start: t.startFrame, frames: t.frames, pregap: t.pregapFrames }))).toEqual([
        { n: 1, mode: 'MODE1/2352', start: 0, frames: dataFrames, pregap: 0 },
        { n: 2, mode: 'AUDIO', start: dataFrames + 150, frames: 150 + 75, pregap: 150 },
        { n: 3, mode: 'AUDIO', start: dataFrames + 150 + 150, frames: 225, pregap: 75 },
      ]);
      expect(record.tracks[1]).toMatchObject({ isrc: 'USABC2400001', title: 'Tone', performer: 'Sine' });
      expect(record.sectors).toBe(dataFrames + 450);
      expect(record.sizeBytes).toBe(dataBin.length + audio.length);
      expect(record.sha256).toBe(sha256(dataBin, audio));
      expect(record.mediaSizes).toEqual(['cd-650', 'cd-700', 'cd-800']);
      expect(record.mediaClass).toBe('cd');
      expect(record.volumeLabel).toBe('Mixed Mode Test');
      expect(record.cue).toMatchObject({ catalog: '0123456789012' });
    };

    it('imports a multi-track CUE with its BINs by path; the copied CUE names the copied BINs', async () => {
      const library = await open();
      const record = await library.importFromPath('mixed/disc.cue');
      expectLayout(record);
      const id = record.id;
      expect(entries(lib)).toEqual([`${id}-01.bin`, `${id}-02.bin`, `${id}.cue`, `${id}.image.json`]);
      const cue = readFileSync(path.join(lib, `${id}.cue`), 'utf8');
      expect(cue).toContain(`FILE "${id}-01.bin" BINARY`);
      expect(cue).toContain(`FILE "${id}-02.bin" BINARY`);
      expect(readFileSync(path.join(lib, `${id}-02.bin`)).equals(audio)).toBe(true);
      expect(record.files.map((f) => [f.path, f.role])).toEqual([[`${id}.cue`, 'cue'], [`${id}-01.bin`, 'bin'], [`${id}-02.bin`, 'bin']]);
      expect(library.imagePath(id)).toBe(path.join(lib, `${id}.cue`));
      // The burn path's own probe reads the library's copy the same way.
      const probed = await probeImage(library.imagePath(id));
      expect(probed.sectors).toBe(record.sectors);
      expect(probed.sizeBytes).toBe(record.sizeBytes);
    });

    it('imports a CUE upload with its BINs as companion streams', async () => {
      const library = await open();
      const record = await library.importUpload(Readable.from([Buffer.from(cueText())]), {
        fileName: 'disc.cue',
        companions: { 'data.bin': createReadStream(path.join(cueDir, 'data.bin')), 'audio one.bin': createReadStream(path.join(cueDir, 'audio one.bin')) },
      });
      expectLayout(record);
      expect(entries(lib)).toHaveLength(4);
    });

    it('refuses a CUE upload whose BIN stream is missing, keeping nothing', async () => {
      const library = await open();
      const upload = library.importUpload(Readable.from([Buffer.from(cueText())]), { companions: { 'data.bin': createReadStream(path.join(cueDir, 'data.bin')) } });
      await expect(upload).rejects.toThrow(CueMissingFileError);
      expect(entries(lib)).toEqual([]);
    });

    it.each([
      ['a missing BIN', 'missing', { 'disc.cue': cueText('nothere.bin') }, CueMissingFileError, /missing file: nothere.bin/],
      ['a BIN of the wrong size', 'size', { 'disc.cue': cueText(), 'data.bin': Buffer.alloc(2352 * 20 + 100), 'audio one.bin': 'copy' }, CueSizeMismatchError, /not a whole number of 2352-byte MODE1\/2352 frames/],
      ['a path out of its folder', 'traversal', { 'disc.cue': cueText('../data.bin') }, CuePathTraversalError, /outside its folder/],
      ['an absolute path', 'absolute', { 'disc.cue': cueText('/etc/passwd') }, CuePathTraversalError, /outside its folder/],
      ['an unknown mode', 'mode', { 'disc.cue': 'FILE "a.bin" BINARY\n  TRACK 01 MODE7/2352\n    INDEX 01 00:00:00\n', 'a.bin': Buffer.alloc(2352 * 10) }, CueUnknownModeError, /line 2: unknown track mode/],
      ['garbage', 'garbage', { 'disc.cue': 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n  &&& what is this\n', 'a.bin': Buffer.alloc(2352 * 10) }, CueSyntaxError, /line 3: unknown command/],
      ['an INDEX past its file', 'index', { 'disc.cue': 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 01 01:00:00\n', 'a.bin': Buffer.alloc(2352 * 10) }, CueIndexError, /past the end/],
    ])('refuses a CUE sheet with %s, with its own error, keeping nothing', async (_what, folder, files, errorClass, message) => {
      const dir = path.join(roots, `bad-${folder}`);
      mkdirSync(dir);
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(path.join(dir, name), content === 'copy' ? audio : content);
      }
      if (folder === 'traversal') writeFileSync(path.join(roots, 'data.bin'), dataBin);
      const library = await open();
      const attempt = library.importFromPath(`bad-${folder}/disc.cue`);
      await expect(attempt).rejects.toThrow(errorClass);
      await expect(library.importFromPath(`bad-${folder}/disc.cue`)).rejects.toThrow(message);
      await expect(library.importFromPath(`bad-${folder}/disc.cue`)).rejects.toBeInstanceOf(ImageValidationError);
      expect(entries(lib)).toEqual([]);
      expect(library.list()).toEqual([]);
    });

    it('refuses a CUE whose BIN is a symlink out of the import roots', async () => {
      const dir = path.join(roots, 'linked');
      mkdirSync(dir);
      writeFileSync(path.join(outside, 'data.bin'), dataBin);
      symlinkSync(path.join(outside, 'data.bin'), path.join(dir, 'data.bin'));
      copyFileSync(path.join(cueDir, 'audio one.bin'), path.join(dir, 'audio one.bin'));
      writeFileSync(path.join(dir, 'disc.cue'), cueText());
      const library = await open();
      await expect(library.importFromPath('linked/disc.cue')).rejects.toThrow(CuePathTraversalError);
      expect(entries(lib)).toEqual([]);
    });
  });

  it('deletes an image unless an unfinished run uses it', async () => {
    const inUse = new Set<string>();
    const library = await open({ isInUse: (id) => Promise.resolve(inUse.has(id)) });
    const busy = await library.importFromPath('disc.iso');
    const free = await library.importFromPath('disc.iso');
    inUse.add(busy.id);
    await expect(library.delete(busy.id)).rejects.toThrow(ImageInUseError);
    expect(existsSync(path.join(lib, `${busy.id}.iso`))).toBe(true);
    await library.delete(free.id);
    expect(entries(lib)).toEqual([`${busy.id}.image.json`, `${busy.id}.iso`]);
    expect(library.get(free.id)).toBeUndefined();
    await expect(library.delete(free.id)).rejects.toThrow(ImageNotFoundError);
    await expect(library.delete('../../etc')).rejects.toThrow(ImageNotFoundError);
  });

  it('renames atomically; the name survives rebuild and a fresh library', async () => {
    const library = await open();
    const record = await library.importFromPath('disc.iso');
    const renamed = await library.rename(record.id, '  Customer ACME master v2 ');
    expect(renamed.name).toBe('Customer ACME master v2');
    expect(entries(lib)).toEqual([`${record.id}.image.json`, `${record.id}.iso`]);
    await expect(library.rename(record.id, '')).rejects.toThrow(/empty/);
    const report = await library.rebuild();
    expect(report).toMatchObject({ images: 1, adopted: [], orphanSidecars: [], invalidSidecars: [], rejectedFiles: [] });
    expect(library.get(record.id)?.name).toBe('Customer ACME master v2');
    const fresh = await open();
    expect(fresh.get(record.id)).toEqual(renamed);
  });

  it('rebuilds the index from the folder: adopts sidecar-less images, reports orphans and junk', async () => {
    const library = await open();
    const kept = await library.importFromPath('disc.iso');
    const lost = await library.importFromPath('disc.iso');
    unlinkSync(path.join(lib, `${lost.id}.iso`));
    copyFileSync(iso, path.join(lib, 'dropped-in.iso'));
    const cueDir = path.join(roots, 'mixed');
    for (const f of ['disc.cue', 'data.bin', 'audio one.bin']) copyFileSync(path.join(cueDir, f), path.join(lib, f));
    writeFileSync(path.join(lib, 'notes.txt'), 'not an image\n');
    writeFileSync(path.join(lib, 'img-broken.image.json'), '{ nope');
    mkdirSync(path.join(lib, '.tmp-leftover'));

    const fresh = new ImageLibrary({ dir: lib });
    const report = await fresh.rebuild();
    expect(report.images).toBe(3);
    expect(report.adopted).toHaveLength(2);
    expect(report.orphanSidecars).toEqual([{ file: `${lost.id}.image.json`, missing: [`${lost.id}.iso`] }]);
    expect(report.invalidSidecars).toEqual([{ file: 'img-broken.image.json', reason: expect.stringMatching(/JSON/) as unknown }]);
    expect(report.rejectedFiles).toEqual([{ file: 'notes.txt', reason: expect.stringMatching(/too short/) as unknown, code: 'IMAGE_UNRECOGNISED' }]);
    expect(fresh.get(kept.id)).toEqual(kept);
    const adopted = report.adopted.map((id) => fresh.require(id));
    const adoptedIso = adopted.find((r) => r.format === 'iso');
    const adoptedCue = adopted.find((r) => r.format === 'cue');
    expect(adoptedIso).toMatchObject({ imageFile: 'dropped-in.iso', sha256: sha256(isoBytes), provenance: { kind: 'adopted', fileName: 'dropped-in.iso' } });
    expect(adoptedCue?.files.map((f) => f.path)).toEqual(['disc.cue', 'data.bin', 'audio one.bin']);
    expect(adoptedCue?.mediaClass).toBe('cd');
    // A second rebuild finds everything by sidecar.
    const again = await fresh.rebuild();
    expect(again.adopted).toEqual([]);
    expect(again.images).toBe(3);
  });

  describe('addMasteredImage', () => {
    it('refuses a damaged image unless allowed, leaving the temp file where it was', async () => {
      const library = await open();
      mkdirSync(lib, { recursive: true });
      const temp = path.join(lib, '.tmp-master.iso');
      copyFileSync(iso, temp);
      const provenance = { kind: 'mastered' as const, drive: '/dev/sr1', at: '2025-01-02T03:04:05.000Z' };
      const damage = { unreadable: [{ startSector: 40, sectors: 2, status: 'unreadable' as const }, { startSector: 20, sectors: 5 }, { startSector: 24, sectors: 3 }] };
      await expect(library.addMasteredImage(temp, { format: 'iso', provenance, damage, allowDamaged: false })).rejects.toThrow(DamagedImageError);
      expect(existsSync(temp)).toBe(true);
      await expect(library.addMasteredImage(temp, { format: 'cue', provenance, allowDamaged: false })).rejects.toThrow(/expected a CUE sheet/);
      expect(entries(lib)).toEqual(['.tmp-master.iso']);

      const record = await library.addMasteredImage(temp, { format: 'iso', provenance, damage, allowDamaged: true, name: 'Master from sr1' });
      expect(record).toMatchObject({
        name: 'Master from sr1',
        damaged: true,
        damage: { unreadable: [{ startSector: 20, sectors: 7 }, { startSector: 40, sectors: 2 }] },
        provenance,
        sha256: sha256(isoBytes),
      });
      expect(existsSync(temp)).toBe(false);
      expect(entries(lib)).toEqual([`${record.id}.image.json`, `${record.id}.iso`]);
    });

    it('accepts a clean mastered image from another folder, named after its volume label', async () => {
      const library = await open();
      const temp = path.join(work.dir, 'mastered.iso');
      copyFileSync(iso, temp);
      const record = await library.addMasteredImage(temp, { format: 'iso', provenance: { kind: 'mastered', drive: 'sim:0', at: new Date().toISOString() }, allowDamaged: false });
      expect(record.damaged).toBe(false);
      expect(record.damage).toBeUndefined();
      expect(record.name).toBe('LIBTEST');
      rmSync(temp, { force: true });
    });

    it('takes a mastered BIN/CUE (the format the audio mastering writes), moving the BIN with its sheet', async () => {
      const library = await open();
      const dir = path.join(lib, '.tmp-master-audio');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'disc.bin'), audioFrames(400));
      writeFileSync(path.join(dir, 'disc.toc'), 'CD_DA\n');
      writeFileSync(path.join(dir, 'disc.cue'), 'FILE "disc.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 00 00:02:00\n    INDEX 01 00:04:00\n');
      const provenance = { kind: 'mastered' as const, drive: '/dev/sr0', at: new Date().toISOString() };
      await expect(
        library.addMasteredImage(path.join(dir, 'disc.cue'), { format: 'bin-cue', provenance, allowDamaged: true, damage: { unreadable: [{ startSector: 399, sectors: 2 }] } }),
      ).rejects.toThrow(InvalidDamageReportError);
      const record = await library.addMasteredImage(path.join(dir, 'disc.cue'), { format: 'bin-cue', provenance, allowDamaged: false });
      expect(record.tracks.map((t) => [t.startFrame, t.frames, t.pregapFrames])).toEqual([[0, 150, 0], [300, 250, 150]]);
      expect(record.sha256).toBe(sha256(audioFrames(400)));
      expect(entries(dir)).toEqual(['disc.toc']);
      expect(entries(lib).filter((f) => !f.startsWith('.'))).toEqual([`${record.id}-01.bin`, `${record.id}.cue`, `${record.id}.image.json`]);
    });
  });
});

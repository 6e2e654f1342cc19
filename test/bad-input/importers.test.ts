/**
 * Bad input to the image importers: ImageLibrary.importFromPath and
 * importUpload with CUE sheets whose FILE lines leave the folder (../, absolute
 * paths, drive letters, UNC paths, NUL bytes), very long lines, truncated and
 * garbage ISOs, a sparse ISO larger than any disc, empty files, folders, FIFOs,
 * failing and oversized streams.
 * Each is refused with a typed LibraryError (the class named), and the
 * library folder (hidden staging files too) and index are left as they were.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIso, makeTempDir } from '../../drivers/test/support/test-images.js';
import {
  CuePathTraversalError, ImageTooLargeError, ImageValidationError, ImportPathError, IsoDescriptorError, IsoTruncatedError,
  LibraryError, UnrecognisedImageError, UploadTooLargeError,
} from '../../apps/controller/src/library/errors.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

type ErrorClass = abstract new (...args: never[]) => LibraryError;

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
let iso: Buffer;

beforeAll(async () => {
  tmp = makeTempDir('tower-bad-import-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(root);
  iso = readFileSync(makeIso(root, { name: 'good.iso', payloadBytes: 64 * 1024, label: 'GOOD' }));
  writeFileSync(path.join(root, 'data.bin'), Buffer.alloc(2048 * 40));
  writeFileSync(path.join(tmp.dir, 'outside.bin'), Buffer.alloc(2048 * 40));
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root], maxUploadBytes: 1024 * 1024 });
  await library.importFromPath(path.join(root, 'good.iso'), { name: 'the one good image' });
});
afterAll(() => tmp?.cleanup());

const cue = (file: string, extra = ''): string => `${extra}FILE "${file}" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n`;

/** Write a file in the import root; returns its path. */
function put(name: string, content: string | Buffer): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

interface PathCase {
  readonly name: string;
  readonly file: () => string;
  readonly error: ErrorClass;
  readonly message?: RegExp;
}

const pathCases: PathCase[] = [
  { name: 'CUE FILE ../../etc/passwd', file: () => put('a.cue', cue('../../etc/passwd')), error: CuePathTraversalError },
  { name: 'CUE FILE ../outside.bin (exists)', file: () => put('b.cue', cue('../outside.bin')), error: CuePathTraversalError },
  { name: 'CUE FILE /etc/passwd', file: () => put('c.cue', cue('/etc/passwd')), error: CuePathTraversalError },
  { name: 'CUE FILE absolute path of a BIN inside the root', file: () => put('d.cue', cue(path.join(root, 'data.bin'))), error: CuePathTraversalError },
  { name: 'CUE FILE C:\\data.bin', file: () => put('e.cue', cue('C:\\data.bin')), error: CuePathTraversalError },
  { name: 'CUE FILE c:data.bin', file: () => put('f.cue', cue('c:data.bin')), error: CuePathTraversalError },
  { name: 'CUE FILE \\\\server\\share\\x.bin', file: () => put('g.cue', cue('\\\\server\\share\\x.bin')), error: CuePathTraversalError },
  { name: 'CUE FILE sub\\..\\..\\outside.bin', file: () => put('h.cue', cue('sub\\..\\..\\outside.bin')), error: CuePathTraversalError },
  { name: 'CUE FILE with a NUL byte', file: () => put('i.cue', cue('data.bin\0../../etc/passwd')), error: ImageValidationError },
  { name: 'CUE CDTEXTFILE ../../etc/shadow', file: () => put('j.cue', cue('data.bin', 'CDTEXTFILE "../../etc/shadow"\n')), error: CuePathTraversalError },
  { name: 'CUE with a 200 000-character line', file: () => put('k.cue', cue('data.bin', `REM ${'x'.repeat(200_000)}\n`)), error: ImageValidationError },
  { name: 'CUE with a 200 000-character FILE name', file: () => put('l.cue', cue('y'.repeat(200_000))), error: ImageValidationError },
  { name: 'CUE with control characters', file: () => put('m.cue', `FILE "data.bin" BINARY\n  TRACK 01 MODE1/2048\x1b[2J\n    INDEX 01 00:00:00\n`), error: ImageValidationError },
  { name: 'CUE FILE of a missing BIN', file: () => put('n.cue', cue('missing.bin')), error: ImageValidationError },
  { name: 'CUE FILE a symlink out of the root', file: () => { symlinkSync(path.join(tmp.dir, 'outside.bin'), path.join(root, 'link.bin')); return put('o.cue', cue('link.bin')); }, error: LibraryError },
  { name: 'CUE with binary garbage', file: () => put('p.cue', Buffer.concat([Buffer.from('FILE "data.bin" BINARY\n  TRACK 01 '), Buffer.from([0xff, 0xfe, 0, 1, 2, 0x80])])), error: ImageValidationError },
  { name: 'truncated ISO (40 KiB)', file: () => put('trunc.iso', iso.subarray(0, 40 * 1024)), error: IsoTruncatedError },
  { name: 'ISO cut in its descriptors', file: () => put('trunc2.iso', iso.subarray(0, 16 * 2048 + 512)), error: ImageValidationError },
  { name: 'ISO with block size 0', file: () => { const b = Buffer.from(iso); b.writeUInt16LE(0, 16 * 2048 + 128); b.writeUInt16BE(0, 16 * 2048 + 130); return put('bs0.iso', b); }, error: IsoDescriptorError },
  { name: 'ISO with a volume of 2^32-1 sectors', file: () => { const b = Buffer.from(iso); b.writeUInt32LE(0xffffffff, 16 * 2048 + 80); b.writeUInt32BE(0xffffffff, 16 * 2048 + 84); return put('huge.iso', b); }, error: ImageValidationError },
  { name: 'garbage .iso', file: () => put('garbage.iso', Buffer.alloc(300 * 1024, 0xa5)), error: UnrecognisedImageError },
  {
    name: 'sparse ISO of 60 GB (a few hundred KB of data): more than a BD DL, refused with the numbers before anything is copied',
    file: () => { const p = put('sparse-60g.iso', iso); truncateSync(p, 60e9); return p; },
    error: ImageTooLargeError,
    message: /^the image is 60000000000 bytes \(29296875 sectors of 2048 bytes\), more than any disc holds: the largest, BD DL 50 GB, holds 50050629632 bytes \(24438784 sectors\)$/,
  },
  { name: 'empty file', file: () => put('empty.iso', Buffer.alloc(0)), error: ImageValidationError },
  { name: 'a folder', file: () => { mkdirSync(path.join(root, 'folder.iso'), { recursive: true }); return path.join(root, 'folder.iso'); }, error: LibraryError },
  { name: 'a FIFO (must not hang)', file: () => { const p = path.join(root, 'pipe.iso'); execFileSync('mkfifo', [p]); return p; }, error: LibraryError },
  { name: 'a symlink to /dev/zero', file: () => { const p = path.join(root, 'zero.iso'); symlinkSync('/dev/zero', p); return p; }, error: ImportPathError },
  { name: 'path with ..', file: () => path.join(root, '..', 'outside.bin'), error: ImportPathError },
  { name: 'relative path climbing out', file: () => '../../../../etc/passwd', error: ImportPathError },
  { name: 'path with a NUL byte', file: () => `${path.join(root, 'good.iso')}\0`, error: ImportPathError },
];

/** Every file under the library folder, hidden ones too, with sizes. */
function snapshot(): unknown {
  const dir = library.dir;
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  return { files, index: library.list().map((r) => `${r.id}:${r.name}:${r.sha256}`) };
}

async function expectRefused(action: () => Promise<unknown>, error: ErrorClass, message?: RegExp): Promise<void> {
  const before = snapshot();
  const outcome = await Promise.race([
    action().then(() => 'imported', (err: unknown) => err),
    new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000)),
  ]);
  expect(outcome).toBeInstanceOf(error);
  expect((outcome as LibraryError).code).toMatch(/^[A-Z_]+$/);
  if (message !== undefined) expect((outcome as Error).message).toMatch(message);
  expect(snapshot()).toEqual(before);
}

describe('importFromPath refuses bad input with a typed error and changes nothing', () => {
  it.each(pathCases)('$name', async (c) => {
    const file = c.file();
    await expectRefused(() => library.importFromPath(file), c.error, c.message);
  });
});

function stream(...parts: (Buffer | Error)[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      const p = parts[i++];
      if (p === undefined) this.push(null);
      else if (p instanceof Error) this.destroy(p);
      else this.push(p);
    },
  });
}

interface UploadCase {
  readonly name: string;
  readonly stream: () => Readable;
  readonly options?: () => Parameters<ImageLibrary['importUpload']>[1];
  readonly error: ErrorClass;
}

const uploadCases: UploadCase[] = [
  { name: 'garbage', stream: () => stream(Buffer.alloc(100_000, 0x33)), error: UnrecognisedImageError },
  { name: 'truncated ISO', stream: () => stream(iso.subarray(0, 40 * 1024)), error: IsoTruncatedError },
  { name: 'nothing at all', stream: () => stream(), error: ImageValidationError },
  { name: 'over the size limit', stream: () => stream(Buffer.alloc(700 * 1024), Buffer.alloc(700 * 1024)), error: UploadTooLargeError },
  { name: 'over the per-call limit', stream: () => stream(iso), options: () => ({ maxBytes: 4096 }), error: UploadTooLargeError },
  { name: 'ISO with a fileName that climbs out', stream: () => stream(iso.subarray(0, 40 * 1024)), options: () => ({ fileName: '../../../etc/cron.d/evil' }), error: IsoTruncatedError },
  { name: 'CUE sheet naming ../../etc/passwd', stream: () => stream(Buffer.from(cue('../../etc/passwd'))), options: () => ({ companions: { '../../etc/passwd': stream(Buffer.alloc(2048)) } }), error: CuePathTraversalError },
  { name: 'CUE sheet naming /etc/passwd', stream: () => stream(Buffer.from(cue('/etc/passwd'))), options: () => ({ companions: { '/etc/passwd': stream(Buffer.alloc(2048)) } }), error: CuePathTraversalError },
  { name: 'CUE sheet without its BIN stream', stream: () => stream(Buffer.from(cue('data.bin'))), error: ImageValidationError },
  { name: 'CUE sheet whose BIN is not whole frames', stream: () => stream(Buffer.from(cue('data.bin'))), options: () => ({ companions: { 'data.bin': stream(Buffer.alloc(2047)) } }), error: ImageValidationError },
];

describe('importUpload refuses bad input with a typed error and changes nothing', () => {
  it.each(uploadCases)('$name', async (c) => {
    await expectRefused(() => library.importUpload(c.stream(), c.options?.() ?? {}), c.error);
  });

  it('a stream that fails midway: refused, nothing left', async () => {
    const before = snapshot();
    await expect(library.importUpload(stream(iso.subarray(0, 64 * 1024), new Error('connection reset')))).rejects.toThrow(/connection reset|aborted|upload/i);
    expect(snapshot()).toEqual(before);
  });
});

/**
 * The library reads images with the drivers' image reader and refuses them
 * with its own errors: each problem kind of an `ImageReadError` becomes its
 * library class (so its code and API status), with the very same message.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageProblem } from 'node-cdrecord-wrapper';
import { ImageReadError } from 'node-cdrecord-wrapper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CueIndexError,
  CueMissingFileError,
  CuePathTraversalError,
  CueSizeMismatchError,
  CueStructureError,
  CueSyntaxError,
  CueUnknownModeError,
  CueUnsupportedFileTypeError,
  fromImageReadError,
  ImageValidationError,
  IsoDescriptorError,
  IsoTruncatedError,
  UnrecognisedImageError,
} from '../../src/library/errors.js';
import { parseCueSheet, validateImageFile } from '../../src/library/image-validator.js';
import { makeTempDir } from './support.js';

const PROBLEMS: [ImageProblem, new (...args: never[]) => ImageValidationError, string][] = [
  [{ kind: 'unrecognised', detail: 'the file is empty' }, UnrecognisedImageError, 'IMAGE_UNRECOGNISED'],
  [{ kind: 'iso-descriptor', detail: 'volume space size is 0' }, IsoDescriptorError, 'ISO_BAD_DESCRIPTOR'],
  [{ kind: 'iso-truncated', expectedBytes: 4567040, actualBytes: 4546560 }, IsoTruncatedError, 'ISO_TRUNCATED'],
  [{ kind: 'cue-syntax', line: 3, detail: "unknown command 'X'" }, CueSyntaxError, 'CUE_SYNTAX'],
  [{ kind: 'cue-unknown-mode', line: 2, mode: 'MODE3/2352' }, CueUnknownModeError, 'CUE_UNKNOWN_MODE'],
  [{ kind: 'cue-structure', detail: 'CUE sheet has no TRACK' }, CueStructureError, 'CUE_STRUCTURE'],
  [{ kind: 'cue-index', detail: 'CUE sheet line 4: INDEX 01 of track 2 does not come after the previous index' }, CueIndexError, 'CUE_BAD_INDEX'],
  [{ kind: 'cue-unsupported-file-type', detail: 'CUE sheet line 1: FILE type WAVE is not supported' }, CueUnsupportedFileTypeError, 'CUE_UNSUPPORTED_FILE_TYPE'],
  [{ kind: 'cue-path-traversal', fileName: '../a.bin', reason: 'names a file outside its folder' }, CuePathTraversalError, 'CUE_PATH_TRAVERSAL'],
  [{ kind: 'cue-path-traversal', fileName: 'x.bin', reason: 'names a file that resolves (through a link) outside its folder' }, CuePathTraversalError, 'CUE_PATH_TRAVERSAL'],
  [{ kind: 'cue-missing-file', fileName: 'gone.bin' }, CueMissingFileError, 'CUE_MISSING_FILE'],
  [{ kind: 'cue-size-mismatch', fileName: 'a.bin', bytes: 23525, frameBytes: 2352, mode: 'AUDIO' }, CueSizeMismatchError, 'CUE_SIZE_MISMATCH'],
];

describe('fromImageReadError', () => {
  it.each(PROBLEMS)('maps %o to its class with the same message', (problem, errorClass, code) => {
    const read = new ImageReadError(problem);
    const mapped = fromImageReadError(read);
    expect(mapped).toBeInstanceOf(errorClass);
    expect(mapped).toBeInstanceOf(ImageValidationError);
    expect((mapped as ImageValidationError).code).toBe(code);
    expect((mapped as Error).message).toBe(read.message);
  });

  it('passes anything else through', () => {
    const io = Object.assign(new Error('EIO'), { code: 'EIO' });
    expect(fromImageReadError(io)).toBe(io);
  });
});

describe('the library refuses what the reader refuses, as library errors', () => {
  let work: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    work = makeTempDir('lib-reader-');
    writeFileSync(path.join(work.dir, 'odd.bin'), Buffer.alloc(2352 * 10 + 5));
    writeFileSync(path.join(work.dir, 'short.cue'), 'FILE "odd.bin" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n');
    writeFileSync(path.join(work.dir, 'nobin.cue'), 'FILE "gone.bin" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n');
    writeFileSync(path.join(work.dir, 'outside.bin'), Buffer.alloc(2352 * 10));
    symlinkSync(path.join(work.dir, 'outside.bin'), path.join(work.dir, 'link.bin'));
    writeFileSync(path.join(work.dir, 'linked.cue'), 'FILE "link.bin" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n');
  });
  afterAll(() => work.cleanup());

  it.each([
    ['a garbage line', 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n  junk\n', CueSyntaxError, /line 3: unknown command/],
    ['an unknown mode', 'FILE a.bin BINARY\nTRACK 01 MODE3/2352\nINDEX 01 00:00:00\n', CueUnknownModeError, /line 2: unknown track mode 'MODE3\/2352'/],
    ['a parent folder', 'FILE "../a.bin" BINARY\n', CuePathTraversalError, /outside its folder: \.\.\/a\.bin/],
    ['no tracks', 'FILE a.bin BINARY\n', CueStructureError, /no TRACK/],
  ])('parseCueSheet refuses %s', (_what, text, errorClass, message) => {
    expect(() => parseCueSheet(text)).toThrow(errorClass);
    expect(() => parseCueSheet(text)).toThrow(message);
  });

  it.each([
    ['a BIN not of whole frames', 'short.cue', CueSizeMismatchError, 'odd.bin is 23525 bytes, not a whole number of 2352-byte AUDIO frames'],
    ['a missing BIN', 'nobin.cue', CueMissingFileError, 'CUE sheet names a missing file: gone.bin'],
    ['a BIN linked from outside the allowed roots', 'linked.cue', CuePathTraversalError, 'CUE sheet names a file that resolves (through a link) outside its folder: link.bin'],
  ])('validateImageFile refuses %s', async (_what, name, errorClass, message) => {
    const options = name === 'linked.cue' ? { binRoots: [path.join(work.dir, 'nowhere')] } : {};
    const err: unknown = await validateImageFile(path.join(work.dir, name), options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errorClass);
    expect((err as Error).message).toBe(message);
  });
});

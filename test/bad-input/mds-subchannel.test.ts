/**
 * Bad MDS images read with subchannel (2448-byte sectors), through
 * ImageLibrary.importFromPath: subchannel types nobody documents, sector
 * sizes that do not fit 96 bytes of subchannel, tracks with and without
 * subchannel mixed, DVD tracks with subchannel, data files that end early,
 * offsets and counts far past the end. Each is refused with a typed
 * LibraryError, and nothing is half-written: the library folder and index
 * are as before.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../drivers/test/support/test-images.js';
import { makeMdsTracks } from '../../drivers/test/support/mds-images.js';
import type { MdsTrackSpec } from '../../drivers/test/support/mds-images.js';
import { makeInterleavedMdf, pqRecords } from '../../drivers/test/support/mds-subchannel-frames.js';
import type { LibraryError } from '../../apps/controller/src/library/errors.js';
import { ConversionTooLargeError, ImageConversionError } from '../../apps/controller/src/library/errors.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

type ErrorClass = abstract new (...args: never[]) => LibraryError;

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
const SECTORS = 40;
const audio = Buffer.alloc(2352 * SECTORS, 0x22);

beforeAll(async () => {
  tmp = makeTempDir('tower-bad-mds-sub-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(root);
  const mdf = makeInterleavedMdf(Buffer.concat([audio, audio]), pqRecords(2 * SECTORS));
  writeFileSync(path.join(root, 'sub.mdf'), mdf);
  writeFileSync(path.join(root, 'short.mdf'), mdf.subarray(0, mdf.length - 1));
  writeFileSync(path.join(root, 'big.mdf'), Buffer.alloc(2448 * 1000));
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root], maxUploadBytes: 2 * 1024 * 1024 });
});
afterAll(() => tmp?.cleanup());

function snapshot(): unknown {
  const files = readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();
  return { files, index: library.list().map((r) => `${r.id}:${r.name}:${r.sha256}`) };
}

const track = (over: Partial<MdsTrackSpec> = {}): MdsTrackSpec => ({ sectors: SECTORS, startOffset: 0, sectorBytes: 2448, mode: 0xa9, subchannel: 8, fileName: 'sub.mdf', ...over });
const second = (over: Partial<MdsTrackSpec> = {}): MdsTrackSpec => track({ startOffset: 2448 * SECTORS, ...over });

interface Case {
  readonly name: string;
  readonly tracks: readonly MdsTrackSpec[];
  readonly error: ErrorClass;
  readonly message: RegExp;
}

const cases: Case[] = [
  { name: 'subchannel type 0x10 (not documented)', tracks: [track({ subchannel: 0x10 }), second()], error: ImageConversionError, message: /declares subchannel type 0x10: only 0x08/ },
  { name: 'subchannel type 0xff on track 2', tracks: [track(), second({ subchannel: 0xff })], error: ImageConversionError, message: /MDS track 2 declares subchannel type 0xff/ },
  { name: 'subchannel 0x08 with 2352-byte sectors', tracks: [track({ sectorBytes: 2352 })], error: ImageConversionError, message: /subchannel data with 2352-byte sectors/ },
  { name: 'subchannel 0x08 with 2048-byte sectors', tracks: [track({ sectorBytes: 2048, mode: 0xaa })], error: ImageConversionError, message: /subchannel data with 2048-byte sectors/ },
  { name: 'subchannel 0x08 with 0-byte sectors', tracks: [track({ sectorBytes: 0 })], error: ImageConversionError, message: /subchannel data with 0-byte sectors/ },
  { name: 'a DVD track with subchannel', tracks: [track({ mode: 0x02 })], error: ImageConversionError, message: /\(DVD\) has subchannel data/ },
  { name: 'track 2 without subchannel', tracks: [track(), second({ subchannel: 0, sectorBytes: 2352 })], error: ImageConversionError, message: /with and without subchannel/ },
  { name: 'a data file one byte short', tracks: [track({ fileName: 'short.mdf' }), second({ fileName: 'short.mdf' })], error: ImageConversionError, message: /runs past the end of short\.mdf/ },
  { name: 'track 2 of 2^31 sectors', tracks: [track(), second({ sectors: 0x7fffffff })], error: ImageConversionError, message: /runs past the end of sub\.mdf/ },
  { name: 'track 2 at a 2^52 offset', tracks: [track(), second({ startOffset: 2 ** 52 })], error: ImageConversionError, message: /runs past the end/ },
  { name: 'track 2 overlapping track 1', tracks: [track(), second({ startOffset: 2448 * 10 })], error: ImageConversionError, message: /inside the previous track/ },
  { name: 'track 2 after a gap that is not its pregap', tracks: [track({ sectors: 20 }), second({ startOffset: 2448 * 30, sectors: 10, pregap: 3 })], error: ImageConversionError, message: /neither right after the previous track/ },
  { name: 'track 2 with an unknown mode', tracks: [track(), second({ mode: 0x55 })], error: ImageConversionError, message: /unknown-0x55/ },
  { name: 'more sectors with subchannel than the library takes', tracks: [track({ sectors: 1000, fileName: 'big.mdf' })], error: ConversionTooLargeError, message: /with their subchannel are 2448000 bytes, more than the library's limit/ },
];

describe('bad input: MDS tracks with subchannel', () => {
  it.each(cases)('$name', async ({ tracks, error, message }) => {
    const file = path.join(root, `bad-${Math.random().toString(36).slice(2)}.mds`);
    writeFileSync(file, makeMdsTracks(tracks));
    const before = snapshot();
    const outcome = await library.importFromPath(file).then(() => 'imported', (err: unknown) => err);
    expect(outcome).toBeInstanceOf(error);
    expect((outcome as LibraryError).code).toMatch(/^[A-Z_]+$/);
    expect((outcome as Error).message).toMatch(message);
    expect(snapshot()).toEqual(before);
  });
});

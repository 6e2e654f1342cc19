/**
 * MAME CHD images (made by chdman from mame-tools) into the library: a raw
 * CHD of an ISO becomes the ISO (its SHA-1 the header's raw SHA-1), a CD
 * CHD (data, or audio) a CUE image; chdman verify's SHA-1 check is the
 * proof. A corrupt CHD, one over the library's limit, an old header version
 * are refused with typed errors and nothing left.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { audioFrames, makeIso, makeTempDir, sha256 } from './support.js';

/** Run chdman with `args` in `cwd`; fails the test when it fails. */
function chdman(cwd: string, ...args: string[]): void {
  const run = spawnSync('chdman', args, { cwd, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
}

describe('CHD images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let src: string;
  let library: ImageLibrary;
  let iso: Buffer;
  let audio: Buffer;
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-chd-');
    roots = path.join(work.dir, 'incoming');
    src = path.join(work.dir, 'src');
    mkdirSync(roots);
    mkdirSync(src);
    iso = readFileSync(makeIso(src, { name: 'disc.iso', payloadBytes: 200 * 1024, label: 'CHD_DISC' }));
    audio = audioFrames(300);
    writeFileSync(path.join(src, 'audio.bin'), audio);
    writeFileSync(path.join(src, 'data.cue'), 'FILE "disc.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n');
    writeFileSync(path.join(src, 'audio.cue'), 'FILE "audio.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
    chdman(src, 'createraw', '-i', 'disc.iso', '-o', path.join(roots, 'raw.chd'), '--hunksize', '8192', '--unitsize', '2048');
    chdman(src, 'createcd', '-i', 'data.cue', '-o', path.join(roots, 'data.chd'));
    chdman(src, 'createcd', '-i', 'audio.cue', '-o', path.join(roots, 'audio.chd'));
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it('a raw CHD of an ISO becomes the ISO, its SHA-1 the header\'s, chdman verify the proof', async () => {
    const file = path.join(roots, 'raw.chd');
    const record = await library.importFromPath(file, { keepOriginal: true });
    expect(record).toMatchObject({
      format: 'iso', volumeLabel: 'CHD_DISC', sha256: sha256(iso),
      provenance: { conversion: { from: 'chd', sourceSha256: sha256(readFileSync(file)), command: ['chdman', 'extractraw', '-i', 'raw.chd', '-o', `${record.id}.iso`] } },
    });
    expect(record.provenance.conversion?.proof).toMatch(/^chdman verify: raw and overall SHA-1 as the header records them; the extracted image's SHA-1 is the header's raw SHA-1 \([0-9a-f]{40}\)/);
    expect(record.files.map((f) => f.role)).toEqual(['iso', 'source']);
  });

  it('a CD CHD of a data track becomes a CUE image of the same bytes', async () => {
    const record = await library.importFromPath(path.join(roots, 'data.chd'));
    expect(record).toMatchObject({ format: 'cue', sha256: sha256(iso), provenance: { conversion: { from: 'chd' } } });
    expect(record.tracks.map((t) => t.mode)).toEqual(['MODE1/2048']);
    expect(record.provenance.conversion?.proof).toMatch(/1 CD track\(s\) \(TRACK:1 TYPE:MODE1 /);
  });

  it('a CD CHD of an audio track (uploaded) becomes a CUE image with its samples', async () => {
    const record = await library.importUpload(createReadStream(path.join(roots, 'audio.chd')), { fileName: 'audio.chd' });
    expect(record.tracks.map((t) => t.mode)).toEqual(['AUDIO']);
    expect(record.sizeBytes).toBe(audio.length);
    // chdman stores CD audio big-endian and writes it back as it was given.
    expect(record.sha256).toBe(sha256(audio));
  });

  it('tower drive burn\'s probe names a CHD', async () => {
    await expect(probeImage(path.join(roots, 'raw.chd'))).rejects.toThrow(/a MAME CHD image: import it into the library, which verifies and extracts it with chdman/);
  });

  const corrupt = (edit: (b: Buffer) => void): Buffer => {
    const b = readFileSync(path.join(roots, 'raw.chd'));
    edit(b);
    return b;
  };
  it.each([
    ['a flipped byte in its data', () => corrupt((b) => b.writeUInt8(b.readUInt8(b.length >> 1) ^ 0xff, b.length >> 1)), ImageConversionError, /^chdman verify does not confirm the CHD's SHA-1/],
    ['a wrong raw SHA-1 in its header', () => corrupt((b) => b.writeUInt8(b.readUInt8(70) ^ 0xff, 70)), ImageConversionError, /chdman (verify|info)/],
    ['cut in half', () => corrupt(() => undefined).subarray(0, 60_000), ImageConversionError, /CHD/],
    ['header version 4', () => corrupt((b) => b.writeUInt32BE(4, 12)), ImageConversionError, /CHD version 4 \(header 124 bytes\): only version 5/],
    ['a logical size of 1 PB', () => corrupt((b) => b.writeBigUInt64BE(10n ** 15n, 32)), ConversionTooLargeError, /holds 1000000000000000 bytes, more than the library's limit/],
    ['a map offset past the end', () => corrupt((b) => b.writeBigUInt64BE(1n << 40n, 40)), ImageConversionError, /CHD header points past the file/],
  ])('%s: refused with a typed error, nothing left', async (_what, bytes, error, message) => {
    const before = listing();
    const file = path.join(roots, `bad-${Math.random().toString(36).slice(2)}.chd`);
    writeFileSync(file, bytes());
    const err: unknown = await library.importFromPath(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

/**
 * ISO images compressed with gzip, xz, bzip2 and zstd (by the real tools)
 * into the library, by path and by upload: recognised by their magic bytes
 * whatever their name, decompressed by the tool, validated as usual, the
 * compressed source's SHA-256 and the stream's checksum in the provenance,
 * the original kept beside the image when asked for. A stream with no
 * checksum, a corrupt one and a decompression bomb are refused with a typed
 * error and nothing left behind.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, ImageConversionError, UnrecognisedImageError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeIso, makeTempDir, sha256 } from './support.js';

/** Compress `input` with the real tool and its arguments; the compressed bytes. */
function compress(tool: string, args: string[], input: Buffer): Buffer {
  const run = spawnSync(tool, [...args, '-c'], { input, maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${tool} failed: ${String(run.stderr)}`);
  return run.stdout;
}

describe('compressed ISO images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let iso: Buffer;
  let n = 0;
  const open = (extra: Partial<ConstructorParameters<typeof ImageLibrary>[0]> = {}): Promise<ImageLibrary> =>
    ImageLibrary.open({ dir: path.join(work.dir, `library-${++n}`), importRoots: [roots], ...extra });
  const put = (name: string, bytes: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (library: ImageLibrary): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(() => {
    work = makeTempDir('lib-compressed-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'plain.iso', payloadBytes: 300 * 1024, label: 'PACKED' }));
  });
  afterAll(() => work.cleanup());

  it.each([
    ['gzip', [] as string[], 'CRC-32', 'disc.iso.gz'],
    ['xz', [], 'CRC-64', 'disc.iso.xz'],
    ['xz', ['--check=sha256'], 'SHA-256', 'disc-sha.iso.xz'],
    ['bzip2', [], 'CRC-32', 'disc.iso.bz2'],
    ['zstd', ['-q'], 'XXH64', 'disc.iso.zst'],
    ['zstd', ['-q'], 'XXH64', 'named-plainly.iso'],
  ])('%s %s: decompressed, validated, proven (%s) and named by its source (%s)', async (tool, args, checksum, name) => {
    const packed = compress(tool, args, iso);
    const file = put(name, packed);
    const library = await open();
    const record = await library.importFromPath(file);
    expect(record).toMatchObject({
      format: 'iso', volumeLabel: 'PACKED', sizeBytes: iso.length, sha256: sha256(iso), imageFile: `${record.id}.iso`,
      provenance: { kind: 'imported', path: file, conversion: { from: tool, checksum, sourceSha256: sha256(packed), sourceBytes: packed.length } },
    });
    expect(record.provenance.conversion?.command).toEqual([tool, '-d', '-c', '--', name]);
    expect(record.files).toEqual([expect.objectContaining({ role: 'iso', sha256: sha256(iso) })]);
    expect(readFileSync(library.imagePath(record.id)).equals(iso)).toBe(true);
  });

  it('keeps the original beside the image when asked, and burns the ISO', async () => {
    const packed = compress('zstd', ['-q'], iso);
    const library = await open({ keepOriginals: true });
    const record = await library.importFromPath(put('kept.iso.zst', packed));
    expect(record.imageFile).toBe(`${record.id}.iso`);
    expect(record.files).toEqual([
      expect.objectContaining({ path: `${record.id}.iso`, role: 'iso', sha256: sha256(iso) }),
      expect.objectContaining({ path: `${record.id}.iso.zst`, role: 'source', sha256: sha256(packed), bytes: packed.length }),
    ]);
    expect(record.provenance.conversion?.keptSource).toBe(`${record.id}.iso.zst`);
    expect(readFileSync(path.join(library.dir, `${record.id}.iso.zst`)).equals(packed)).toBe(true);
    // Per import, the library's choice can be overridden.
    const other = await library.importFromPath(put('not-kept.iso.zst', packed), { keepOriginal: false });
    expect(other.files.map((f) => f.role)).toEqual(['iso']);
    await library.delete(record.id);
    expect(listing(library).filter((f) => f.startsWith(record.id))).toEqual([]);
  });

  it('takes a compressed upload, keeping the original when asked', async () => {
    const packed = compress('xz', [], iso);
    const library = await open();
    const record = await library.importUpload(createReadStream(put('up.iso.xz', packed)), { fileName: 'up.iso.xz', keepOriginal: true });
    expect(record).toMatchObject({ name: 'up.iso.xz', sha256: sha256(iso), provenance: { kind: 'uploaded', conversion: { from: 'xz', sourceSha256: sha256(packed) } } });
    expect(record.files.map((f) => [f.role, f.sha256])).toEqual([['iso', sha256(iso)], ['source', sha256(packed)]]);
  });

  it.each([
    ['xz --check=none', () => compress('xz', ['--check=none'], iso), /the xz stream carries no checksum/],
    ['zstd --no-check', () => compress('zstd', ['-q', '--no-check'], iso), /the zstd stream carries no checksum/],
    ['gzip with a flipped byte', () => { const b = compress('gzip', [], iso); const at = Math.floor(b.length / 2); b.writeUInt8(b.readUInt8(at) ^ 0x55, at); return b; }, /^gzip could not decompress the image \(exit [12]\): /],
    ['bzip2 cut short', () => { const b = compress('bzip2', [], iso); return b.subarray(0, b.length - 100); }, /^bzip2 could not decompress the image/],
    ['zstd whose content checksum does not hold', () => { const b = compress('zstd', ['-q'], iso); b.writeUInt8(b.readUInt8(b.length - 1) ^ 0xff, b.length - 1); return b; }, /^zstd could not decompress the image.*checksum/i],
  ])('%s: refused with ImageConversionError, nothing left', async (_what, bytes, message) => {
    const library = await open();
    const before = listing(library);
    const err: unknown = await library.importFromPath(put(`bad-${n}.iso.x`, bytes())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(message);
    expect(listing(library)).toEqual(before);
    expect(library.list()).toEqual([]);
  });

  it('a decompression bomb (64 MiB of zeros from 2 KiB) over a 1 MiB library limit: refused, the tool stopped, nothing left', async () => {
    const bomb = compress('zstd', ['-q', '-19'], Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(8 * 1024);
    const library = await open({ maxUploadBytes: 1024 * 1024 });
    for (const attempt of [() => library.importFromPath(put('bomb.iso.zst', bomb)), () => library.importUpload(createReadStream(put('bomb2.iso.zst', bomb)), { fileName: 'bomb2.iso.zst' })]) {
      const err: unknown = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConversionTooLargeError);
      expect((err as Error).message).toMatch(/^zstd decompression of bomb2?\.iso\.zst gives more than 1048576 bytes, the library's limit: refused/);
      expect(listing(library)).toEqual([]);
    }
    const running = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('zstd') && l.includes(roots));
    expect(running).toEqual([]);
  });

  it('compressed noise is decompressed and then refused as what it is', async () => {
    const library = await open();
    const err: unknown = await library.importFromPath(put('noise.iso.gz', compress('gzip', [], Buffer.alloc(200 * 1024, 0x5a)))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecognisedImageError);
    expect(listing(library)).toEqual([]);
  });

  it('tower drive burn\'s probe refuses a compressed file, saying the library decompresses it', async () => {
    await expect(probeImage(put('burn-me.iso.zst', compress('zstd', ['-q'], iso)))).rejects.toThrow(/a zstd-compressed image: import it into the library, which decompresses and checks it/);
  });
});

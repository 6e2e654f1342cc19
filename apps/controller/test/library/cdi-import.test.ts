/**
 * DiscJuggler CDI images (v2, v3, v3.5; Mode 1 and Mode 2 data tracks of
 * 2048, 2336 and 2352-byte sectors) into the library: recognised by their
 * footer whatever their name, the data track's user data copied out past
 * its pregap and confirmed by iat's own conversion, the proof in the
 * provenance. Audio, several tracks or sessions, broken footers and
 * descriptors are refused with a typed error and nothing left.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import type { LibraryError } from '../../src/library/errors.js';
import { ConversionTooLargeError, ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeCdi } from '../../../../drivers/test/support/cdi-images.js';
import { audioFrames, makeIso, makeTempDir, sha256 } from './support.js';

type ErrorClass = abstract new (...args: never[]) => LibraryError;

describe('CDI images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  let iso: Buffer;
  const put = (name: string, bytes: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-cdi-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'dj.iso', payloadBytes: 200 * 1024, label: 'JUGGLED' }));
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots], maxUploadBytes: 4 * 1024 * 1024 });
  });
  afterAll(() => work.cleanup());

  it.each([
    ['3.5', 1, 2048, 307200], ['3', 1, 2352, 352800], ['2', 2, 2352, 352800], ['3.5', 2, 2336, 350400],
  ] as const)('CDI v%s, Mode %s/%s: the user data becomes the ISO, confirmed by iat', async (version, mode, sectorBytes, dataStart) => {
    const cdi = makeCdi([{ data: iso, mode, sectorBytes }], version);
    const file = put(`disc-${version}-${mode}-${sectorBytes}.bin`, cdi);
    const record = await library.importFromPath(file, { keepOriginal: sectorBytes === 2048 });
    expect(record).toMatchObject({
      format: 'iso', volumeLabel: 'JUGGLED', sizeBytes: iso.length, sha256: sha256(iso),
      provenance: { conversion: { from: 'cdi', sourceSha256: sha256(cdi), sourceBytes: cdi.length, command: ['iat', path.basename(file), 'iat.iso'] } },
    });
    expect(record.provenance.conversion?.proof).toBe(`DiscJuggler CDI v${version}: track 1 (Mode ${mode}/${sectorBytes}, ${iso.length / 2048} sectors after a pregap of 150) at byte ${dataStart}, its user data copied out by the library; iat's own conversion has the same SHA-256; then the image read and validated`);
    expect(readFileSync(library.imagePath(record.id)).equals(iso)).toBe(true);
    if (sectorBytes === 2048) expect(record.files.map((f) => [f.path, f.role])).toEqual([[`${record.id}.iso`, 'iso'], [`${record.id}.cdi`, 'source']]);
  });

  it('an uploaded CDI becomes the ISO', async () => {
    const record = await library.importUpload(Readable.from([makeCdi([{ data: iso, sectorBytes: 2352 }], '3')]), { fileName: 'up.cdi' });
    expect(record).toMatchObject({ format: 'iso', sha256: sha256(iso), provenance: { conversion: { from: 'cdi' } } });
  });

  it('tower drive burn\'s probe names a CDI image', async () => {
    await expect(probeImage(put('probe.cdi', makeCdi([{ data: iso }], '3.5')))).rejects.toThrow(/a DiscJuggler CDI image: import it into the library, which converts it/);
  });

  const cdi = (): Buffer => makeCdi([{ data: iso }], '3.5');
  const descriptor = (b: Buffer): number => b.length - b.readUInt32LE(b.length - 4);
  const cases: [string, () => Buffer, ErrorClass, RegExp][] = [
    ['two sessions (audio, then data: a Dreamcast layout)', () => makeCdi([{ data: audioFrames(100), mode: 0, sectorBytes: 2352 }, { data: iso, mode: 2, sectorBytes: 2352, session: 2 }]), ImageConversionError, /CDI image with 2 session\(s\), track\(s\) 1 audio\/2352 \(session 1\), 2 Mode 2\/2352 \(session 2\)/],
    ['a footer pointing past the start (v3.5)', () => { const b = cdi(); b.writeUInt32LE(b.length + 100, b.length - 4); return b; }, ImageConversionError, /its footer points at byte -100, outside its/],
    ['a v3 footer pointing past the end', () => { const b = makeCdi([{ data: iso }], '3'); b.writeUInt32LE(0xfffffff0, b.length - 4); return b; }, ImageConversionError, /its footer points at byte 4294967280/],
    ['65535 sessions', () => { const b = cdi(); b.writeUInt16LE(0xffff, descriptor(b)); return b; }, ImageConversionError, /65535 sessions, not 1 to 99/],
    ['a session of 60000 tracks', () => { const b = cdi(); b.writeUInt16LE(60000, descriptor(b) + 2); return b; }, ImageConversionError, /session 1 claims 60000 tracks/],
    ['no track start mark', () => { const b = cdi(); b[descriptor(b) + 4 + 6] = 0; return b; }, ImageConversionError, /track 1 has no track start mark/],
    ['a track whose length runs into the descriptor', () => { const b = cdi(); const at = descriptor(b) + 4 + 54 + 10; b.writeUInt32LE(0x7fffffff, at + 4); b.writeUInt32LE(0x7fffffff, at + 34); return b; }, ImageConversionError, /runs into the descriptor|more than its total/],
    ['a sector size code 7', () => { const b = cdi(); b.writeUInt32LE(7, descriptor(b) + 4 + 108 + 10); return b; }, ImageConversionError, /sector size code 7/],
    ['a descriptor cut short', () => { const b = cdi(); const d = descriptor(b); return Buffer.concat([b.subarray(0, d + 40), (() => { const f = Buffer.alloc(8); f.writeUInt32LE(0x80000006, 0); f.writeUInt32LE(48, 4); return f; })()]); }, ImageConversionError, /its descriptor ends inside track 1/],
    ['10 sectors between the track and the descriptor that it does not account for (iat reads them, so the proof fails)', () => {
      const b = makeCdi([{ data: Buffer.concat([iso, Buffer.alloc(10 * 2048, 0x55)]) }]);
      const block = descriptor(b) + 4;
      b.writeUInt32LE(iso.length / 2048, block + 68);
      b.writeUInt32LE(150 + iso.length / 2048, block + 98);
      return b;
    }, ImageConversionError, /iat does not confirm the conversion: its ISO \(\d+ bytes\) differs from the track's \(\d+ bytes\)/],
    ['a data track of 4 MiB + 2 KiB (over the limit)', () => makeCdi([{ data: Buffer.concat([iso, Buffer.alloc(4 * 1024 * 1024 + 2048 - iso.length)]) }]), ConversionTooLargeError, /its data track holds 4196352 bytes, more than the library's limit of 4194304/],
  ];

  it.each(cases)('%s: refused with a typed error, nothing left', async (_what, bytes, error, message) => {
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${before.length}-${Date.now()}.cdi`, bytes())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

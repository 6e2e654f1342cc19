/**
 * Nero NRG images (v1 and v2 footers, disc-at-once and track-at-once) into
 * the library: recognised by their footer, the data track copied out by its
 * extent in the track table and confirmed by iat's own conversion, its
 * proof in the provenance. Audio images, broken footers and chunk chains
 * are refused with a typed error and nothing left.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import { ImageConversionError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeNrg } from '../../../../drivers/test/support/nrg-images.js';
import { makeIso, makeTempDir, sha256 } from './support.js';

describe('NRG images in the library', () => {
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
    work = makeTempDir('lib-nrg-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'nero.iso', payloadBytes: 200 * 1024, label: 'NERO_DISC' }));
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it.each([
    [2, 'dao', 'DAOX'], [1, 'dao', 'DAOI'], [2, 'tao', 'ETN2'], [1, 'tao', 'ETNF'],
  ] as const)('NRG v%s %s: the data track (%s) becomes the ISO, confirmed by iat', async (version, writing, chunk) => {
    const nrg = makeNrg([{ data: iso }], { version, writing });
    const file = put(`disc-v${version}-${writing}.nrg`, nrg);
    const record = await library.importFromPath(file, { keepOriginal: version === 2 && writing === 'dao' });
    expect(record).toMatchObject({
      format: 'iso', volumeLabel: 'NERO_DISC', sizeBytes: iso.length, sha256: sha256(iso),
      provenance: { conversion: { from: 'nrg', sourceSha256: sha256(nrg), sourceBytes: nrg.length, command: ['iat', path.basename(file), 'iat.iso'] } },
    });
    expect(record.provenance.conversion?.proof).toMatch(new RegExp(`^NRG v${version} ${chunk} chunk: track 1 \\(MODE1/2048\\) at bytes ${writing === 'dao' ? 307200 : 0} to ${(writing === 'dao' ? 307200 : 0) + iso.length}, copied out by the library; iat's own conversion has the same SHA-256`));
    expect(readFileSync(library.imagePath(record.id)).equals(iso)).toBe(true);
    if (version === 2 && writing === 'dao') expect(record.files.map((f) => [f.path, f.role])).toEqual([[`${record.id}.iso`, 'iso'], [`${record.id}.nrg`, 'source']]);
  });

  it('tower drive burn\'s probe names an NRG image (a track-at-once one starts like an ISO)', async () => {
    await expect(probeImage(put('probe.nrg', makeNrg([{ data: iso }], { version: 2, writing: 'tao' })))).rejects.toThrow(/a Nero NRG image: import it into the library, which converts it/);
  });

  const audio = Buffer.alloc(2352 * 100, 1);
  it.each([
    ['an audio track of 2448-byte sectors under a mode code without subchannel', () => makeNrg([{ data: Buffer.alloc(2448 * 10), modeCode: 0x07, sectorBytes: 2448 }], { version: 2, writing: 'dao' }), /track 1 has 2448-byte sectors under mode code 0x07, whose subchannel layout is not known/],
    ['two tracks, the second of an unknown mode', () => makeNrg([{ data: iso }, { data: audio, modeCode: 0x42, sectorBytes: 2352 }], { version: 2, writing: 'dao' }), /track 2 is unknown-0x42/],
    ['a footer pointing past the end', () => { const b = makeNrg([{ data: iso }], { version: 2, writing: 'dao' }); b.writeBigUInt64BE(1n << 40n, b.length - 8); return b; }, /its footer points at byte 1099511627776, past the end/],
    ['a v1 footer pointing into itself', () => { const b = makeNrg([{ data: iso }], { version: 1, writing: 'dao' }); b.writeUInt32BE(b.length - 8, b.length - 4); return b; }, /past the end/],
    ['a chunk longer than the chunk area', () => { const b = makeNrg([{ data: iso }], { version: 2, writing: 'dao' }); b.writeUInt32BE(0x7fffffff, 307200 + iso.length + 4); return b; }, /runs past the chunk area/],
    ['a DAO chunk claiming 200 tracks', () => { const b = makeNrg([{ data: iso }], { version: 2, writing: 'dao' }); const dao = b.indexOf('DAOX', 307200 + iso.length, 'latin1'); b[dao + 8 + 21] = 200; return b; }, /DAO chunk lists tracks 1 to 200/],
    ['a track ending past the image data', () => { const b = makeNrg([{ data: iso }], { version: 2, writing: 'dao' }); const dao = b.indexOf('DAOX', 307200 + iso.length, 'latin1'); b.writeBigUInt64BE(1n << 33n, dao + 8 + 22 + 34); return b; }, /track 1 lies at bytes .* outside the image data/],
    ['no END! chunk', () => { const b = makeNrg([{ data: iso }], { version: 2, writing: 'dao' }); const end = b.indexOf('END!', 307200 + iso.length, 'latin1'); b.write('XXXX', end, 'latin1'); return b; }, /NRG image: /],
  ])('%s: refused with ImageConversionError, nothing left', async (_what, bytes, message) => {
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${before.length}-${Date.now()}.nrg`, bytes())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageConversionError);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});

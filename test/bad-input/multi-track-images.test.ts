/**
 * Bad input to the multi-track, audio and mixed-mode conversions (NRG, CDI,
 * CloneCD, MDS into CUE images), through ImageLibrary.importFromPath: files
 * cut short, tracks pointing past the end or into each other, huge track
 * counts, subchannel tracks (NRG 2448-byte sectors cut, ending inside a
 * sector, of an unknown mode code, over the limit), several sessions, MDS data files named outside
 * their folder (.., absolute, a drive letter, a symlink out) on a later
 * track, a CloneCD .sub of the wrong size, CD-TEXT packs (CloneCD
 * [CDText], NRG CDTX) with a bad CRC, cut short, out of sequence or naming
 * tracks the disc lacks, and a mixed image over the
 * library's limit (a bomb of tracks). Each is refused with a typed
 * LibraryError (the class named), and the library folder (hidden staging
 * files too) and index are left as they were.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIso, makeTempDir } from '../../drivers/test/support/test-images.js';
import { makeCdi } from '../../drivers/test/support/cdi-images.js';
import { makeMdsTracks } from '../../drivers/test/support/mds-images.js';
import type { MdsTrackSpec } from '../../drivers/test/support/mds-images.js';
import { makeNrg } from '../../drivers/test/support/nrg-images.js';
import { ccdCdTextSection, crc16, encodeCdText } from '../../drivers/test/support/cd-text-packs.js';
import type { LibraryError } from '../../apps/controller/src/library/errors.js';
import { ContainerPathTraversalError, ConversionTooLargeError, ImageConversionError } from '../../apps/controller/src/library/errors.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

type ErrorClass = abstract new (...args: never[]) => LibraryError;

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
let iso: Buffer;
const audio = Buffer.alloc(2352 * 60, 0x11);

beforeAll(async () => {
  tmp = makeTempDir('tower-bad-tracks-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(root);
  iso = readFileSync(makeIso(root, { name: 'good.iso', payloadBytes: 64 * 1024, label: 'GOOD' }));
  writeFileSync(path.join(root, 'audio.mdf'), Buffer.concat([audio, audio]));
  writeFileSync(path.join(tmp.dir, 'outside.mdf'), audio);
  symlinkSync(path.join(tmp.dir, 'outside.mdf'), path.join(root, 'escape.mdf'));
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root], maxUploadBytes: 2 * 1024 * 1024 });
  await library.importFromPath(path.join(root, 'good.iso'), { name: 'the one good image' });
});
afterAll(() => tmp?.cleanup());

function put(name: string, content: Buffer | string): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

function snapshot(): unknown {
  const files = readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();
  return { files, index: library.list().map((r) => `${r.id}:${r.name}:${r.sha256}`) };
}

async function expectRefused(action: () => Promise<unknown>, error: ErrorClass, message?: RegExp): Promise<void> {
  const before = snapshot();
  const outcome = await action().then(() => 'imported', (err: unknown) => err);
  expect(outcome).toBeInstanceOf(error);
  expect((outcome as LibraryError).code).toMatch(/^[A-Z_]+$/);
  if (message !== undefined) expect((outcome as Error).message).toMatch(message);
  expect(snapshot()).toEqual(before);
}

interface Case {
  readonly name: string;
  readonly file: () => string;
  readonly error: ErrorClass;
  readonly message?: RegExp;
}

const mixedNrg = (): Buffer => makeNrg([{ data: iso }, { data: audio, modeCode: 0x07, sectorBytes: 2352, pregap: Buffer.alloc(2352 * 150) }], { version: 2, writing: 'dao' });
const daoEntry = (b: Buffer, track: number): number => b.lastIndexOf('DAOX', undefined, 'latin1') + 8 + 22 + (track - 1) * 42;
const ccd = (tracks: string): string => `[CloneCD]\r\nVersion=3\r\n[Disc]\r\nTocEntries=4\r\nSessions=1\r\n${tracks}`;
const mds = (name: string, tracks: MdsTrackSpec[]): string => put(name, makeMdsTracks(tracks));
const audioTrack = (over: Partial<MdsTrackSpec> = {}): MdsTrackSpec => ({ sectors: 60, startOffset: 0, sectorBytes: 2352, mode: 0xa9, fileName: 'audio.mdf', ...over });

const twoText = { disc: { TITLE: 'Disc' }, tracks: [{ TITLE: 'One' }, { TITLE: 'Two' }] };
const flip = (b: Buffer, at: number): Buffer => {
  b.writeUInt8((b[at] ?? 0) ^ 0x01, at);
  return b;
};
const textCcd = (name: string, section: string): string => {
  put(`${name}.img`, Buffer.concat([audio, audio]));
  return put(`${name}.ccd`, ccd(`${section}\r\n[TRACK 1]\r\nMODE=0\r\nINDEX 1=0\r\n[TRACK 2]\r\nMODE=0\r\nINDEX 1=60\r\n`));
};
const subNrg = (): Buffer => makeNrg([{ data: Buffer.alloc(2448 * 100, 0x41), modeCode: 0x10, sectorBytes: 2448 }, { data: Buffer.alloc(2448 * 100, 0x42), modeCode: 0x10, sectorBytes: 2448 }], { version: 2, writing: 'dao' });
const textNrg = (name: string, packs: Buffer): string => put(name, makeNrg([{ data: audio, modeCode: 0x07, sectorBytes: 2352 }, { data: audio, modeCode: 0x07, sectorBytes: 2352 }], { version: 2, writing: 'dao', cdText: packs }));

const cases: Case[] = [
  { name: 'CCD [CDText] of 18-byte packs, one with a bad CRC', file: () => textCcd('crc', ccdCdTextSection(flip(encodeCdText(twoText, true), 18 + 7), 18)), error: ImageConversionError, message: /CD-TEXT: pack 1 has CRC/ },
  { name: 'CCD [CDText] with an entry of 15 bytes', file: () => textCcd('short', ccdCdTextSection(encodeCdText(twoText, false)).replace(/(Entry 2=(?: [0-9a-f]{2}|[0-9a-f]{2}){15}) [0-9a-f]{2}/, '$1')), error: ImageConversionError, message: /Entry 2 is not 16 \(or 18\) hex bytes/ },
  { name: 'CCD [CDText] saying 40 entries and holding fewer', file: () => textCcd('fewer', ccdCdTextSection(encodeCdText(twoText, false)).replace(/Entries=\d+/, 'Entries=40')), error: ImageConversionError, message: /has no Entry/ },
  { name: 'CCD [CDText] naming track 3 on a two-track disc', file: () => textCcd('beyond', ccdCdTextSection(encodeCdText({ disc: {}, tracks: [{}, {}, { TITLE: 'Three' }] }, false))), error: ImageConversionError, message: /the size packs name tracks 1 to 3, the disc has 2/ },
  { name: 'CCD [CDText] with its title pack dropped (sequence broken)', file: () => textCcd('seq', ccdCdTextSection(encodeCdText(twoText, false).subarray(16))), error: ImageConversionError, message: /sequence number/ },
  { name: 'CCD [CDText] whose size packs count other packs', file: () => { const p = encodeCdText(twoText, false); p.writeUInt8(9, p.length - 48 + 8); return textCcd('count', ccdCdTextSection(p)); }, error: ImageConversionError, message: /the size packs count 9 packs of type 0x80/ },
  { name: 'NRG CDTX chunk with a bad CRC', file: () => textNrg('crc.nrg', flip(encodeCdText(twoText, true), 10)), error: ImageConversionError, message: /CD-TEXT: pack 0 has CRC/ },
  { name: 'NRG CDTX chunk cut 5 bytes short', file: () => { const p = encodeCdText(twoText, true); return textNrg('cut.nrg', p.subarray(0, p.length - 5)); }, error: ImageConversionError, message: /not a whole number of 18-byte packs \(truncated\)/ },
  { name: 'NRG CDTX chunk with a title left unterminated', file: () => { const p = encodeCdText({ disc: { TITLE: 'ABCDEFGHIJK' }, tracks: [{}, {}] }, true); p.fill(0x41, 4, 16); p.writeUInt16BE(crc16(p.subarray(0, 16)), 16); return textNrg('unterminated.nrg', p); }, error: ImageConversionError, message: /CD-TEXT: (the last string|pack 1 .* says track)/ },
  { name: 'NRG with two CDTX chunks', file: () => { const b = readFileSync(textNrg('two.nrg', encodeCdText(twoText, true))); b.write('CDTX', b.lastIndexOf('SINF', undefined, 'latin1'), 'latin1'); return put('two.nrg', b); }, error: ImageConversionError, message: /a second CDTX chunk/ },
  { name: 'NRG mixed, cut before its audio track ends', file: () => { const b = mixedNrg(); return put('cut.nrg', Buffer.concat([b.subarray(0, iso.length + 307200 + 1000), b.subarray(-12)])); }, error: ImageConversionError },
  { name: 'NRG mixed, track 2 ending past the image data', file: () => { const b = mixedNrg(); b.writeBigUInt64BE(1n << 40n, daoEntry(b, 2) + 34); return put('past.nrg', b); }, error: ImageConversionError, message: /track 2 lies at bytes .* outside the image data/ },
  { name: 'NRG mixed, track 2 pregap after its start', file: () => { const b = mixedNrg(); b.writeBigUInt64BE(BigInt(b.readBigUInt64BE(daoEntry(b, 2) + 26)) + 2352n, daoEntry(b, 2) + 18); return put('gap.nrg', b); }, error: ImageConversionError, message: /track 2 lies at bytes/ },
  { name: 'NRG mixed, DAO chunk claiming 99 tracks', file: () => { const b = mixedNrg(); b[b.lastIndexOf('DAOX', undefined, 'latin1') + 8 + 21] = 99; return put('many.nrg', b); }, error: ImageConversionError, message: /cannot hold 99 tracks/ },
  { name: 'NRG with a Mode 1 track of raw sectors plus subchannel', file: () => put('sub.nrg', makeNrg([{ data: iso }, { data: Buffer.alloc(2448 * 20), modeCode: 0x0f, sectorBytes: 2448 }], { version: 1, writing: 'dao' })), error: ImageConversionError, message: /track 1 is MODE1\/2048 beside track 2, MODE1\/2352\+SUB with subchannel data/ },
  { name: 'NRG audio with subchannel, over the 2 MiB limit', file: () => put('subbomb.nrg', makeNrg([{ data: Buffer.alloc(2448 * 900, 0x40), modeCode: 0x10, sectorBytes: 2448 }], { version: 2, writing: 'dao' })), error: ConversionTooLargeError, message: /main channel, more than the library's limit/ },
  { name: 'NRG audio with subchannel, track 2 ending inside a sector', file: () => { const b = subNrg(); b.writeBigUInt64BE(b.readBigUInt64BE(daoEntry(b, 2) + 34) - 100n, daoEntry(b, 2) + 34); return put('subpart.nrg', b); }, error: ImageConversionError, message: /not a whole number of 2448-byte sectors/ },
  { name: 'NRG audio with subchannel, track 2 ending past the image data', file: () => { const b = subNrg(); b.writeBigUInt64BE(1n << 50n, daoEntry(b, 2) + 34); return put('subpast.nrg', b); }, error: ImageConversionError, message: /outside the image data/ },
  { name: 'NRG audio with subchannel, cut before its tracks end', file: () => { const b = subNrg(); return put('subcut.nrg', Buffer.concat([b.subarray(0, 2448 * 200), b.subarray(-12)])); }, error: ImageConversionError, message: /past the end/ },
  { name: 'NRG audio with subchannel, track 2 of mode 0x12 (no known layout)', file: () => { const b = subNrg(); b[daoEntry(b, 2) + 14] = 0x12; return put('submode.nrg', b); }, error: ImageConversionError, message: /mode code 0x12, whose subchannel layout is not known/ },
  { name: 'NRG Mode 2 with subchannel under a 2352-byte DAO entry', file: () => { const b = subNrg(); b.writeUInt16BE(2352, daoEntry(b, 1) + 12); return put('subsize.nrg', b); }, error: ImageConversionError },
  { name: 'NRG mixed, over the 2 MiB limit (a bomb of audio tracks)', file: () => put('bomb.nrg', makeNrg([{ data: iso }, ...Array.from({ length: 20 }, () => ({ data: Buffer.alloc(2352 * 75), modeCode: 0x07, sectorBytes: 2352 }))], { version: 2, writing: 'tao' })), error: ConversionTooLargeError },
  { name: 'CDI audio + data in two sessions', file: () => put('two.cdi', makeCdi([{ data: audio, mode: 0, sectorBytes: 2352 }, { data: iso, session: 2 }])), error: ImageConversionError, message: /one session/ },
  { name: 'CDI audio + data cut short', file: () => { const b = makeCdi([{ data: audio, mode: 0, sectorBytes: 2352 }, { data: iso }]); return put('cut.cdi', Buffer.concat([b.subarray(0, 1000), b.subarray(b.length - b.readUInt32LE(b.length - 4))])); }, error: ImageConversionError },
  { name: 'CCD audio with 100 TRACK sections', file: () => { put('hundred.img', audio); return put('hundred.ccd', ccd(Array.from({ length: 100 }, (_, i) => `[TRACK ${i + 1}]\r\nMODE=0\r\nINDEX 1=${i}\r\n`).join(''))); }, error: ImageConversionError, message: /a track number is '100', not a number from 1 to 99/ },
  { name: 'CCD audio whose track 2 starts past its .img', file: () => { put('far.img', audio); return put('far.ccd', ccd('[TRACK 1]\r\nMODE=0\r\nINDEX 1=0\r\n[TRACK 2]\r\nMODE=0\r\nINDEX 1=449999\r\n')); }, error: ImageConversionError, message: /outside far\.img/ },
  { name: 'CCD audio whose INDEX 0 comes after its INDEX 1', file: () => { put('order.img', Buffer.concat([audio, audio])); return put('order.ccd', ccd('[TRACK 1]\r\nMODE=0\r\nINDEX 1=0\r\n[TRACK 2]\r\nMODE=0\r\nINDEX 0=70\r\nINDEX 1=65\r\n')); }, error: ImageConversionError, message: /out of order/ },
  { name: 'CCD audio with a .sub cut short', file: () => { put('subcut.img', audio); put('subcut.sub', Buffer.alloc(96 * 59)); return put('subcut.ccd', ccd('[TRACK 1]\r\nMODE=0\r\nINDEX 1=0\r\n')); }, error: ImageConversionError, message: /not 60 records of 96 bytes/ },
  { name: 'CCD audio whose .img is a symlink out of the import roots', file: () => { symlinkSync(path.join(tmp.dir, 'outside.mdf'), path.join(root, 'link.img')); return put('link.ccd', ccd('[TRACK 1]\r\nMODE=0\r\nINDEX 1=0\r\n')); }, error: ContainerPathTraversalError },
  { name: 'MDS track 2 naming ../../etc/passwd', file: () => mds('dotdot.mds', [audioTrack(), audioTrack({ fileName: '../../etc/passwd' })]), error: ContainerPathTraversalError },
  { name: 'MDS track 2 naming /etc/passwd', file: () => mds('abs.mds', [audioTrack(), audioTrack({ fileName: '/etc/passwd' })]), error: ContainerPathTraversalError },
  { name: 'MDS track 2 naming D:\\x.mdf', file: () => mds('drive.mds', [audioTrack(), audioTrack({ fileName: 'D:\\x.mdf' })]), error: ContainerPathTraversalError },
  { name: 'MDS track 2 naming a symlink out of the import roots', file: () => mds('link.mds', [audioTrack(), audioTrack({ fileName: 'escape.mdf' })]), error: ContainerPathTraversalError, message: /resolves outside its folder/ },
  { name: 'MDS track 2 past the end of its data file', file: () => mds('past.mds', [audioTrack(), audioTrack({ startOffset: 2352 * 60, sectors: 0x7fffffff })]), error: ImageConversionError, message: /runs past the end of audio\.mdf/ },
  { name: 'MDS track 2 at a 2^60 offset', file: () => mds('huge.mds', [audioTrack(), audioTrack({ startOffset: 2 ** 52 })]), error: ImageConversionError, message: /runs past the end/ },
  { name: 'MDS track 2 overlapping track 1', file: () => mds('overlap.mds', [audioTrack(), audioTrack({ startOffset: 2352 * 30 })]), error: ImageConversionError, message: /inside the previous track/ },
  { name: 'MDS track 2 after a gap that is not its pregap', file: () => mds('gap.mds', [audioTrack({ sectors: 30 }), audioTrack({ startOffset: 2352 * 40, sectors: 20, pregap: 5 })]), error: ImageConversionError, message: /neither right after the previous track/ },
  { name: 'MDS with a track of subchannel data', file: () => mds('sub.mds', [audioTrack(), audioTrack({ startOffset: 2352 * 60, subchannel: 8 })]), error: ImageConversionError, message: /without subchannel/ },
  { name: 'MDS claiming 255 track blocks', file: () => { const b = makeMdsTracks([audioTrack(), audioTrack({ startOffset: 2352 * 60 })]); b[98] = 255; return put('blocks.mds', b); }, error: ImageConversionError, message: /255 track blocks/ },
];

describe('importFromPath refuses bad multi-track containers with a typed error and changes nothing', () => {
  it.each(cases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(c.file()), c.error, c.message);
  });
});

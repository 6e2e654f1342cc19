/**
 * Raw CD-TEXT packs (as a disc's lead-in carries them, and CloneCD's
 * `[CDText]` section or an NRG `CDTX` chunk store them) decoded into the
 * fields a cdrdao TOC writes: disc and per-track TITLE, PERFORMER,
 * SONGWRITER, COMPOSER, ARRANGER, MESSAGE of the first language block, its
 * language and character set, and the UPC/EAN, ISRC, disc id and genre
 * packs. Pure: bytes in, facts out.
 *
 * A pack is 18 bytes: type (0x80-0x8F), track number, sequence number,
 * block number/character position, 12 text bytes and a CRC-16 (CCITT,
 * inverted, big-endian); CloneCD stores the first 16 without the CRC.
 * Text of one type runs through its packs as NUL-terminated strings, the
 * first for the first pack's track and each next for the track after; a
 * lone TAB repeats the previous track's string. The 0x8F size packs give
 * the character set, the track range, the count of packs of each type and
 * the language of each block, and are held against the packs found.
 */
import type { CdTextField } from './cue-sheet.js';
import type { ImageReadError } from './image-read-error.js';
import { imageProblem } from './image-read-error.js';

/** Bytes of a pack with its CRC, and without (CloneCD). */
export const CD_TEXT_PACK = 18;
export const CD_TEXT_PACK_NO_CRC = 16;
/** More packs than 8 blocks of 256 are not CD-TEXT. */
const MAX_PACKS = 8 * 256;
const FIELDS: Readonly<Record<number, CdTextField>> = { 0x80: 'TITLE', 0x81: 'PERFORMER', 0x82: 'SONGWRITER', 0x83: 'COMPOSER', 0x84: 'ARRANGER', 0x85: 'MESSAGE' };
const CHARSETS: Readonly<Record<number, string>> = { 0x00: 'ISO-8859-1', 0x01: 'ASCII' };

/** The first language block of a disc's CD-TEXT. */
export interface CdTextBlock {
  /** Language of the block: `EN` for code 0x09, else the code as a decimal number (what a TOC's LANGUAGE_MAP takes). */
  readonly language: string;
  readonly charset: string;
  readonly firstTrack: number;
  readonly lastTrack: number;
  /** Disc fields (track 0 of the text packs). */
  readonly disc: Partial<Record<CdTextField, string>>;
  /** Fields of tracks `firstTrack` to `lastTrack`, in order (empty objects for tracks without text). */
  readonly tracks: readonly Partial<Record<CdTextField, string>>[];
  /** 0x8E pack of track 0 (UPC/EAN) and of each track (ISRC), as given. */
  readonly upc?: string;
  readonly isrc: readonly (string | undefined)[];
  /** 0x86 disc id and 0x87 genre (code and text), as given; a TOC file does not carry them here. */
  readonly discId?: string;
  readonly genre?: { readonly code: number; readonly text: string };
  /** Packs in the block (the size packs' count). */
  readonly packs: number;
}

const bad = (detail: string): ImageReadError => imageProblem('conversion-failed', `CD-TEXT: ${detail}`);

/** CRC-16/CCITT (x^16 + x^12 + x^5 + 1, initial 0) of `bytes`, inverted as CD-TEXT stores it. */
export function cdTextCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc ^ 0xffff;
}

interface Pack {
  readonly index: number;
  readonly type: number;
  readonly track: number;
  readonly sequence: number;
  readonly block: number;
  readonly dbcc: boolean;
  readonly position: number;
  readonly text: Uint8Array;
}

function splitPacks(bytes: Uint8Array, packBytes: number): Pack[] {
  if (bytes.length === 0) throw bad('no packs');
  if (bytes.length % packBytes !== 0) throw bad(`${bytes.length} bytes are not a whole number of ${packBytes}-byte packs (truncated)`);
  const count = bytes.length / packBytes;
  if (count > MAX_PACKS) throw bad(`${count} packs, more than ${MAX_PACKS}`);
  const packs: Pack[] = [];
  for (let i = 0; i < count; i++) {
    const p = bytes.subarray(i * packBytes, (i + 1) * packBytes);
    if (packBytes === CD_TEXT_PACK) {
      const stored = ((p[16] ?? 0) << 8) | (p[17] ?? 0);
      const crc = cdTextCrc(p.subarray(0, 16));
      if (stored !== crc) throw bad(`pack ${i} has CRC 0x${stored.toString(16).padStart(4, '0')}, its bytes give 0x${crc.toString(16).padStart(4, '0')}`);
    }
    const type = p[0] ?? 0;
    if (type < 0x80 || type > 0x8f) throw bad(`pack ${i} has type 0x${type.toString(16).padStart(2, '0')}, not 0x80 to 0x8F`);
    const b3 = p[3] ?? 0;
    packs.push({ index: i, type, track: (p[1] ?? 0) & 0x7f, sequence: p[2] ?? 0, block: (b3 >> 4) & 7, dbcc: (b3 & 0x80) !== 0, position: b3 & 0x0f, text: p.subarray(4, 16) });
  }
  return packs;
}

/** The 36 bytes of the block's three 0x8F size packs. */
function sizeInfo(packs: readonly Pack[]): Buffer {
  const size = packs.filter((p) => p.type === 0x8f);
  if (size.length !== 3) throw bad(`block 0 has ${size.length} size information packs (0x8F), not 3`);
  return Buffer.concat(size.map((p) => p.text));
}

/** The strings of one text type, by track number (`lastTrack` bounds them). */
function strings(packs: readonly Pack[], type: number, lastTrack: number): Map<number, string> {
  const mine = packs.filter((p) => p.type === type);
  const out = new Map<number, string>();
  const first = mine[0];
  if (!first) return out;
  let track = first.track;
  let current: number[] = [];
  let previous = '';
  for (const pack of mine) {
    if (pack.track !== track || pack.position !== Math.min(current.length, 15)) {
      throw bad(`pack ${pack.index} (type 0x${type.toString(16)}) says track ${pack.track} at character ${pack.position}, its text runs at track ${track} character ${current.length}`);
    }
    for (const byte of pack.text) {
      if (byte !== 0) {
        current.push(byte);
        continue;
      }
      if (current.length === 0 && track > lastTrack) continue; // padding after the last string
      if (track > lastTrack) throw bad(`pack ${pack.index} (type 0x${type.toString(16)}) names track ${track}, the disc's CD-TEXT ends at track ${lastTrack}`);
      const text = Buffer.from(current).toString('latin1');
      if (text !== '\t' && /[^\x20-\x7e\xa0-\xff]/.test(text)) throw bad(`the text of track ${track} (type 0x${type.toString(16)}) holds control characters`);
      const value = text === '\t' ? previous : text;
      if (value !== '') out.set(track, value);
      previous = value;
      track++;
      current = [];
    }
  }
  if (current.length > 0) throw bad(`the last string of type 0x${type.toString(16)} (track ${track}) is not terminated (truncated packs)`);
  return out;
}

/**
 * Decode `bytes` (packs of `packBytes` bytes: 18 with a CRC, checked; 16
 * without) for a disc of `discTracks` tracks. Only the first language block
 * is decoded (the others' packs are CRC-checked and skipped). Throws
 * `ImageReadError` (`conversion-failed`, led by `CD-TEXT:`) for a bad CRC,
 * packs cut short, unknown pack types, sequence numbers out of order, a
 * double-byte or unknown character set, text naming tracks beyond
 * `discTracks`, and counts the size packs contradict.
 */
export function decodeCdTextPacks(bytes: Uint8Array, packBytes: number, discTracks: number): CdTextBlock {
  if (packBytes !== CD_TEXT_PACK && packBytes !== CD_TEXT_PACK_NO_CRC) throw new RangeError(`CD-TEXT packs are ${CD_TEXT_PACK} or ${CD_TEXT_PACK_NO_CRC} bytes, not ${packBytes}`);
  const packs = splitPacks(bytes, packBytes).filter((p) => p.block === 0);
  if (packs.length === 0) throw bad('no packs of block 0');
  packs.forEach((p, i) => {
    if (p.sequence !== i) throw bad(`pack ${p.index} has sequence number ${p.sequence}, block 0's pack ${i} should have ${i}`);
    if (p.dbcc) throw bad(`pack ${p.index} holds double-byte characters, which a TOC file cannot carry`);
  });
  const info = sizeInfo(packs);
  const charset = CHARSETS[info[0] ?? 0];
  if (charset === undefined) throw bad(`character set 0x${(info[0] ?? 0).toString(16).padStart(2, '0')} is not ISO 8859-1 or ASCII`);
  const firstTrack = info[1] ?? 0;
  const lastTrack = info[2] ?? 0;
  if (firstTrack < 1 || lastTrack < firstTrack || lastTrack > 99) throw bad(`the size packs give tracks ${firstTrack} to ${lastTrack}`);
  if (lastTrack > discTracks) throw bad(`the size packs name tracks ${firstTrack} to ${lastTrack}, the disc has ${discTracks}`);
  for (let type = 0x80; type <= 0x8f; type++) {
    const declared = info[4 + type - 0x80] ?? 0;
    const found = packs.filter((p) => p.type === type).length;
    if (declared !== found) throw bad(`the size packs count ${declared} packs of type 0x${type.toString(16)}, block 0 has ${found}`);
  }
  if ((info[20] ?? 0) !== packs.length - 1) throw bad(`the size packs give block 0's last sequence number as ${info[20] ?? 0}, its packs end at ${packs.length - 1}`);
  const code = info[28] ?? 0;
  const disc: Partial<Record<CdTextField, string>> = {};
  const tracks: Partial<Record<CdTextField, string>>[] = Array.from({ length: lastTrack - firstTrack + 1 }, () => ({}));
  for (const [typeText, field] of Object.entries(FIELDS)) {
    for (const [track, value] of strings(packs, Number(typeText), lastTrack)) {
      if (track === 0) disc[field] = value;
      else if (track < firstTrack) throw bad(`type 0x${Number(typeText).toString(16)} names track ${track}, before the first track ${firstTrack}`);
      else (tracks[track - firstTrack] as Partial<Record<CdTextField, string>>)[field] = value;
    }
  }
  const codes = strings(packs, 0x8e, lastTrack);
  const discId = strings(packs, 0x86, lastTrack).get(0);
  const genrePacks = packs.filter((p) => p.type === 0x87);
  const genreBytes = Buffer.concat(genrePacks.map((p) => p.text));
  const genreText = genreBytes.subarray(2).toString('latin1').split('\0')[0] ?? '';
  const upc = codes.get(0);
  return {
    language: code === 0x09 ? 'EN' : String(code),
    charset, firstTrack, lastTrack, disc, tracks,
    ...(upc === undefined ? {} : { upc }),
    isrc: tracks.map((_, i) => codes.get(firstTrack + i)),
    ...(discId === undefined ? {} : { discId }),
    ...(genrePacks.length === 0 ? {} : { genre: { code: genreBytes.readUInt16BE(0), text: genreText } }),
    packs: packs.length,
  };
}

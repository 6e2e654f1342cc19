/**
 * CD-TEXT packs for tests, encoded by the layout a disc's lead-in (and
 * CloneCD's `[CDText]`, Nero's `CDTX`) holds: text packs of each type with
 * their track numbers, character positions and sequence numbers, then the
 * three 0x8F size packs; 18 bytes with the CRC-16 (CCITT, inverted) or 16
 * without, as CloneCD stores them. The decoder's own CRC is not used here.
 */
import type { CdTextField } from '../../src/image/cue-sheet.js';

const TYPES: readonly [number, CdTextField][] = [[0x80, 'TITLE'], [0x81, 'PERFORMER'], [0x82, 'SONGWRITER'], [0x83, 'COMPOSER'], [0x84, 'ARRANGER'], [0x85, 'MESSAGE']];

/** What to encode: disc fields, one object per track (tracks 1..n), language code (0x09 English) and character set (0x00 ISO 8859-1). */
export interface CdTextSpec {
  readonly disc: Partial<Record<CdTextField, string>>;
  readonly tracks: readonly Partial<Record<CdTextField, string>>[];
  readonly language?: number;
  readonly charset?: number;
}

/** CRC-16/CCITT of `bytes`, bit by bit from the polynomial, inverted. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
      crc = (crc << 1) & 0xffff;
      if (top) crc ^= 0x1021;
    }
  }
  return ~crc & 0xffff;
}

/** The packs of `spec`, `crc`: 18-byte packs with their CRC, else 16-byte (CloneCD). */
export function encodeCdText(spec: CdTextSpec, crc: boolean): Buffer {
  const heads: Buffer[] = [];
  const counts = new Array<number>(16).fill(0);
  const push = (type: number, track: number, position: number, text: Buffer): void => {
    const p = Buffer.alloc(16);
    p[0] = type;
    p[1] = track;
    p[2] = heads.length;
    p[3] = Math.min(position, 15);
    text.copy(p, 4);
    heads.push(p);
    counts[type - 0x80] = (counts[type - 0x80] ?? 0) + 1;
  };
  for (const [type, field] of TYPES) {
    const values = [spec.disc[field] ?? '', ...spec.tracks.map((t) => t[field] ?? '')];
    if (values.every((v) => v === '')) continue;
    // Each byte with the track of its string and its position in that string.
    const bytes: { byte: number; track: number; position: number }[] = [];
    values.forEach((v, track) => [...Buffer.from(v, 'latin1'), 0].forEach((byte, position) => bytes.push({ byte, track, position })));
    for (let at = 0; at < bytes.length; at += 12) {
      const slice = bytes.slice(at, at + 12);
      push(type, slice[0]?.track ?? 0, slice[0]?.position ?? 0, Buffer.from(slice.map((b) => b.byte)));
    }
  }
  const info = Buffer.alloc(36);
  info[0] = spec.charset ?? 0;
  info[1] = 1;
  info[2] = spec.tracks.length;
  counts[0x0f] = 3;
  counts.forEach((c, i) => (info[4 + i] = c));
  info[20] = heads.length + 2;
  info[28] = spec.language ?? 0x09;
  for (let i = 0; i < 3; i++) push(0x8f, i, 0, info.subarray(i * 12, i * 12 + 12));
  return Buffer.concat(heads.map((p) => (crc ? Buffer.concat([p, Buffer.from([crc16(p) >> 8, crc16(p) & 0xff])]) : p)));
}

/** A CloneCD `[CDText]` section of `packs` (16 or 18 bytes each). */
export function ccdCdTextSection(packs: Buffer, packBytes = 16): string {
  const lines = ['[CDText]', `Entries=${packs.length / packBytes}`];
  for (let i = 0; i < packs.length / packBytes; i++) {
    lines.push(`Entry ${i}=${[...packs.subarray(i * packBytes, (i + 1) * packBytes)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  }
  return lines.join('\r\n');
}

/**
 * DiscJuggler CDI test images, written here by the layout cdirip reads (no
 * Debian tool writes CDI; see drivers/src/image/cdi-image.ts): the tracks'
 * sectors one after the other from byte 0 (a zeroed pregap, then the
 * data, as 2048-byte user data or raw 2352/2336-byte sectors built around
 * it), then the descriptor (session count; per session its track count,
 * each track's block with the start mark, name, pregap, length, mode,
 * start LBA, total length and sector size code; the session's end), then
 * the footer: version and descriptor offset (v3.5: back from the end),
 * little-endian.
 */

/** One track: its user data (whole 2048-byte sectors; audio: whole 2352-byte frames). */
export interface CdiTrackSpec {
  readonly data: Buffer;
  /** 0 audio, 1 Mode 1 (default), 2 Mode 2. */
  readonly mode?: 0 | 1 | 2;
  readonly sectorBytes?: 2048 | 2336 | 2352;
  readonly pregapSectors?: number;
  /** Session number, from 1 (default 1). */
  readonly session?: number;
}

const SIZE_CODE = { 2048: 0, 2336: 1, 2352: 2 } as const;
const VERSION = { '2': 0x80000004, '3': 0x80000005, '3.5': 0x80000006 } as const;
const bcd = (n: number): number => ((n / 10) | 0) * 16 + (n % 10);

function sectorsOf(spec: CdiTrackSpec, lba: number): Buffer {
  const size = spec.sectorBytes ?? 2048;
  const mode = spec.mode ?? 1;
  if (mode === 0 || size === 2048) return spec.data;
  const count = spec.data.length / 2048;
  const out = Buffer.alloc(count * size);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    const user = spec.data.subarray(i * 2048, (i + 1) * 2048);
    if (size === 2336) {
      out.writeUInt32BE(0x00000800, at);
      out.writeUInt32BE(0x00000800, at + 4);
      user.copy(out, at + 8);
      continue;
    }
    out.fill(0xff, at + 1, at + 11);
    const msf = lba + i + 150;
    out[at + 12] = bcd(Math.floor(msf / 4500));
    out[at + 13] = bcd(Math.floor(msf / 75) % 60);
    out[at + 14] = bcd(msf % 75);
    out[at + 15] = mode;
    if (mode === 2) {
      out.writeUInt32BE(0x00000800, at + 16);
      out.writeUInt32BE(0x00000800, at + 20);
    }
    user.copy(out, at + (mode === 1 ? 16 : 24));
  }
  return out;
}

function trackBlock(spec: CdiTrackSpec, index: number, lba: number, sectors: number, version: keyof typeof VERSION): Buffer {
  const name = Buffer.from(`track${index + 1}.iso`, 'latin1');
  const b = Buffer.alloc(150 + name.length);
  let at = 4;
  for (let k = 0; k < 2; k++) { b.set([0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], at); at += 10; }
  at += 4;
  b[at++] = name.length;
  name.copy(b, at);
  at += name.length + 19 + 4 + 2;
  const pregap = spec.pregapSectors ?? 150;
  b.writeUInt32LE(pregap, at); at += 4;
  b.writeUInt32LE(sectors, at); at += 4 + 6;
  b.writeUInt32LE(spec.mode ?? 1, at); at += 4 + 12;
  b.writeUInt32LE(lba, at); at += 4;
  b.writeUInt32LE(pregap + sectors, at); at += 4 + 16;
  b.writeUInt32LE(SIZE_CODE[spec.sectorBytes ?? 2048], at); at += 4 + 29;
  return version === '2' ? b.subarray(0, at) : b.subarray(0, at + 9);
}

/** A CDI image of `tracks` in DiscJuggler format `version`. */
export function makeCdi(tracks: readonly CdiTrackSpec[], version: keyof typeof VERSION = '3.5'): Buffer {
  const data: Buffer[] = [];
  const sessions = new Map<number, Buffer[]>();
  let lba = 0;
  for (const [i, spec] of tracks.entries()) {
    const size = spec.sectorBytes ?? 2048;
    const pregap = spec.pregapSectors ?? 150;
    const sectors = spec.data.length / ((spec.mode ?? 1) === 0 ? 2352 : 2048);
    data.push(Buffer.alloc(pregap * size), sectorsOf(spec, lba + pregap));
    const list = sessions.get(spec.session ?? 1) ?? [];
    list.push(trackBlock(spec, i, lba + pregap, sectors, version));
    sessions.set(spec.session ?? 1, list);
    lba += pregap + sectors;
  }
  const parts: Buffer[] = [Buffer.from([sessions.size, 0])];
  for (const list of [...sessions.keys()].sort((a, b) => a - b).map((k) => sessions.get(k) ?? [])) {
    parts.push(Buffer.from([list.length, 0]), ...list, Buffer.alloc(version === '2' ? 12 : 13));
  }
  parts.push(Buffer.alloc(16));
  const body = Buffer.concat(data);
  const descriptor = Buffer.concat(parts);
  const footer = Buffer.alloc(8);
  footer.writeUInt32LE(VERSION[version], 0);
  const total = body.length + descriptor.length + 8;
  footer.writeUInt32LE(version === '3.5' ? total - body.length : body.length, 4);
  return Buffer.concat([body, descriptor, footer]);
}

/** A track's CD-TEXT block: 18 strings, a length byte before each (libmirage does not say which is which). */
export type CdiTrackCdText = readonly string[];

/**
 * A one-session DiscJuggler v3.5 image with CD-TEXT, written by the layout
 * libmirage's CDI parser documents (cdemu `images/image-cdi/parser.c`; no
 * real sample is at hand): a session count byte; the session descriptor (15
 * bytes, its track count in byte 1); each track block (header, name, the
 * 0x80000000 mark and disc capacity, medium type, two index lengths, the
 * CD-TEXT blocks, mode, session and track index, start, length, read mode,
 * CTL, ISRC, and the 99-byte tail, which says whether it is the session's
 * last track); an empty session descriptor; the disc block (header, name,
 * disc length, volume id, MCN, the raw CD-TEXT packs and 12 bytes whose
 * last 4 are the version); then the descriptor's length. `blocks[i]` are
 * track i's CD-TEXT blocks (default none).
 */
export function makeCdiWithCdText(tracks: readonly CdiTrackSpec[], packs: Buffer, blocks: readonly (readonly CdiTrackCdText[])[] = []): Buffer {
  const data: Buffer[] = [];
  const u8 = (v: number): Buffer => Buffer.from([v]);
  const u16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  const header = (name: string): Buffer => {
    const h = Buffer.from([0xff, 0xff, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, tracks.length]);
    const after = Buffer.alloc(29);
    after[22] = 0x80;
    after.writeUInt32LE(333000, 23);
    return Buffer.concat([h, u8(name.length), Buffer.from(name, 'latin1'), after, u16(0x98)]);
  };
  const session = (count: number): Buffer => { const s = Buffer.alloc(15); s[1] = count; s[9] = 1; s[13] = 0xff; s[14] = 0xff; return s; };
  const parts: Buffer[] = [u8(1), session(tracks.length)];
  let lba = 0;
  for (const [i, spec] of tracks.entries()) {
    const size = spec.sectorBytes ?? 2048;
    const pregap = spec.pregapSectors ?? 150;
    const sectors = spec.data.length / ((spec.mode ?? 1) === 0 ? 2352 : 2048);
    data.push(Buffer.alloc(pregap * size), sectorsOf(spec, lba + pregap));
    const text = (blocks[i] ?? []).map((fields) => Buffer.concat(Array.from({ length: 18 }, (_, k) => {
      const s = Buffer.from(fields[k] ?? '', 'latin1');
      return Buffer.concat([u8(s.length), s]);
    })));
    const tail = Buffer.alloc(99);
    tail.fill(0xff, 1, 9);
    tail[9] = 1;
    tail[13] = 0x80;
    const last = i === tracks.length - 1;
    tail[93] = last ? 0 : 1;
    if (last) tail.writeUInt32LE(lba + pregap + sectors, 95);
    else tail.set([0, 0, 0xff, 0xff], 95);
    parts.push(
      header(`track${i + 1}.wav`), u16(2), u32(pregap), u32(sectors), u32(text.length), ...text, Buffer.alloc(2),
      u32(spec.mode ?? 1), Buffer.alloc(4), u32(0), u32(i), u32(lba + pregap), u32(pregap + sectors), Buffer.alloc(16),
      u32(SIZE_CODE[spec.sectorBytes ?? 2048]), u32(spec.mode === 0 ? 0 : 4), Buffer.alloc(9), Buffer.alloc(12), u32(0), tail,
    );
    lba += pregap + sectors;
  }
  const trailer = Buffer.alloc(12);
  trailer.writeUInt32LE(VERSION['3.5'], 8);
  parts.push(session(0), header('disc.cdi'), u32(lba), u8(0), Buffer.alloc(9), Buffer.alloc(13), u32(0), u32(packs.length), packs, trailer);
  // The last 12 bytes of the disc block end with the footer's version; the descriptor's length follows it.
  const descriptor = Buffer.concat(parts).subarray(0, -4);
  const body = Buffer.concat(data);
  const footer = Buffer.alloc(8);
  footer.writeUInt32LE(VERSION['3.5'], 0);
  footer.writeUInt32LE(descriptor.length + 8, 4);
  return Buffer.concat([body, descriptor, footer]);
}

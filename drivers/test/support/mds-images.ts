/**
 * Alcohol 120% MDS descriptors, written here by the format's layout (no
 * Debian tool writes MDS): an 88-byte header, one session block, the
 * lead-in blocks (points A0, A1, A2) and one track block, its extra block
 * (pregap, length) and footer naming the data file (`*.mdf` by default),
 * little-endian as Alcohol writes them.
 */

/** An MDS descriptor for one data track of `sectors` sectors of `sectorBytes` in the data file `fileName`. */
export function makeMds(options: { sectors: number; sectorBytes?: number; mode?: number; medium?: number; fileName?: string; wide?: boolean; subchannel?: number }): Buffer {
  const name = options.fileName ?? '*.mdf';
  const nameBytes = options.wide ? Buffer.from(`${name}\0`, 'utf16le') : Buffer.from(`${name}\0`, 'latin1');
  const b = Buffer.alloc(456 + nameBytes.length);
  b.write('MEDIA DESCRIPTOR', 0, 'latin1');
  b[16] = 1;
  b[17] = 3;
  b.writeUInt16LE(options.medium ?? 0, 18);
  b.writeUInt16LE(1, 20);
  b.writeUInt32LE(88, 80);
  // Session block.
  b.writeInt32LE(-150, 88);
  b.writeInt32LE(options.sectors, 92);
  b.writeUInt16LE(1, 96);
  b[98] = 4;
  b[99] = 3;
  b.writeUInt16LE(1, 100);
  b.writeUInt16LE(1, 102);
  b.writeUInt32LE(112, 108);
  // Lead-in blocks A0, A1, A2, then track 1.
  [0xa0, 0xa1, 0xa2].forEach((point, i) => {
    b[112 + i * 80 + 2] = 0x14;
    b[112 + i * 80 + 4] = point;
  });
  const t = 112 + 3 * 80;
  b[t] = options.mode ?? 0xaa;
  b[t + 1] = options.subchannel ?? 0;
  b[t + 2] = 0x14;
  b[t + 4] = 1;
  b.writeUInt32LE(432, t + 12);
  b.writeUInt16LE(options.sectorBytes ?? 2048, t + 16);
  b.writeUInt32LE(0, t + 36);
  b.writeBigUInt64LE(0n, t + 40);
  b.writeUInt32LE(1, t + 48);
  b.writeUInt32LE(440, t + 52);
  // Extra block, footer, file name.
  b.writeUInt32LE(150, 432);
  b.writeUInt32LE(options.sectors, 436);
  b.writeUInt32LE(456, 440);
  b.writeUInt32LE(options.wide ? 1 : 0, 444);
  nameBytes.copy(b, 456);
  return b;
}

/** One track of `makeMdsTracks`: `sectors` of `sectorBytes` from byte `startOffset` of its data file. */
export interface MdsTrackSpec {
  readonly sectors: number;
  readonly startOffset: number;
  readonly sectorBytes?: number;
  /** MDS mode byte: 0xa9 audio, 0xaa Mode 1 (default), 0xab Mode 2. */
  readonly mode?: number;
  /** Pregap sectors (the extra block's first word; default 150 for track 1, 0 after). */
  readonly pregap?: number;
  readonly startSector?: number;
  readonly fileName?: string;
  readonly subchannel?: number;
}

/** An MDS descriptor of one session with several tracks (audio, Mode 1, Mode 2), each naming its data file. */
export function makeMdsTracks(tracks: readonly MdsTrackSpec[]): Buffer {
  const names = tracks.map((t) => Buffer.from(`${t.fileName ?? '*.mdf'}\0`, 'latin1'));
  const blocks = 3 + tracks.length;
  const extraAt = 112 + blocks * 80;
  const footerAt = extraAt + tracks.length * 8;
  const nameAt = footerAt + tracks.length * 16;
  const b = Buffer.alloc(nameAt + names.reduce((sum, n) => sum + n.length, 0));
  b.write('MEDIA DESCRIPTOR', 0, 'latin1');
  b[16] = 1;
  b[17] = 3;
  b.writeUInt16LE(1, 20);
  b.writeUInt32LE(88, 80);
  b.writeInt32LE(-150, 88);
  // The session's end sector (clamped: the bad-input tests give tracks 2^31 sectors; the reader does not use it).
  b.writeInt32LE(Math.min(0x7fffffff, tracks.reduce((sum, t) => sum + t.sectors + (t.pregap ?? 0), 0)), 92);
  b.writeUInt16LE(1, 96);
  b[98] = blocks;
  b[99] = 3;
  b.writeUInt16LE(1, 100);
  b.writeUInt16LE(tracks.length, 102);
  b.writeUInt32LE(112, 108);
  [0xa0, 0xa1, 0xa2].forEach((point, i) => {
    b[112 + i * 80 + 2] = 0x14;
    b[112 + i * 80 + 4] = point;
  });
  let name = nameAt;
  tracks.forEach((spec, i) => {
    const t = 112 + (3 + i) * 80;
    b[t] = spec.mode ?? 0xaa;
    b[t + 1] = spec.subchannel ?? 0;
    b[t + 2] = spec.mode === 0xa9 ? 0x10 : 0x14;
    b[t + 4] = i + 1;
    b.writeUInt32LE(extraAt + i * 8, t + 12);
    b.writeUInt16LE(spec.sectorBytes ?? 2048, t + 16);
    b.writeUInt32LE(spec.startSector ?? 0, t + 36);
    b.writeBigUInt64LE(BigInt(spec.startOffset), t + 40);
    b.writeUInt32LE(1, t + 48);
    b.writeUInt32LE(footerAt + i * 16, t + 52);
    b.writeUInt32LE(spec.pregap ?? (i === 0 ? 150 : 0), extraAt + i * 8);
    b.writeUInt32LE(spec.sectors, extraAt + i * 8 + 4);
    b.writeUInt32LE(name, footerAt + i * 16);
    names[i]?.copy(b, name);
    name += names[i]?.length ?? 0;
  });
  return b;
}

/**
 * Nero NRG test images, written here by the format's layout (no Debian tool
 * writes NRG): image data, then the chunks (CUEX/CUES, DAOX/DAOI or
 * ETN2/ETNF, CDTX when given CD-TEXT packs, SINF, MTYP, END!), then the footer (v2: NER5 + 64-bit offset;
 * v1: NERO + 32-bit offset), all big-endian, as Nero writes them.
 */

/** One track to write: its bytes and NRG mode code (0x00 Mode 1/2048, 0x07 audio...). */
export interface NrgTrackSpec {
  readonly data: Buffer;
  readonly modeCode?: number;
  readonly sectorBytes?: number;
  /** A later track's pregap (whole sectors), written before its data: the DAO entry's pregap offset points at it. */
  readonly pregap?: Buffer;
}

const chunk = (id: string, body: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

const u64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};

/** An NRG image of `tracks`: disc-at-once (with the 150-sector pregap before track 1) or track-at-once. */
export function makeNrg(tracks: readonly NrgTrackSpec[], options: { version: 1 | 2; writing: 'dao' | 'tao'; cdText?: Buffer }): Buffer {
  const v2 = options.version === 2;
  const pregap = options.writing === 'dao' ? 150 * (tracks[0]?.sectorBytes ?? 2048) : 0;
  const parts: Buffer[] = [Buffer.alloc(pregap)];
  const extents: [number, number, number][] = [];
  let at = pregap;
  for (const t of tracks) {
    const gap = t.pregap ?? Buffer.alloc(0);
    extents.push([at, at + gap.length, at + gap.length + t.data.length]);
    parts.push(gap, t.data);
    at += gap.length + t.data.length;
  }
  const chunkOffset = at;
  const chunks: Buffer[] = [];
  if (options.writing === 'dao') {
    const entries = tracks.map((t, i) => {
      const [gap, start, end] = extents[i] ?? [0, 0, 0];
      const e = Buffer.alloc(v2 ? 42 : 30);
      e.writeUInt16BE(t.sectorBytes ?? 2048, 12);
      e[14] = t.modeCode ?? 0;
      const offsets = [i === 0 ? 0 : gap, start, end];
      offsets.forEach((o, k) => (v2 ? e.writeBigUInt64BE(BigInt(o), 18 + k * 8) : e.writeUInt32BE(o, 18 + k * 4)));
      return e;
    });
    const header = Buffer.alloc(22);
    header.writeUInt32BE(22 + entries.length * (v2 ? 42 : 30), 0);
    header[20] = 1;
    header[21] = tracks.length;
    chunks.push(chunk(v2 ? 'CUEX' : 'CUES', Buffer.alloc(8 * (tracks.length + 2))));
    chunks.push(chunk(v2 ? 'DAOX' : 'DAOI', Buffer.concat([header, ...entries])));
  } else {
    const entries = tracks.map((t, i) => {
      const [, start, end] = extents[i] ?? [0, 0, 0];
      return v2
        ? Buffer.concat([u64(start), u64(end - start), u32(t.modeCode ?? 0), u32(start / (t.sectorBytes ?? 2048)), u64(0)])
        : Buffer.concat([u32(start), u32(end - start), u32(t.modeCode ?? 0), u32(start / (t.sectorBytes ?? 2048)), u32(0)]);
    });
    chunks.push(chunk(v2 ? 'ETN2' : 'ETNF', Buffer.concat(entries)));
  }
  if (options.cdText) chunks.push(chunk('CDTX', options.cdText));
  chunks.push(chunk('SINF', u32(tracks.length)), chunk('MTYP', u32(1)), chunk('END!', Buffer.alloc(0)));
  const footer = v2 ? Buffer.concat([Buffer.from('NER5', 'latin1'), u64(chunkOffset)]) : Buffer.concat([Buffer.from('NERO', 'latin1'), u32(chunkOffset)]);
  return Buffer.concat([...parts, ...chunks, footer]);
}

/**
 * MDF data of 2448-byte sectors as Alcohol 120% writes them with "read
 * subchannel" (MDS subchannel type 0x08), written here by libmirage's
 * documented layout (its MDS parser's PW96 interleaved type; no Debian tool
 * writes MDS): each sector's 2352 bytes, then 96 subchannel bytes, byte i
 * carrying bit i (most significant first) of channels P to W in its bits 7
 * to 0. The subchannel is given here in CloneCD's `.sub` layout (channels P,
 * Q, R ... W one after another, 12 bytes each) and interleaved bit by bit.
 */

/** The 96 interleaved bytes of one CloneCD-layout record `linear` (96 bytes). */
export function interleavePwRecord(linear: Uint8Array): Buffer {
  const out = Buffer.alloc(96);
  for (let c = 0; c < 8; c++) {
    for (let i = 0; i < 96; i++) {
      const bit = ((linear[c * 12 + Math.floor(i / 8)] ?? 0) >> (7 - (i % 8))) & 1;
      out[i] = (out[i] ?? 0) | (bit << (7 - c));
    }
  }
  return out;
}

/** MDF bytes of `main` (whole 2352-byte sectors) with `linear` (one CloneCD-layout record per sector) interleaved after each sector. */
export function makeInterleavedMdf(main: Buffer, linear: Buffer): Buffer {
  const sectors = main.length / 2352;
  if (!Number.isInteger(sectors) || linear.length !== sectors * 96) throw new RangeError('main must be whole sectors with one 96-byte record each');
  const out = Buffer.alloc(sectors * 2448);
  for (let s = 0; s < sectors; s++) {
    main.copy(out, s * 2448, s * 2352, (s + 1) * 2352);
    interleavePwRecord(linear.subarray(s * 96, (s + 1) * 96)).copy(out, s * 2448 + 2352);
  }
  return out;
}

/** CloneCD-layout records for `sectors` sectors: P all set, Q's first byte 0x41 (ADR 1, data), R to W empty. */
export function pqRecords(sectors: number): Buffer {
  const records = Buffer.alloc(sectors * 96);
  for (let s = 0; s < sectors; s++) records.fill(0xff, s * 96, s * 96 + 12).writeUInt8(0x41, s * 96 + 12);
  return records;
}

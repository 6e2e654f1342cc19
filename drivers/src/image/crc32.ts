/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum UDIF
 * (DMG) images carry over their data fork and each partition's data. Own
 * table rather than `zlib.crc32`, which Node 20.9 (the engines floor) lacks.
 */
import { createReadStream } from 'node:fs';

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`, continuing from `previous` (the CRC of what came before; 0 to start). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (const byte of bytes) c = (TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of bytes `[start, end)` of `file` (an empty range is 0). */
export async function crc32OfRange(file: string, start: number, end: number): Promise<number> {
  if (end <= start) return 0;
  let crc = 0;
  for await (const chunk of createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) crc = crc32(chunk, crc);
  return crc;
}

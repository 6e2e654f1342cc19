/**
 * A CloneCD `.sub` file read for what it carries: 96 bytes per sector of
 * the `.img`, stored deinterleaved (12 bytes of channel P, then Q, then R
 * to W). P and Q (track and index marks, positions, ISRC, MCN) are what
 * every burner writes again from the CUE sheet or TOC; R to W hold CD+G
 * graphics, CD-TEXT in the program area or copy-protection marks, which
 * neither a CUE sheet nor the library's TOC files carry. The scan counts
 * the sectors whose R-W bytes are not all zero and hashes the file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { imageProblem } from './image-read-error.js';

/** Bytes of a CloneCD subchannel record, and where its R-W channels start. */
export const SUB_RECORD = 96;
const RW_FROM = 24;

/** What a `.sub` holds. */
export interface SubchannelScan {
  readonly sectors: number;
  /** Sectors with R-W data (any of channels R to W not zero). */
  readonly rwSectors: number;
  /** The first such sector, when there is one. */
  readonly firstRwSector?: number;
  readonly sha256: string;
}

/**
 * Scan the `.sub` file `sub` of an image of `sectors` sectors. Throws
 * `ImageReadError` (`conversion-failed`) when it is not exactly `sectors`
 * records of 96 bytes (shorter or longer than the image), or changes while read.
 */
export async function scanCloneCdSub(sub: string, sectors: number): Promise<SubchannelScan> {
  const { size } = await stat(sub);
  if (size !== sectors * SUB_RECORD) {
    throw imageProblem('conversion-failed', `CloneCD subchannel (${size} bytes) is not ${sectors} records of ${SUB_RECORD} bytes, one per sector of the image`);
  }
  const hash = createHash('sha256');
  let sector = 0;
  let rwSectors = 0;
  let firstRwSector: number | undefined;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(sub, { highWaterMark: SUB_RECORD * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    for (; at + SUB_RECORD <= pending.length; at += SUB_RECORD, sector++) {
      if (pending.subarray(at + RW_FROM, at + SUB_RECORD).some((b) => b !== 0)) {
        rwSectors++;
        firstRwSector ??= sector;
      }
    }
    pending = pending.subarray(at);
  }
  if (sector !== sectors || pending.length !== 0) throw imageProblem('conversion-failed', `CloneCD subchannel changed while it was read (${sector} of ${sectors} records)`);
  return { sectors, rwSectors, ...(firstRwSector === undefined ? {} : { firstRwSector }), sha256: hash.digest('hex') };
}

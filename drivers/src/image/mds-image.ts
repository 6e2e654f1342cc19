/**
 * Alcohol 120% images (`.mds` descriptor + `.mdf` data), by structure: the
 * descriptor starts with `MEDIA DESCRIPTOR`; its 88-byte header points at
 * the session blocks (24 bytes each), each at its track blocks (80 bytes:
 * mode, subchannel, point, sector size, start sector and offset, the extra
 * block with pregap and length, the footer naming the data file). Every
 * offset and count is checked against the descriptor before use; the data
 * file's name must stay beside the descriptor (`*.mdf` means the
 * descriptor's own base name).
 */
import type { ImageReadError } from './image-read-error.js';
import { imageProblem } from './image-read-error.js';

/** MDS files larger than this are not MDS files. */
export const MAX_MDS_BYTES = 1024 * 1024;
const SIGNATURE = 'MEDIA DESCRIPTOR';
const MAX_SESSIONS = 99;
const MODES: Record<number, string> = { 0xa9: 'AUDIO', 0xaa: 'MODE1', 0xab: 'MODE2', 0xac: 'MODE2_FORM1', 0xad: 'MODE2_FORM2', 0xec: 'MODE2_FORM1', 0x02: 'DVD' };

/** One track of an MDS descriptor. */
export interface MdsTrack {
  readonly number: number;
  /** MODE1, MODE2, AUDIO, DVD... or `unknown-0xNN`. */
  readonly mode: string;
  readonly sectorBytes: number;
  /** 0: no subchannel; 8: 96 bytes of subchannel after each sector. */
  readonly subchannel: number;
  readonly startSector: number;
  /** Byte offset of the track's first sector in the data file. */
  readonly startOffset: number;
  /** Sectors in the track. */
  readonly sectors: number;
  /** Pregap sectors (the extra block's first word; track 1's is the lead-in's 150). */
  readonly pregapSectors: number;
  /** The data file as the descriptor names it (`*.mdf` resolved to the descriptor's base name by the caller). */
  readonly fileName: string;
}

/** What an MDS descriptor says. */
export interface MdsFile {
  readonly version: string;
  /** 0x00 CD-ROM, 0x01 CD-R, 0x02 CD-RW, 0x10 DVD-ROM, 0x12 DVD-R. */
  readonly mediumType: number;
  readonly sessions: number;
  readonly tracks: readonly MdsTrack[];
}

const bad = (detail: string): ImageReadError => imageProblem('conversion-failed', `MDS descriptor: ${detail}`);

/** True when `head` starts like an MDS descriptor. */
export function isMds(head: Buffer): boolean {
  return head.length >= 16 && head.toString('latin1', 0, 16) === SIGNATURE;
}

/** A data file name that stays beside the descriptor; throws `container-path-traversal`. */
export function checkMdsFileName(name: string): void {
  if (name.length === 0 || name.includes('\0') || /^[a-zA-Z]:/.test(name) || /[\\/]/.test(name) || name === '..' || name === '.') {
    throw imageProblem('container-path-traversal', `MDS descriptor names a data file outside its folder: ${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}`);
  }
}

function fileNameAt(mds: Buffer, footerOffset: number): string {
  if (footerOffset + 16 > mds.length) throw bad(`footer at byte ${footerOffset} lies past its end`);
  const at = mds.readUInt32LE(footerOffset);
  const wide = mds.readUInt32LE(footerOffset + 4) === 1;
  if (at >= mds.length) throw bad(`file name at byte ${at} lies past its end`);
  if (wide) {
    let end = at;
    while (end + 1 < mds.length && (mds[end] !== 0 || mds[end + 1] !== 0)) end += 2;
    return mds.toString('utf16le', at, Math.min(end, at + 1024));
  }
  const end = mds.indexOf(0, at);
  return mds.toString('latin1', at, end < 0 ? Math.min(mds.length, at + 512) : Math.min(end, at + 512));
}

function readTrack(mds: Buffer, at: number): MdsTrack {
  if (at + 80 > mds.length) throw bad(`track block at byte ${at} lies past its end`);
  const modeCode = mds[at] ?? 0;
  const extra = mds.readUInt32LE(at + 12);
  let sectors = 0;
  let pregapSectors = 0;
  if (extra !== 0) {
    if (extra + 8 > mds.length) throw bad(`extra block at byte ${extra} lies past its end`);
    pregapSectors = mds.readUInt32LE(extra);
    sectors = mds.readUInt32LE(extra + 4);
  }
  const files = mds.readUInt32LE(at + 48);
  if (files !== 1) throw bad(`track ${mds[at + 4] ?? 0} names ${files} data files, not 1`);
  const fileName = fileNameAt(mds, mds.readUInt32LE(at + 52));
  checkMdsFileName(fileName);
  return {
    number: mds[at + 4] ?? 0,
    mode: MODES[modeCode] ?? `unknown-0x${modeCode.toString(16).padStart(2, '0')}`,
    sectorBytes: mds.readUInt16LE(at + 16),
    subchannel: mds[at + 1] ?? 0,
    startSector: mds.readUInt32LE(at + 36),
    startOffset: Number(mds.readBigUInt64LE(at + 40)),
    sectors,
    pregapSectors,
    fileName,
  };
}

/**
 * Parse an MDS descriptor (`mds`, at most `MAX_MDS_BYTES`). Throws
 * `ImageReadError`: `conversion-failed` for offsets or counts past its end,
 * `container-path-traversal` for a data file named outside its folder.
 */
export function parseMds(mds: Buffer): MdsFile {
  if (!isMds(mds) || mds.length < 88) throw bad('no MEDIA DESCRIPTOR header');
  if (mds.length > MAX_MDS_BYTES) throw bad(`${mds.length} bytes, more than ${MAX_MDS_BYTES}`);
  const sessions = mds.readUInt16LE(20);
  const sessionsAt = mds.readUInt32LE(80);
  if (sessions < 1 || sessions > MAX_SESSIONS) throw bad(`${sessions} sessions`);
  if (sessionsAt + sessions * 24 > mds.length) throw bad(`${sessions} session blocks at byte ${sessionsAt} run past its end`);
  const tracks: MdsTrack[] = [];
  for (let s = 0; s < sessions; s++) {
    const at = sessionsAt + s * 24;
    const blocks = mds[at + 10] ?? 0;
    const tracksAt = mds.readUInt32LE(at + 20);
    if (tracksAt + blocks * 80 > mds.length) throw bad(`session ${s + 1}'s ${blocks} track blocks at byte ${tracksAt} run past its end`);
    for (let b = 0; b < blocks; b++) {
      const point = mds[tracksAt + b * 80 + 4] ?? 0;
      if (point >= 1 && point <= 99) tracks.push(readTrack(mds, tracksAt + b * 80));
    }
  }
  if (tracks.length === 0) throw bad('no track blocks');
  return { version: `${mds[16] ?? 0}.${mds[17] ?? 0}`, mediumType: mds.readUInt16LE(18), sessions, tracks };
}

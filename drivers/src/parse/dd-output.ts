/**
 * GNU dd output on stderr: `status=progress` lines (CR-terminated) and the
 * final statistics (`N+M records in`, `N+M records out`, `B bytes (…) copied,
 * T s, R MB/s`), plus `dd: error reading 'X': Input/output error` and
 * `dd: failed to open 'X': No medium found`. Pure functions; none throws.
 */
import { allPieces } from './progress-pieces.js';

/** A dd statistics line: `19247104 bytes (19 MB, 18 MiB) copied, 0.965499 s, 19.9 MB/s`. */
export interface DdProgress {
  readonly bytes: number;
  readonly seconds: number;
  /** Rate in bytes per second (10^3 units as dd prints them). */
  readonly bytesPerSecond: number;
}

const RATE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** Parse one `status=progress` or final statistics line of GNU dd; null for anything else. */
export function parseDdProgress(piece: string): DdProgress | null {
  const m = /^\s*(\d+) bytes?(?: \([^)]*\))? copied, ([\d.]+) s, ([\d.]+|Infinity) ?([kMGT]?i?B)\/s/.exec(piece);
  if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) return null;
  const rate = Number(m[3]) * (RATE_UNITS[m[4]] ?? 1);
  return { bytes: Number(m[1]), seconds: Number(m[2]), bytesPerSecond: Number.isFinite(rate) ? rate : 0 };
}

/** Summary of a finished dd run. */
export interface DdSummary {
  /** Final `N+M records in`. */
  readonly recordsInFull: number;
  readonly recordsInPartial: number;
  readonly recordsOutFull: number;
  readonly recordsOutPartial: number;
  /** Bytes copied, from the final statistics line. */
  readonly bytes: number;
  readonly seconds?: number;
  /**
   * Records (input blocks, counted from dd's start, i.e. after `skip=`) that
   * failed to read: the record count of the statistics block dd prints after
   * each `error reading` message. With `bs=2048` these are sectors.
   */
  readonly unreadRecords: readonly number[];
  /** `dd: failed to open '/dev/sr0': No medium found` and the like. */
  readonly openError?: string;
}

/** Summarise a complete dd stderr. */
export function parseDdOutput(text: string): DdSummary {
  let inFull = 0;
  let inPartial = 0;
  let outFull = 0;
  let outPartial = 0;
  let bytes = 0;
  let seconds: number | undefined;
  let pendingError = false;
  let openError: string | undefined;
  const unread: number[] = [];
  for (const piece of allPieces(text)) {
    if (/^dd: error reading /.test(piece)) {
      pendingError = true;
      continue;
    }
    const open = /^dd: failed to open .*$/.exec(piece);
    if (open) {
      openError = open[0];
      continue;
    }
    const records = /^(\d+)\+(\d+) records (in|out)/.exec(piece);
    if (records?.[1] !== undefined && records[2] !== undefined) {
      if (records[3] === 'in') {
        inFull = Number(records[1]);
        inPartial = Number(records[2]);
        if (pendingError) {
          unread.push(inFull + inPartial);
          pendingError = false;
        }
      } else {
        outFull = Number(records[1]);
        outPartial = Number(records[2]);
      }
      continue;
    }
    const progress = parseDdProgress(piece);
    if (progress) {
      bytes = progress.bytes;
      seconds = progress.seconds;
    }
  }
  return {
    recordsInFull: inFull,
    recordsInPartial: inPartial,
    recordsOutFull: outFull,
    recordsOutPartial: outPartial,
    bytes,
    ...(seconds === undefined ? {} : { seconds }),
    unreadRecords: [...new Set(unread)].sort((a, b) => a - b),
    ...(openError === undefined ? {} : { openError }),
  };
}

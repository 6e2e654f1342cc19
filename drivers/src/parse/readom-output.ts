/**
 * readom / readcd output (cdrkit readom.c; cdrtools readcd prints the same):
 * all on stderr, `end:  N`, then `addr: N cnt: M` + CR per chunk, a final
 * `addr: N` + LF, `Time total:`, `Read X kB at Y kB/sec.`; errors as
 * `Error on sector N not corrected. Total of K errors.` and the list after
 * `The following N sector(s) could not be read correctly:`.
 *
 * readom exits 0 even when sectors could not be read, so unread sectors come
 * from the text. Pure functions; none throws.
 */
import { allPieces } from './progress-pieces.js';

/** One event in readom/readcd output. */
export type ReadomEvent =
  | { readonly kind: 'capacity'; readonly sectors: number }
  | { readonly kind: 'end'; readonly sector: number }
  /** `addr: N cnt: M`: about to read M sectors at N (so N are done). Without `cnt`: the final address, all done. */
  | { readonly kind: 'progress'; readonly address: number; readonly count?: number }
  | { readonly kind: 'retry'; readonly sector: number }
  | { readonly kind: 'unrecovered'; readonly sector: number; readonly totalErrors: number };

/**
 * Parse one CR/LF-separated piece of readom output. A piece can carry retry
 * markers before the address (`......addr:     5120 cnt: 128`).
 */
export function parseReadomPiece(piece: string): ReadomEvent | null {
  let m = /addr:\s*(\d+)(?:\s+cnt:\s*(\d+))?/.exec(piece);
  if (m?.[1] !== undefined) {
    return m[2] === undefined
      ? { kind: 'progress', address: Number(m[1]) }
      : { kind: 'progress', address: Number(m[1]), count: Number(m[2]) };
  }
  m = /^\s*end:\s*(\d+)/.exec(piece);
  if (m?.[1] !== undefined) return { kind: 'end', sector: Number(m[1]) };
  m = /^\s*Capacity:\s*(\d+)\s+Blocks/.exec(piece);
  if (m?.[1] !== undefined) return { kind: 'capacity', sectors: Number(m[1]) };
  m = /Retrying from sector\s+(\d+)/.exec(piece);
  if (m?.[1] !== undefined) return { kind: 'retry', sector: Number(m[1]) };
  m = /Error on sector\s+(\d+)\s+not corrected\.(?:\s*Total of\s+(\d+)\s+error)?/.exec(piece);
  if (m?.[1] !== undefined) return { kind: 'unrecovered', sector: Number(m[1]), totalErrors: Number(m[2] ?? 1) };
  return null;
}

/** Why a readom run failed outright, from its messages. */
export type ReadomFailure = 'no-media' | 'busy' | 'no-device' | 'not-a-drive' | 'no-space' | 'io-error';

/** Everything a finished readom/readcd run said. */
export interface ReadomSummary {
  /** `Capacity: N Blocks`. */
  readonly capacitySectors?: number;
  /** `end: N`: the sector readom stops before (capacity, or the `sectors=` range end). */
  readonly endSector?: number;
  /** Sectors read from the start of the range: the final `addr: N`, else the start of the last chunk announced. */
  readonly sectorsDone: number;
  /** Unreadable sectors, ascending: the `could not be read correctly` list joined with the `not corrected` messages. */
  readonly unreadSectors: readonly number[];
  /** N of `The following N sector(s) could not be read correctly:`, when printed. */
  readonly reportedUnreadCount?: number;
  /** `Read 18796.00 kB at 151580.6 kB/sec.` */
  readonly readKB?: number;
  readonly kBPerSecond?: number;
  /** `Time total: 0.124sec`. */
  readonly seconds?: number;
  /** True when the final address equals the end sector. */
  readonly complete: boolean;
  /** A condition that stopped the run before or while reading. */
  readonly failure?: ReadomFailure;
}

function readomFailure(text: string): ReadomFailure | undefined {
  if (/Device not ready|medium not present/i.test(text)) return 'no-media';
  if (/Device or resource busy/.test(text)) return 'busy';
  if (/No space left on device/.test(text)) return 'no-space';
  if (/No such file or directory\. Cannot open/.test(text)) return 'no-device';
  if (/Cannot open SCSI driver/.test(text)) return 'not-a-drive';
  if (/Cannot read source disk/.test(text)) return 'io-error';
  return undefined;
}

/**
 * Summarise a complete readom/readcd output (stderr, or both streams merged).
 * readom exits 0 even with unread sectors: check `unreadSectors`.
 */
export function parseReadomOutput(text: string): ReadomSummary {
  let capacitySectors: number | undefined;
  let endSector: number | undefined;
  let sectorsDone = 0;
  let finalAddress: number | undefined;
  const unread = new Set<number>();
  let reportedUnreadCount: number | undefined;
  let readKB: number | undefined;
  let kBPerSecond: number | undefined;
  let seconds: number | undefined;
  let inList = false;

  for (const piece of allPieces(text)) {
    if (inList) {
      const numbers = piece.trim().split(/\s+/).filter((s) => s !== '');
      if (numbers.length > 0 && numbers.every((s) => /^\d+$/.test(s))) {
        for (const s of numbers) unread.add(Number(s));
        continue;
      }
      if (piece.trim() === '') continue;
      inList = false;
    }
    const list = /The following\s+(\d+)\s+sector\(s\) could not be read correctly/.exec(piece);
    if (list?.[1] !== undefined) {
      reportedUnreadCount = Number(list[1]);
      inList = true;
      continue;
    }
    const read = /Read\s+([\d.]+)\s+kB at\s+([\d.]+)\s+kB\/sec/.exec(piece);
    if (read?.[1] !== undefined && read[2] !== undefined) {
      readKB = Number(read[1]);
      kBPerSecond = Number(read[2]);
      continue;
    }
    const time = /Time total:\s*([\d.]+)\s*sec/.exec(piece);
    if (time?.[1] !== undefined) {
      seconds = Number(time[1]);
      continue;
    }
    const event = parseReadomPiece(piece);
    if (event === null) continue;
    switch (event.kind) {
      case 'capacity':
        capacitySectors = event.sectors;
        break;
      case 'end':
        endSector = event.sector;
        break;
      case 'progress':
        // `addr: N cnt: M` is printed before chunk N is read: sectors below N are done.
        if (event.count === undefined) finalAddress = event.address;
        sectorsDone = Math.max(sectorsDone, event.address);
        break;
      case 'unrecovered':
        unread.add(event.sector);
        break;
      case 'retry':
        break;
    }
  }
  const failure = readomFailure(text);
  const complete = endSector !== undefined && finalAddress === endSector;
  return {
    ...(capacitySectors === undefined ? {} : { capacitySectors }),
    ...(endSector === undefined ? {} : { endSector }),
    sectorsDone,
    unreadSectors: [...unread].sort((a, b) => a - b),
    ...(reportedUnreadCount === undefined ? {} : { reportedUnreadCount }),
    ...(readKB === undefined ? {} : { readKB }),
    ...(kBPerSecond === undefined ? {} : { kBPerSecond }),
    ...(seconds === undefined ? {} : { seconds }),
    complete,
    ...(failure === undefined || (complete && failure === 'io-error') ? {} : { failure }),
  };
}

/**
 * CloneCD images (`.ccd` control file, `.img` raw sectors, optional `.sub`
 * subchannel), by structure: the control file is an INI text whose first
 * section is `[CloneCD]`, with `[Disc]` (TocEntries, Sessions,
 * DataTracksScrambled), `[Entry N]` and `[TRACK N]` (MODE, INDEX 1)
 * sections. It names no file: the `.img` is the one beside it with its base
 * name. The raw sectors are checked here, one by one (sync pattern, header
 * address in sequence from 00:02:00, mode byte), while the SHA-256 of their
 * user data is computed: the library holds ccd2iso's ISO against it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { imageProblem, ImageReadError } from './image-read-error.js';

/** Bytes in a raw CD sector, and in a CloneCD subchannel record. */
export const RAW_SECTOR = 2352;
export const SUB_SECTOR = 96;
const MAX_TRACKS = 99;
const MAX_ENTRIES = 300;
const SYNC = Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);

/** A CloneCD control file as far as an import needs it. */
export interface CcdFile {
  readonly version: number;
  readonly sessions: number;
  readonly tocEntries: number;
  readonly scrambled: boolean;
  /** Tracks: number, CloneCD mode (0 audio, 1 Mode 1, 2 Mode 2), INDEX 1 sector and INDEX 0 sector (its pregap) when given. */
  readonly tracks: readonly { readonly number: number; readonly mode: number; readonly index1: number; readonly index0?: number }[];
  /** The `[CDText]` section's packs (`Entry N=` hex bytes, in order): 16 bytes each as CloneCD writes them (no CRC), or 18 with a CRC. */
  readonly cdText?: { readonly packs: Buffer; readonly packBytes: number };
}

const bad = (detail: string): ImageReadError => imageProblem('conversion-failed', `CloneCD control file: ${detail}`);

/** True when `text` is a CloneCD control file (its first section is `[CloneCD]`). */
export function looksLikeCcd(text: string): boolean {
  return /^\uFEFF?\s*\[CloneCD\]\s*$/im.test(text.slice(0, 512)) && /^\uFEFF?\s*\[CloneCD\]/i.test(text);
}

function sections(text: string): Map<string, Map<string, string>> {
  const all = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const head = /^\[([^\]]{1,40})\]$/.exec(line);
    if (head?.[1] !== undefined) {
      const name = head[1].toUpperCase();
      if (all.has(name)) throw bad(`section [${name}] appears twice`);
      if (all.size >= MAX_ENTRIES + MAX_TRACKS + 8) throw bad('too many sections');
      current = new Map();
      all.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq <= 0) throw bad(`line '${line.slice(0, 40)}' is neither a section nor a key=value`);
    current.set(line.slice(0, eq).trim().toUpperCase(), line.slice(eq + 1).trim());
  }
  return all;
}

function int(value: string | undefined, what: string, min: number, max: number): number {
  const n = value === undefined ? NaN : /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(`${what} is '${(value ?? 'missing').slice(0, 20)}', not a number from ${min} to ${max}`);
  return n;
}

/** The packs of a `[CDText]` section: `Entries=N`, then `Entry 0` to `Entry N-1`, each 16 or 18 hex bytes (all alike). */
function cdTextEntries(keys: Map<string, string>): { packs: Buffer; packBytes: number } {
  const count = int(keys.get('ENTRIES'), 'CDText Entries', 1, 8 * 256);
  const packs: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const value = keys.get(`ENTRY ${i}`);
    if (value === undefined) throw bad(`[CDText] has no Entry ${i} of its ${count}`);
    const words = value.split(/\s+/);
    if (!words.every((w) => /^[0-9a-f]{2}$/i.test(w)) || (words.length !== 16 && words.length !== 18) || (packs[0] !== undefined && words.length !== packs[0].length)) {
      throw bad(`[CDText] Entry ${i} is not 16 (or 18) hex bytes like the others`);
    }
    packs.push(Buffer.from(words.join(''), 'hex'));
  }
  if (keys.size !== count + 1) throw bad(`[CDText] has ${keys.size - 1} entries, it says ${count}`);
  return { packs: Buffer.concat(packs), packBytes: packs[0]?.length ?? 16 };
}

/** Parse a CloneCD control file. Throws `ImageReadError` (`conversion-failed`) for anything malformed or out of range. */
export function parseCcd(text: string): CcdFile {
  const all = sections(text);
  const clone = all.get('CLONECD');
  const disc = all.get('DISC');
  if (!clone || !disc) throw bad('no [CloneCD] or [Disc] section');
  const tocEntries = int(disc.get('TOCENTRIES'), 'TocEntries', 1, MAX_ENTRIES);
  const tracks: CcdFile['tracks'][number][] = [];
  for (const [name, keys] of all) {
    const m = /^TRACK (\d{1,3})$/.exec(name);
    if (!m) continue;
    const number = int(m[1], 'a track number', 1, MAX_TRACKS);
    const index0 = keys.has('INDEX 0') ? { index0: int(keys.get('INDEX 0'), `track ${number} INDEX 0`, 0, 450_000) } : {};
    tracks.push({ number, mode: int(keys.get('MODE'), `track ${number} MODE`, 0, 2), index1: int(keys.get('INDEX 1'), `track ${number} INDEX 1`, 0, 450_000), ...index0 });
  }
  if (tracks.length === 0) throw bad('no [TRACK n] section');
  tracks.sort((a, b) => a.number - b.number);
  return {
    version: int(clone.get('VERSION'), 'Version', 1, 9),
    sessions: int(disc.get('SESSIONS'), 'Sessions', 1, 99),
    tocEntries,
    scrambled: int(disc.get('DATATRACKSSCRAMBLED') ?? '0', 'DataTracksScrambled', 0, 1) === 1,
    tracks,
    ...(all.has('CDTEXT') ? { cdText: cdTextEntries(all.get('CDTEXT') as Map<string, string>) } : {}),
  };
}

const bcd = (n: number): number => ((n / 10) | 0) * 16 + (n % 10);

/** What the raw sectors of a CloneCD `.img` hold. */
export interface RawMode1Check {
  readonly sectors: number;
  /** SHA-256 of the user data (bytes 16 to 2063 of every sector): what an ISO of it must hash to. */
  readonly userDataSha256: string;
}

/**
 * Check every sector of a raw Mode 1 image (`img`, a whole number of 2352-byte
 * sectors, at most `maxSectors`): the sync pattern, the header address
 * (LBA + 150 in BCD minutes, seconds, frames, in sequence) and mode byte 1.
 * Throws `ImageReadError` (`conversion-failed`) at the first sector that is
 * not; `conversion-too-large` past `maxSectors`.
 */
export async function checkRawMode1(img: string, bytes: number, maxSectors: number): Promise<RawMode1Check> {
  if (bytes === 0 || bytes % RAW_SECTOR !== 0) throw imageProblem('conversion-failed', `CloneCD image is ${bytes} bytes, not a whole number of ${RAW_SECTOR}-byte sectors`);
  const sectors = bytes / RAW_SECTOR;
  if (sectors > maxSectors) throw new ImageReadError({ kind: 'conversion-too-large', what: 'CloneCD image', limitBytes: maxSectors * 2048 });
  const hash = createHash('sha256');
  let lba = 0;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(img, { highWaterMark: RAW_SECTOR * 64 }) as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    for (; at + RAW_SECTOR <= pending.length; at += RAW_SECTOR, lba++) {
      const sector = pending.subarray(at, at + RAW_SECTOR);
      const msf = lba + 150;
      const header = [bcd(Math.floor(msf / 4500)), bcd(Math.floor(msf / 75) % 60), bcd(msf % 75)];
      if (!sector.subarray(0, 12).equals(SYNC)) throw imageProblem('conversion-failed', `CloneCD image sector ${lba} has no sync pattern`);
      if (sector[12] !== header[0] || sector[13] !== header[1] || sector[14] !== header[2]) {
        throw imageProblem('conversion-failed', `CloneCD image sector ${lba} carries the address of another sector (scrambled, or not in order)`);
      }
      if (sector[15] !== 1) throw imageProblem('conversion-failed', `CloneCD image sector ${lba} is mode ${sector[15] ?? '?'}, not Mode 1`);
      hash.update(sector.subarray(16, 2064));
    }
    pending = pending.subarray(at);
  }
  if (lba !== sectors) throw imageProblem('conversion-failed', `CloneCD image changed while it was read (${lba} of ${sectors} sectors)`);
  return { sectors, userDataSha256: hash.digest('hex') };
}

/**
 * DiscJuggler CDI images (v2, v3, v3.5), by structure: the last 8 bytes
 * hold the version (0x80000004, 0x80000005, 0x80000006, little-endian) and
 * where the descriptor starts (v2 and v3 from the file's start, v3.5 back
 * from its end). The descriptor lists sessions and their tracks (a
 * start mark, the file name, pregap and length in sectors, mode, start
 * LBA, total length, sector size code); the track data lie one after the
 * other from byte 0, each its total length of sectors, the pregap first.
 * Layout as cdirip (DeXT/Lawrence Williams) reads it, which every open
 * reader follows (there is no published specification). Every count and
 * length is checked against the descriptor and the data before use.
 *
 * CD-TEXT, by libmirage's CDI parser (cdemu, `images/image-cdi/parser.c`;
 * read there, written afresh): a track block's index count and index lengths
 * (cdirip reads two: pregap and length), then a count of CD-TEXT blocks of
 * 18 length-prefixed strings each (libmirage skips them: which field is
 * which it leaves undeciphered, so they are not used here), and the disc
 * block after the last session holds the disc's CD-TEXT as raw 18-byte
 * packs. libmirage reads that disc block only in the layout of a v3.5 image
 * whose track blocks end in the long (99-byte) tail; a track block with
 * CD-TEXT in any other layout is refused rather than guessed.
 *
 * No Debian tool converts CDI by structure: iat finds an ISO 9660 volume
 * anywhere by searching for its descriptor, which the library uses as an
 * independent second reading of a data track (the library's cdi-import.ts).
 */
import { open } from 'node:fs/promises';
import type { ImageReadError } from './image-read-error.js';
import { imageProblem } from './image-read-error.js';

/** One CDI track: its sectors are `[dataStart, dataStart + sectors * sectorBytes)` of the file. */
export interface CdiTrack {
  readonly session: number;
  readonly number: number;
  /** 0 audio, 1 Mode 1, 2 Mode 2. */
  readonly mode: 0 | 1 | 2;
  readonly sectorBytes: 2048 | 2336 | 2352;
  readonly pregapSectors: number;
  readonly sectors: number;
  readonly startLba: number;
  /** Where its pregap starts in the file. */
  readonly fileOffset: number;
  /** Where its first sector after the pregap starts. */
  readonly dataStart: number;
}

/** What a CDI descriptor says. */
export interface CdiImage {
  readonly version: '2' | '3' | '3.5';
  readonly descriptorOffset: number;
  readonly sessions: number;
  readonly tracks: readonly CdiTrack[];
  /** The disc block's CD-TEXT: raw 18-byte packs with their CRCs, undecoded (present only when track blocks carry CD-TEXT). */
  readonly cdText?: Buffer;
}

const VERSIONS: Readonly<Record<number, CdiImage['version']>> = { 0x80000004: '2', 0x80000005: '3', 0x80000006: '3.5' };
const SECTOR_BYTES: Readonly<Record<number, CdiTrack['sectorBytes']>> = { 0: 2048, 1: 2336, 2: 2352 };
const START_MARK = Buffer.from([0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
const MAX_DESCRIPTOR_BYTES = 1024 * 1024;
const MAX_TRACKS = 99;
/** Language blocks a disc's CD-TEXT can have; the packs of 8 blocks of 256. */
const MAX_CD_TEXT_BLOCKS = 8;
const MAX_CD_TEXT_BYTES = 8 * 256 * 18;
/** A CD-TEXT block of a track: this many length-prefixed strings. */
const CD_TEXT_FIELDS = 18;
/** The disc block's header after the session descriptor's last bytes, as libmirage expects it. */
const DISC_HEADER = Buffer.from([0xff, 0xff, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);

const bad = (detail: string): ImageReadError => imageProblem('conversion-failed', `CDI image: ${detail}`);

/** The CDI footer of a file of `size` bytes whose last 8 bytes are `tail`: its version and descriptor offset, or null. */
export function cdiFooter(tail: Buffer, size: number): { version: CdiImage['version']; descriptorOffset: number } | null {
  if (tail.length !== 8) return null;
  const version = VERSIONS[tail.readUInt32LE(0)];
  const offset = tail.readUInt32LE(4);
  if (!version || offset === 0) return null;
  return { version, descriptorOffset: version === '3.5' ? size - offset : offset };
}

/** True when `file` ends with a CDI footer (version and a descriptor offset; `readCdi` checks where it points). */
export async function hasCdiFooter(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 8) return false;
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    return cdiFooter(tail, size) !== null;
  } finally {
    await handle.close();
  }
}

/** A cursor over the descriptor that refuses to read past it. */
class Reader {
  at = 0;
  constructor(private readonly b: Buffer, private readonly where: () => string) {}
  private need(n: number): number {
    if (this.at + n > this.b.length) throw bad(`its descriptor ends inside ${this.where()}`);
    const at = this.at;
    this.at += n;
    return at;
  }
  skip(n: number): void { this.need(n); }
  u8(): number { return this.b.readUInt8(this.need(1)); }
  u16(): number { return this.b.readUInt16LE(this.need(2)); }
  u32(): number { return this.b.readUInt32LE(this.need(4)); }
  bytes(n: number): Buffer { const at = this.need(n); return this.b.subarray(at, at + n); }
  left(): number { return this.b.length - this.at; }
}

type TrackRead = Omit<CdiTrack, 'session' | 'number' | 'fileOffset' | 'dataStart'> & { total: number; cdTextBlocks: number; longTail: boolean };

/** Skip a track's CD-TEXT blocks (each 18 strings, a length byte before each), checking each against the descriptor. */
function skipCdTextBlocks(r: Reader, label: string): number {
  const blocks = r.u32();
  if (blocks > MAX_CD_TEXT_BLOCKS) throw bad(`${label} claims ${blocks} CD-TEXT blocks, more than ${MAX_CD_TEXT_BLOCKS}`);
  for (let b = 0; b < blocks * CD_TEXT_FIELDS; b++) r.skip(r.u8());
  return blocks;
}

function readTrack(r: Reader, version: CdiImage['version'], label: string): TrackRead {
  if (r.u32() !== 0) r.skip(8);
  if (!r.bytes(20).equals(START_MARK)) throw bad(`${label} has no track start mark`);
  r.skip(4);
  r.skip(r.u8());
  r.skip(19);
  if (r.u32() === 0x80000000) r.skip(8);
  // Index lengths: the pregap, then index 1 on (libmirage); cdirip's reading takes two whatever the count says.
  const indices = r.u16();
  if (indices > MAX_TRACKS) throw bad(`${label} claims ${indices} indices, more than ${MAX_TRACKS}`);
  const pregapSectors = r.u32();
  let sectors = 0;
  for (let i = 1; i < Math.max(indices, 2); i++) sectors += r.u32();
  const cdTextBlocks = skipCdTextBlocks(r, label);
  r.skip(2);
  const mode = r.u32();
  r.skip(12);
  const startLba = r.u32();
  const total = r.u32();
  r.skip(16);
  const code = r.u32();
  r.skip(29);
  let longTail = false;
  if (version !== '2') {
    r.skip(5);
    longTail = r.u32() === 0xffffffff;
    if (longTail) r.skip(78);
  }
  const sectorBytes = SECTOR_BYTES[code];
  if (mode !== 0 && mode !== 1 && mode !== 2) throw bad(`${label} has mode ${mode}, not audio, Mode 1 or Mode 2`);
  if (!sectorBytes) throw bad(`${label} has sector size code ${code}, not 2048, 2336 or 2352 bytes`);
  if (pregapSectors + sectors > total) throw bad(`${label} is ${pregapSectors} + ${sectors} sectors, more than its total of ${total}`);
  return { mode, sectorBytes, pregapSectors, sectors, startLba, total, cdTextBlocks, longTail };
}

/**
 * The disc block's raw CD-TEXT packs (libmirage's layout: the rest of the
 * empty session descriptor after the last session, a header like a track's,
 * disc length, volume id, MCN, then the packs' length and the packs), which
 * must end 8 bytes before the descriptor does (the footer holds the rest).
 */
function discCdText(r: Reader): Buffer {
  r.skip(14);
  if (!r.bytes(DISC_HEADER.length).equals(DISC_HEADER)) throw bad('its disc block does not start where the last session ends (no header), so its CD-TEXT cannot be found');
  r.skip(4);
  r.skip(r.u8());
  r.skip(29 + 2 + 4);
  r.skip(r.u8());
  r.skip(9 + 13 + 4);
  const length = r.u32();
  if (length === 0 || length > MAX_CD_TEXT_BYTES) throw bad(`its disc block holds ${length} bytes of CD-TEXT packs, not 1 to ${MAX_CD_TEXT_BYTES}`);
  const packs = Buffer.from(r.bytes(length));
  if (r.left() !== 8) throw bad(`its disc block ends ${r.left()} bytes before the descriptor does, not 8: its CD-TEXT is not where the layout puts it`);
  return packs;
}

/**
 * Read a CDI image's footer and descriptor. Throws `ImageReadError`
 * (`conversion-failed`, led by `CDI image:`) for a footer pointing past the
 * end, a descriptor ending inside a track, no start mark, more than 99
 * tracks, unknown modes or sector sizes, tracks running into the
 * descriptor, CD-TEXT block counts beyond 8, CD-TEXT outside the v3.5
 * long-tail layout, a disc block whose packs are not where the layout puts
 * them; `unrecognised` without a CDI footer.
 */
export async function readCdi(file: string): Promise<CdiImage> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(8);
    if (size >= 8) await handle.read(tail, 0, 8, size - 8);
    const footer = cdiFooter(tail, size);
    if (!footer) throw imageProblem('unrecognised', 'no DiscJuggler CDI footer at the end of the file');
    const { version, descriptorOffset } = footer;
    if (descriptorOffset < 0 || descriptorOffset >= size - 8) throw bad(`its footer points at byte ${descriptorOffset}, outside its ${size} bytes`);
    const length = Math.min(size - 8 - descriptorOffset, MAX_DESCRIPTOR_BYTES);
    const descriptor = Buffer.alloc(length);
    await handle.read(descriptor, 0, length, descriptorOffset);
    let where = 'its session count';
    const r = new Reader(descriptor, () => where);
    const sessions = r.u16();
    if (sessions < 1 || sessions > MAX_TRACKS) throw bad(`${sessions} sessions, not 1 to ${MAX_TRACKS}`);
    const tracks: CdiTrack[] = [];
    let fileOffset = 0;
    let cdTextBlocks = 0;
    let allLong = true;
    for (let s = 1; s <= sessions; s++) {
      where = `session ${s}'s track count`;
      const count = r.u16();
      if (tracks.length + count > MAX_TRACKS) throw bad(`session ${s} claims ${count} tracks, more than ${MAX_TRACKS} in all`);
      for (let t = 0; t < count; t++) {
        const number = tracks.length + 1;
        where = `track ${number}`;
        const track = readTrack(r, version, `track ${number}`);
        cdTextBlocks += track.cdTextBlocks;
        allLong &&= track.longTail;
        const end = fileOffset + track.total * track.sectorBytes;
        if (end > descriptorOffset) throw bad(`track ${number} (bytes ${fileOffset} to ${end}) runs into the descriptor at byte ${descriptorOffset}`);
        tracks.push({ session: s, number, mode: track.mode, sectorBytes: track.sectorBytes, pregapSectors: track.pregapSectors, sectors: track.sectors, startLba: track.startLba, fileOffset, dataStart: fileOffset + track.pregapSectors * track.sectorBytes });
        fileOffset = end;
      }
      where = `session ${s}'s end`;
      r.skip(version === '2' ? 12 : 13);
    }
    if (tracks.length === 0) throw bad('no tracks');
    if (cdTextBlocks === 0) return { version, descriptorOffset, sessions, tracks };
    if (version !== '3.5' || !allLong) throw bad(`its track blocks carry CD-TEXT in a v${version} layout${allLong ? '' : ' with short track tails'}, whose disc block libmirage does not read; not converted rather than guessed`);
    where = 'its disc block';
    return { version, descriptorOffset, sessions, tracks, cdText: discCdText(r) };
  } finally {
    await handle.close();
  }
}

/** Where a CDI track's 2048 bytes of user data start in each of its sectors (Mode 1 raw: after sync and header; Mode 2: after the subheader too). */
export function cdiUserDataOffset(track: Pick<CdiTrack, 'mode' | 'sectorBytes'>): number | null {
  if (track.mode !== 0 && track.sectorBytes === 2048) return 0;
  if (track.mode === 1 && track.sectorBytes === 2352) return 16;
  if (track.mode === 2 && track.sectorBytes === 2352) return 24;
  if (track.mode === 2 && track.sectorBytes === 2336) return 8;
  return null;
}

/**
 * MAME CHD images, by structure: the `MComprHD` tag, the header length and
 * version (5, what chdman 0.251 writes), the logical size, hunk and unit
 * sizes, and the SHA-1s the header carries (raw data, and overall with the
 * metadata). chdman (mame-tools) says what the CHD holds (`chdman info`:
 * CD track metadata, or none for a raw image), checks its SHA-1s
 * (`chdman verify`, the format's own proof) and extracts it.
 */
import { runTool, toolFailure } from '../tool-process.js';
import { imageProblem } from './image-read-error.js';

const TAG = 'MComprHD';
const V5_HEADER_BYTES = 124;

/** What a CHD v5 header says. */
export interface ChdHeader {
  readonly version: number;
  /** Bytes of data it holds (CD: 2448-byte units of sector and subcode). */
  readonly logicalBytes: number;
  readonly hunkBytes: number;
  readonly unitBytes: number;
  /** SHA-1 of the raw data, hex. */
  readonly rawSha1: string;
  /** SHA-1 of the data and metadata, hex. */
  readonly sha1: string;
  /** True when it has a parent (a delta CHD, which cannot stand alone). */
  readonly hasParent: boolean;
}

/** True when `head` starts with a CHD tag. */
export function isChd(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 0, 8) === TAG;
}

/** Read a CHD header from the file's first bytes. Throws `ImageReadError` (`conversion-failed`) for anything but a sound v5 header. */
export function readChdHeader(head: Buffer, fileBytes: number): ChdHeader {
  if (!isChd(head) || head.length < 16) throw imageProblem('conversion-failed', 'CHD: no MComprHD header');
  const length = head.readUInt32BE(8);
  const version = head.readUInt32BE(12);
  if (version !== 5 || length !== V5_HEADER_BYTES || head.length < V5_HEADER_BYTES) {
    throw imageProblem('conversion-failed', `CHD version ${version} (header ${length} bytes): only version 5 is read (chdman copy converts older ones)`);
  }
  const logicalBytes = Number(head.readBigUInt64BE(32));
  const mapOffset = Number(head.readBigUInt64BE(40));
  const hunkBytes = head.readUInt32BE(56);
  const unitBytes = head.readUInt32BE(60);
  if (hunkBytes === 0 || unitBytes === 0 || hunkBytes % unitBytes !== 0) throw imageProblem('conversion-failed', `CHD hunk size ${hunkBytes} is not a whole number of ${unitBytes}-byte units`);
  if (!Number.isSafeInteger(logicalBytes) || mapOffset >= fileBytes || mapOffset < V5_HEADER_BYTES) {
    throw imageProblem('conversion-failed', `CHD header points past the file (map at byte ${mapOffset} of ${fileBytes})`);
  }
  const parent = head.subarray(104, 124);
  return {
    version, logicalBytes, hunkBytes, unitBytes,
    rawSha1: head.subarray(64, 84).toString('hex'),
    sha1: head.subarray(84, 104).toString('hex'),
    hasParent: parent.some((b) => b !== 0),
  };
}

/** What `chdman info` says a CHD holds. */
export interface ChdContent {
  /** `cd` when it carries CD track metadata (CHT2, CHTR, CHCD), else `raw`. */
  readonly kind: 'cd' | 'raw';
  /** The CD track lines (`TRACK:1 TYPE:MODE1 ...`), for the record. */
  readonly tracks: readonly string[];
}

/** Run `chdman info` on `file` and read which kind of CHD it is. Throws `conversion-failed` when chdman cannot read it. */
export async function chdContent(file: string, signal?: AbortSignal): Promise<ChdContent> {
  const run = await runTool({ program: 'chdman', args: ['info', '-i', file], ...(signal ? { signal } : {}) });
  if (run.exitCode !== 0) throw imageProblem('conversion-failed', `chdman info cannot read the CHD (exit ${run.exitCode ?? run.signal}): ${toolFailure(run, 2).output.slice(-200)}`);
  const tags = [...run.stdout.matchAll(/Tag='([^']{4})'/g)].map((m) => m[1]);
  const tracks = [...run.stdout.matchAll(/^\s*(TRACK:\d+ TYPE:\S+.*?)\.?\s*$/gm)].map((m) => m[1] ?? '');
  const cd = tags.some((t) => t === 'CHT2' || t === 'CHTR' || t === 'CHCD');
  if (tags.some((t) => t === 'GDDD' || t === 'AVAV' || t === 'CHGD')) throw imageProblem('conversion-failed', `CHD holds ${tags.join(', ')} (a hard disk, laserdisc or GD-ROM), not a disc image the tower burns`);
  return { kind: cd ? 'cd' : 'raw', tracks };
}

/**
 * The CHD's own proof: `chdman verify` recomputes the raw and overall SHA-1
 * and compares them with the header. Throws `conversion-failed` unless it
 * says both verifications succeeded.
 */
export async function verifyChd(file: string, signal?: AbortSignal): Promise<string> {
  const run = await runTool({ program: 'chdman', args: ['verify', '-i', file], ...(signal ? { signal } : {}) });
  const out = `${run.stdout}\n${run.stderr}`;
  if (run.exitCode !== 0 || !/Raw SHA1 verification successful!/.test(out) || !/Overall SHA1 verification successful!/.test(out)) {
    const said = out.split(/\r|\n/).map((l) => l.trim()).filter((l) => /error|fail|mismatch/i.test(l)).slice(-2).join(' ');
    throw imageProblem('conversion-failed', `chdman verify does not confirm the CHD's SHA-1 (exit ${run.exitCode ?? run.signal}): ${said || 'no message'}`);
  }
  return 'chdman verify: raw and overall SHA-1 as the header records them';
}

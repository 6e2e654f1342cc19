/**
 * chdman (mame-tools) for CD images the library stores as a CHD: its own
 * proofs (`chdman verify`: the raw and overall SHA-1 recomputed against the
 * header; `chdman info`: the SHA-1s it records) and `chdman extractcd` into a
 * folder, the one BIN it writes cut again into the image's BIN files, each
 * hashed against its SHA-256 and all of them against the image's.
 *
 * Quirk of chdman 0.251: a CHD whose compressed hunks are damaged makes
 * `verify` and `extractcd` hang at 0 % for ever (no exit, no message), while a
 * truncated one fails at once (exit 1, "Error opening CHD file"). So every
 * chdman run here is watched: chdman prints its progress to stderr about once
 * a second, and a run that prints nothing for `stallMs` is stopped and
 * reported as a corrupt CHD (SIGTERM, then SIGKILL half a second later: a hung
 * chdman outlives SIGTERM). Damage elsewhere is worse: `extractcd` exits 0
 * with wrong bytes, which only the SHA-256 of each BIN catches.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, ImageError, runTool, toolFailure } from 'node-cdrecord-wrapper';
import type { ToolRun } from 'node-cdrecord-wrapper';
import type { StoredBin } from '../run-image.js';

/** Default time chdman may print nothing before it is taken for hung. */
export const DEFAULT_CHDMAN_STALL_MS = 60_000;

/** How a chdman run is watched. */
export interface ChdmanOptions {
  readonly signal?: AbortSignal;
  /** Stop chdman after this long without a byte of output; default `DEFAULT_CHDMAN_STALL_MS`. */
  readonly stallMs?: number;
}

/** chdman's last lines, without its banner and progress. */
function chdmanSaid(run: ToolRun): string {
  return toolFailure(run, 6).output.split(/\r|\n/).map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('chdman - ') && !/complete\.\.\./.test(l)).slice(-2).join(' ');
}

/** Run chdman with `args` (an argument array), stopped when it stalls. Rejects with `ImageError` when it stalls or cannot run. */
export async function runChdman(args: readonly string[], options: ChdmanOptions = {}): Promise<ToolRun> {
  const stallMs = options.stallMs ?? DEFAULT_CHDMAN_STALL_MS;
  const stop = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => { stalled = true; stop.abort(); }, stallMs);
  };
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    return await runTool({ program: 'chdman', args, signal: stop.signal, killGraceMs: 500, keepChars: 16_384, onStderr: arm, onStdout: arm });
  } catch (err) {
    if (stalled) throw new ImageError(`chdman ${args[0] ?? ''} printed nothing for ${stallMs / 1000} s and was stopped: the CHD is corrupt (chdman hangs on damaged hunks)`);
    if (err instanceof CancelledError) throw err;
    throw new ImageError(`chdman could not be run: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** `chdman verify`: throws `ImageError` unless chdman exits 0 saying both the raw and the overall SHA-1 hold. */
export async function verifyChdFile(file: string, options: ChdmanOptions = {}): Promise<void> {
  const run = await runChdman(['verify', '-i', file], options);
  const out = `${run.stdout}\n${run.stderr}`;
  if (run.exitCode !== 0 || !out.includes('Raw SHA1 verification successful!') || !out.includes('Overall SHA1 verification successful!')) {
    throw new ImageError(`chdman verify does not confirm the CHD ${path.basename(file)} (exit ${run.exitCode ?? run.signal}): ${chdmanSaid(run) || 'no message'}`);
  }
}

/** The SHA-1s `chdman info` reads from a CHD: `sha1` of data and metadata, `dataSha1` of the raw data. */
export interface ChdSha1 {
  readonly sha1: string;
  readonly dataSha1: string;
}

/** Read `SHA1:` and `Data SHA1:` from `chdman info`'s output; `ImageError` when it fails or says neither. */
export async function chdSha1(file: string, options: ChdmanOptions = {}): Promise<ChdSha1> {
  const run = await runChdman(['info', '-i', file], options);
  const sha1 = /^SHA1:\s+([0-9a-f]{40})\s*$/m.exec(run.stdout)?.[1];
  const dataSha1 = /^Data SHA1:\s+([0-9a-f]{40})\s*$/m.exec(run.stdout)?.[1];
  if (run.exitCode !== 0 || sha1 === undefined || dataSha1 === undefined) {
    throw new ImageError(`chdman info cannot read the CHD ${path.basename(file)} (exit ${run.exitCode ?? run.signal}): ${chdmanSaid(run) || 'no SHA1 lines'}`);
  }
  return { sha1, dataSha1 };
}

/** What an image's bytes must be: all its BIN files in sheet order. */
export interface ExpectedBytes {
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** Copy bytes `start..start+bytes` of `source` into the new file `dest`, feeding `all` too; the piece's SHA-256. */
async function cutPiece(source: string, start: number, bytes: number, dest: string, all: ReturnType<typeof createHash>): Promise<string> {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      all.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(source, { start, end: start + bytes - 1, highWaterMark: 1 << 20 }), hashing, createWriteStream(dest, { flags: 'wx', highWaterMark: 1 << 20 }));
  return hash.digest('hex');
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * `chdman extractcd` of `chd` into the existing folder `dir`, the one BIN it
 * writes made the image's `bins` there (by their names, in sheet order), each
 * proven by its SHA-256 and together by the image's. Returns the command run.
 * Throws `ImageError` on any failure; the caller removes `dir`.
 */
export async function extractChdBins(chd: string, dir: string, bins: readonly StoredBin[], expected: ExpectedBytes, options: ChdmanOptions = {}): Promise<readonly string[]> {
  const cue = path.join(dir, '.chdman-extract.cue');
  const bin = path.join(dir, '.chdman-extract.bin');
  if (bins.reduce((n, b) => n + b.bytes, 0) !== expected.sizeBytes) throw new ImageError(`the BIN files listed (${bins.length}) do not add up to the image's ${expected.sizeBytes} bytes`);
  const args = ['extractcd', '-i', chd, '-o', cue, '-ob', bin];
  const run = await runChdman(args, options);
  if (run.exitCode !== 0) throw new ImageError(`chdman extractcd failed on ${path.basename(chd)} (exit ${run.exitCode ?? run.signal}): ${chdmanSaid(run) || 'no message'}`);
  const bytes = (await stat(bin)).size;
  if (bytes !== expected.sizeBytes) throw new ImageError(`chdman extractcd wrote ${bytes} bytes of ${path.basename(chd)}, not the image's ${expected.sizeBytes}: refused`);
  const all = createHash('sha256');
  const only = bins.length === 1 ? bins[0] : undefined;
  if (only !== undefined) {
    const sha256 = await sha256File(bin);
    all.update(Buffer.from(sha256, 'hex'));
    if (sha256 !== expected.sha256 || sha256 !== only.sha256) throw new ImageError(`${path.basename(chd)} extracts to SHA-256 ${sha256}, not the image's ${expected.sha256}: refused`);
    await rename(bin, path.join(dir, only.name));
  } else {
    let start = 0;
    for (const b of bins) {
      const sha256 = await cutPiece(bin, start, b.bytes, path.join(dir, b.name), all);
      if (sha256 !== b.sha256) throw new ImageError(`${b.name} cut from ${path.basename(chd)} has SHA-256 ${sha256}, not its ${b.sha256}: refused`);
      start += b.bytes;
    }
    const sha256 = all.digest('hex');
    if (sha256 !== expected.sha256) throw new ImageError(`${path.basename(chd)} extracts to SHA-256 ${sha256}, not the image's ${expected.sha256}: refused`);
    await rm(bin, { force: true });
  }
  await rm(cue, { force: true });
  return ['chdman', ...args.map((a) => (a === chd ? path.basename(chd) : a === cue || a === bin ? path.basename(a) : a))];
}

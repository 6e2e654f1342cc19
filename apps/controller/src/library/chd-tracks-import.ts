/**
 * A CD CHD with tracks of different frame sizes (a 2048-byte data track and
 * audio, say) into the library as a CUE image of one BIN per track. chdman's
 * own CUE sheet cannot be used as it is: it puts every track in one BIN and
 * counts its INDEX positions in frames of mixed sizes, which no burner reads
 * the same way. So chdman is asked twice: `extractcd` to a CUE sheet (its BIN
 * holds audio as it was given, little-endian: what the CUE image keeps) and
 * to a cdrdao TOC (its DATAFILE lines give each track's byte offset and
 * length, ZERO its unstored pregap and START where INDEX 01 is; its BIN holds
 * audio big-endian, as cdrdao reads it). The tracks are laid out from the
 * TOC and copied out of the first BIN (track-plan-import.ts).
 *
 * The round trip, refused when it fails: both BINs are as long as the TOC's
 * tracks, and every track's bytes agree between them (data tracks equal,
 * audio tracks equal once the TOC's samples are swapped back).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import type { PlannedTrack } from 'node-cdrecord-wrapper';
import { CUE_MODE_BYTES, parseMsf, TOC_MODES } from 'node-cdrecord-wrapper';
import { fromImageReadError, ImageConversionError } from './errors.js';
import type { ConversionOptions } from './conversion-source.js';
import type { Staging } from './image-intake.js';
import type { PlannedCue } from './track-plan-import.js';
import { stagePlannedCue } from './track-plan-import.js';

/** The tracks of chdman's TOC as byte ranges of `bin`. Throws `ImageConversionError` for anything it does not expect. */
export function chdTocPlan(tocText: string, bin: string): PlannedTrack[] {
  const raw: { mode: string; zero: number; offset?: number; frames?: number; start: number }[] = [];
  const fail = (why: string): never => {
    throw new ImageConversionError(`chdman's TOC file: ${why}`);
  };
  for (const [n, full] of tocText.split('\n').entries()) {
    const line = full.replace(/\/\/.*$/, '').trim();
    const current = raw[raw.length - 1];
    let m: RegExpExecArray | null;
    if ((m = /^TRACK (\S+)/.exec(line))) {
      const mode = TOC_MODES[m[1] ?? ''];
      if (mode === undefined) fail(`track mode ${m[1]} on line ${n + 1}`);
      raw.push({ mode: mode ?? '', zero: 0, start: 0 });
      if (raw.length > 99) fail('more than 99 tracks');
    } else if ((m = /^(?:ZERO \S+|SILENCE) (\d+:\d+:\d+)$/.exec(line))) {
      if (!current || current.offset !== undefined) fail(`ZERO or SILENCE after the data on line ${n + 1}`);
      if (current) current.zero += parseMsf(m[1] ?? '', n + 1);
    } else if ((m = /^DATAFILE "[^"]*"(?: #(\d+))? (\d+:\d+:\d+)$/.exec(line))) {
      if (!current || current.offset !== undefined) fail(`a second DATAFILE, or one before any TRACK, on line ${n + 1}`);
      const before = raw[raw.length - 2];
      const previousEnd = before?.offset !== undefined && before.frames !== undefined ? before.offset + before.frames * (CUE_MODE_BYTES[before.mode] ?? 0) : 0;
      if (current) {
        current.offset = m[1] === undefined ? previousEnd : Number(m[1]);
        current.frames = parseMsf(m[2] ?? '', n + 1);
      }
    } else if ((m = /^START (\d+:\d+:\d+)$/.exec(line))) {
      if (current) current.start = parseMsf(m[1] ?? '', n + 1);
    } else if (/^(FILE|AUDIOFILE|FIFO|PREGAP|INDEX)\b/.test(line)) {
      fail(`${line.slice(0, 40)} on line ${n + 1}, which chdman does not write`);
    }
  }
  if (raw.length === 0) fail('no TRACK');
  return raw.map((t, i): PlannedTrack => {
    const size = CUE_MODE_BYTES[t.mode] ?? 1;
    if (t.offset === undefined || t.frames === undefined) return fail(`track ${i + 1} has no DATAFILE`);
    if (!Number.isSafeInteger(t.offset)) return fail(`track ${i + 1}'s DATAFILE starts at byte ${t.offset}, past any file`);
    if (t.start < t.zero || t.start - t.zero > t.frames) return fail(`track ${i + 1} starts at ${t.start} frames with ${t.zero} of them not stored and ${t.frames} stored`);
    // START counts the track's pregap: ZERO frames (not stored) first, then stored ones; track 1's is the lead-in, not copied.
    const start = t.offset + (t.start - t.zero) * size;
    return {
      number: i + 1, mode: t.mode, source: bin, pregapOffset: i === 0 ? start : t.offset, start, end: t.offset + t.frames * size,
      ...(i > 0 && t.zero > 0 ? { silentPregapFrames: t.zero } : {}),
    };
  });
}

async function rangeSha256(file: string, start: number, end: number, swap: boolean): Promise<string> {
  const hash = createHash('sha256');
  let odd: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { start, end: end - 1 }) as AsyncIterable<Buffer>) {
    if (!swap) {
      hash.update(chunk);
      continue;
    }
    const data = odd.length > 0 ? Buffer.concat([odd, chunk]) : chunk;
    const even = data.subarray(0, data.length - (data.length % 2));
    hash.update(Buffer.from(even).swap16());
    odd = Buffer.from(data.subarray(even.length));
  }
  hash.update(odd);
  return hash.digest('hex');
}

/**
 * Stage the CD CHD `source` as a CUE image of one BIN per track, from
 * chdman's CUE extraction (`cueBin`, already in the staging folder) laid out
 * by a second extraction to a TOC (see the module comment). `extract` runs
 * chdman with the given arguments.
 */
export async function stageChdTracks(staging: Staging, id: string, source: string, cueBin: string, what: string, extract: (args: string[]) => Promise<void>, options: ConversionOptions): Promise<PlannedCue> {
  const toc = staging.file('chd.toc');
  const tocBin = staging.file('chd-toc.bin');
  await extract(['extractcd', '-i', source, '-o', toc, '-ob', tocBin]);
  const tocText = await readFile(toc, 'latin1');
  const tracks = (() => {
    try {
      return chdTocPlan(tocText, cueBin);
    } catch (err) {
      throw fromImageReadError(err);
    }
  })();
  const last = tracks[tracks.length - 1];
  const [cueBytes, tocBytes] = [(await stat(cueBin)).size, (await stat(tocBin)).size];
  if (!last || cueBytes !== last.end || tocBytes !== last.end) {
    throw new ImageConversionError(`${what}: chdman's two extractions are ${cueBytes} and ${tocBytes} bytes, its TOC's tracks ${last?.end ?? 0}`);
  }
  for (const t of tracks) {
    const [a, b] = [await rangeSha256(cueBin, t.pregapOffset, t.end, false), await rangeSha256(tocBin, t.pregapOffset, t.end, t.mode === 'AUDIO')];
    if (a !== b) throw new ImageConversionError(`${what}: track ${t.number} (${t.mode}) differs between chdman's CUE and TOC extractions`);
  }
  await rm(tocBin, { force: true });
  const planned = await stagePlannedCue(staging, id, what, tracks, options);
  return { ...planned, proof: `chdman extracted it twice, to a CUE sheet and to a cdrdao TOC, and every track's bytes agree between the two (audio once the TOC's big-endian samples are swapped); ${planned.proof}` };
}

/**
 * cdrdao TOC files, by structure: a TOC is told from a CUE sheet by its
 * session type (`CD_DA`, `CD_ROM`, `CD_ROM_XA`, `CD_I`) or a `TRACK` whose
 * next word is a cdrdao mode (`TRACK AUDIO`, `TRACK MODE1_RAW`) where a CUE
 * sheet has a number (`TRACK 01 AUDIO`). The reader lists its tracks and
 * the files they name (FILE, AUDIOFILE, DATAFILE), each kept inside the
 * TOC's folder, has cdrdao check it against its files (`cdrdao show-toc`,
 * giving the disc's length) and converts it with cdrdao's `toc2cue` into a
 * CUE sheet whose track list must agree with the TOC's. toc2cue keeps neither CD-TEXT
 * nor ISRC codes (the caller keeps the TOC when those matter), and writes
 * raw audio as BINARY although cdrdao's raw audio files are big-endian:
 * the sheet is given FILE … MOTOROLA for them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool, toolFailure } from '../tool-process.js';
import { parseCueSheet } from './cue-sheet.js';
import { imageProblem } from './image-read-error.js';

/** TOC track modes and the CUE mode toc2cue writes for each. */
export const TOC_MODES: Readonly<Record<string, string>> = {
  AUDIO: 'AUDIO', MODE0: 'MODE1/2048', MODE1: 'MODE1/2048', MODE1_RAW: 'MODE1/2352', MODE2: 'MODE2/2336',
  MODE2_FORM1: 'MODE2/2048', MODE2_FORM2: 'MODE2/2324', MODE2_FORM_MIX: 'MODE2/2336', MODE2_RAW: 'MODE2/2352',
};
const SESSION_TYPES = new Set(['CD_DA', 'CD_ROM', 'CD_ROM_XA', 'CD_I']);
const FILE_WORDS = new Set(['FILE', 'AUDIOFILE', 'DATAFILE']);
/** TOC files larger than this are not TOC files. */
export const MAX_TOC_BYTES = 1024 * 1024;
const MAX_TRACKS = 99;

/** What a TOC file holds, as far as an import needs. */
export interface TocFile {
  /** Session type, when given (CD_DA, CD_ROM, ...). */
  readonly sessionType?: string;
  /** The cdrdao mode of each track, in order. */
  readonly trackModes: readonly string[];
  /** The files named (FILE, AUDIOFILE, DATAFILE), each once, in order. */
  readonly files: readonly string[];
  /** True when CD-TEXT, ISRC or a CATALOG is present (toc2cue drops them). */
  readonly hasCdText: boolean;
}

/** One word of a TOC file: a bare word or brace, or a quoted string (escapes undone). */
export interface TocToken {
  readonly text: string;
  readonly quoted: boolean;
}
type Token = TocToken;

/** Words, quoted strings (with cdrdao's backslash escapes) and braces; `//` comments dropped. */
export function tokenizeToc(text: string): TocToken[] {
  const tokens: Token[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|\/\/[^\n]*|([{}])|([^\s{}"]+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] !== undefined) tokens.push({ text: m[1].replace(/\\(.)/g, '$1'), quoted: true });
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ text: (m[2] ?? m[3]) as string, quoted: false });
  }
  return tokens;
}

/** True when `text` is a cdrdao TOC file rather than a CUE sheet (see the module comment). */
export function looksLikeToc(text: string): boolean {
  // A CUE sheet's `TRACK 01 MODE1/2048` settles it, whatever its REM lines say.
  if (/^\s*TRACK\s+\d+\s/m.test(text.slice(0, 64 * 1024))) return false;
  const tokens = tokenizeToc(text.slice(0, 64 * 1024));
  const first = tokens[0];
  if (first && !first.quoted && SESSION_TYPES.has(first.text)) return true;
  return tokens.some((t, i) => !t.quoted && t.text === 'TRACK' && TOC_MODES[tokens[i + 1]?.text ?? ''] !== undefined);
}

/** A TOC file reference that stays inside the TOC's folder; throws `container-path-traversal`. */
export function checkTocFileName(name: string): void {
  const outside = name.length === 0 || name.includes('\0') || name === '-' || /^[a-zA-Z]:/.test(name) || /^[\\/]/.test(name)
    || name.split(/[\\/]/).some((part) => part === '..');
  if (outside) throw imageProblem('container-path-traversal', `TOC file names a file outside its folder (or standard input): ${name}`);
}

/**
 * Parse a TOC file's tracks and file references. Throws `ImageReadError`
 * (`cue-structure`, `container-path-traversal`). `refuseSwap`: refuse a
 * `SWAP` audio file (little-endian samples), which toc2cue's sheet would
 * misname; cdrdao itself burns one as it should.
 */
export function parseTocFile(text: string, options: { readonly refuseSwap?: boolean } = {}): TocFile {
  const tokens = tokenizeToc(text);
  const trackModes: string[] = [];
  const files: string[] = [];
  let hasCdText = false;
  for (const [i, t] of tokens.entries()) {
    if (t.quoted) continue;
    if (t.text === 'TRACK') {
      const mode = tokens[i + 1]?.text ?? '';
      if (TOC_MODES[mode] === undefined) throw imageProblem('cue-structure', `TOC file: unknown track mode '${mode.slice(0, 40)}'`);
      trackModes.push(mode);
      if (trackModes.length > MAX_TRACKS) throw imageProblem('cue-structure', `TOC file has more than ${MAX_TRACKS} tracks`);
    } else if (FILE_WORDS.has(t.text)) {
      const name = tokens[i + 1];
      if (!name?.quoted) throw imageProblem('cue-structure', `TOC file: ${t.text} without a quoted file name`);
      checkTocFileName(name.text);
      if (!files.includes(name.text)) files.push(name.text);
    } else if (t.text === 'FIFO') {
      throw imageProblem('container-path-traversal', 'TOC file reads a FIFO; only files beside it are imported');
    } else if (t.text === 'SWAP' && options.refuseSwap === true) {
      throw imageProblem('cue-structure', 'TOC file swaps the byte order of its audio file (SWAP): not supported, convert the file first');
    } else if (t.text === 'CD_TEXT' || t.text === 'ISRC' || t.text === 'CATALOG') {
      hasCdText = true;
    }
  }
  if (trackModes.length === 0) throw imageProblem('cue-structure', 'TOC file has no TRACK');
  if (files.length === 0) throw imageProblem('cue-structure', 'TOC file names no data file');
  const first = tokens[0];
  return { ...(first && SESSION_TYPES.has(first.text) ? { sessionType: first.text } : {}), trackModes, files, hasCdText };
}

/**
 * Whether a TOC file's text has CD-TEXT blocks (`CD_TEXT { … }`, quoted text
 * aside): what only a drive declared to write CD-TEXT burns. ISRC and CATALOG
 * (also in `TocFile.hasCdText`) go in the Q subchannel, which every driver writes.
 */
export function tocHasCdTextBlocks(text: string): boolean {
  return tokenizeToc(text).some((t) => !t.quoted && t.text === 'CD_TEXT');
}

/**
 * cdrdao's own reading of a TOC file (`cdrdao show-toc`, which checks every
 * track against its data file): the disc's length in frames. cdrdao exits 0
 * even for a TOC it calls inconsistent, so its ERROR lines are what count.
 */
export async function showTocFrames(tocPath: string, tracks: number, signal?: AbortSignal): Promise<number> {
  const run = await runTool({ program: 'cdrdao', args: ['show-toc', tocPath], cwd: path.dirname(tocPath), ...(signal ? { signal } : {}) });
  const errors = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.startsWith('ERROR:')).map((l) => l.slice(6).trim());
  if (run.exitCode !== 0 || errors.length > 0) {
    throw imageProblem('conversion-failed', `cdrdao show-toc refuses the TOC file (exit ${run.exitCode ?? run.signal}): ${errors.slice(0, 3).join(' ') || 'no message'}`);
  }
  const listed = [...run.stdout.matchAll(/^TRACK\s+\d+\s+Mode\s/gm)].length;
  const ends = [...run.stdout.matchAll(/^\s*END\*?\s+\d+:\d+:\d+\(\s*(\d+)\)/gm)].map((m) => Number(m[1]));
  const last = ends[ends.length - 1];
  if (listed !== tracks || ends.length !== tracks || last === undefined) {
    throw imageProblem('conversion-failed', `cdrdao show-toc lists ${listed} track(s) with ${ends.length} END(s); the TOC file has ${tracks}`);
  }
  return last;
}

/** The CUE sheet made from a TOC file, and how. */
export interface TocConversion {
  readonly toc: TocFile;
  /** Frames on disc by `cdrdao show-toc` (the last track's END): the CUE image must have as many. */
  readonly discFrames: number;
  readonly cueText: string;
  readonly command: readonly string[];
  /** What was checked, in words. */
  readonly proof: string;
}

/**
 * Convert the TOC file `tocPath` into a CUE sheet with toc2cue, writing it
 * to `cuePath` (in a folder of the caller's). The sheet's tracks must agree
 * with the TOC's (count and modes), else `conversion-failed`. Throws
 * `ImageReadError` for a TOC refused by `parseTocFile` or by toc2cue.
 */
export async function convertTocFile(tocPath: string, cuePath: string, signal?: AbortSignal): Promise<TocConversion> {
  const bytes = await readFile(tocPath);
  if (bytes.length > MAX_TOC_BYTES) throw imageProblem('cue-structure', `TOC file is ${bytes.length} bytes, more than ${MAX_TOC_BYTES}`);
  const toc = parseTocFile(bytes.toString('latin1'), { refuseSwap: true });
  const discFrames = await showTocFrames(tocPath, toc.trackModes.length, signal);
  const command = ['toc2cue', tocPath, cuePath];
  const run = await runTool({ program: 'toc2cue', args: command.slice(1), cwd: path.dirname(tocPath), ...(signal ? { signal } : {}) });
  if (run.exitCode !== 0) {
    const said = toolFailure(run, 4).output.split('\n').filter((l) => /ERROR|error|Cannot|cannot/.test(l)).join(' ').trim();
    throw imageProblem('conversion-failed', `toc2cue could not convert the TOC file (exit ${run.exitCode ?? run.signal}): ${said || 'no message'}`);
  }
  const raw = (await readFile(cuePath)).toString('latin1');
  const audio = toc.trackModes.every((m) => m === 'AUDIO');
  // cdrdao's raw audio files hold big-endian samples; toc2cue calls them BINARY.
  const cueText = audio ? raw.replace(/^(\s*FILE\s+"(?:[^"\\]|\\.)*"\s+)BINARY\s*$/gm, '$1MOTOROLA') : raw;
  const sheet = parseCueSheet(cueText);
  const modes = sheet.tracks.map((t) => t.mode);
  const expected = toc.trackModes.map((m) => TOC_MODES[m]);
  if (modes.length !== expected.length || modes.some((m, i) => m !== expected[i])) {
    throw imageProblem('conversion-failed', `toc2cue's CUE sheet has tracks ${modes.join(', ')}, the TOC file ${expected.join(', ')}`);
  }
  const proof = `toc2cue's CUE sheet has the TOC file's ${modes.length} track(s) with the same modes${audio ? '; raw audio marked MOTOROLA (cdrdao\'s big-endian samples)' : ''}`;
  return { toc, discFrames, cueText, command: ['toc2cue', path.basename(tocPath), path.basename(cuePath)], proof };
}

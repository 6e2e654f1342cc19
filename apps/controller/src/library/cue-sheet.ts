/**
 * CUE sheet parser: text in, a typed sheet out, strict. Every command of the
 * CDRWIN format is understood (FILE, TRACK, INDEX, PREGAP, POSTGAP, CATALOG,
 * ISRC, FLAGS, REM, CD-TEXT fields, CDTEXTFILE); quoted and unquoted names;
 * CRLF, LF or CR line ends; a UTF-8 BOM. Anything else is a `CueSyntaxError`
 * with its line number. Sizes and file existence are checked elsewhere
 * (cue-layout.ts); this module never touches the disk.
 */
import { CUE_MODE_BYTES } from 'node-cdrecord-wrapper';
import { CuePathTraversalError, CueStructureError, CueSyntaxError, CueUnknownModeError } from './errors.js';

/** Frames per second of CD audio. */
export const FRAMES_PER_SECOND = 75;

/** FILE types of the CUE format. Only BINARY and MOTOROLA are raw sector data. */
export type CueFileType = 'BINARY' | 'MOTOROLA' | 'WAVE' | 'AIFF' | 'MP3';
const FILE_TYPES = new Set<string>(['BINARY', 'MOTOROLA', 'WAVE', 'AIFF', 'MP3']);

/** CD-TEXT fields a CUE sheet may set on the disc or a track. */
export type CdTextField = 'TITLE' | 'PERFORMER' | 'SONGWRITER' | 'COMPOSER' | 'ARRANGER' | 'MESSAGE';
const CD_TEXT_FIELDS = new Set<string>(['TITLE', 'PERFORMER', 'SONGWRITER', 'COMPOSER', 'ARRANGER', 'MESSAGE']);
const FLAG_NAMES = new Set(['DCP', '4CH', 'PRE', 'SCMS', 'DATA']);

/** One INDEX line: its number and its position (frames) in the FILE it follows. */
export interface CueIndex {
  readonly number: number;
  readonly position: number;
  /** Which FILE (0-based) the position refers to. */
  readonly fileIndex: number;
  readonly line: number;
}

/** One TRACK with everything the sheet says about it. */
export interface CueTrack {
  readonly number: number;
  readonly mode: string;
  /** Bytes per frame of this mode in a BINARY file. */
  readonly frameBytes: number;
  /** FILE (0-based) the TRACK line follows. */
  readonly fileIndex: number;
  readonly indexes: CueIndex[];
  /** PREGAP: silence/zeros the burner generates, not in the file (frames). */
  pregap: number;
  /** POSTGAP, generated like PREGAP (frames). */
  postgap: number;
  isrc?: string;
  flags: string[];
  cdText: Partial<Record<CdTextField, string>>;
  readonly line: number;
}

/** One FILE line. */
export interface CueFile {
  /** The name exactly as written (quotes removed). */
  readonly name: string;
  readonly type: CueFileType;
  readonly line: number;
}

/** A parsed CUE sheet. */
export interface CueSheet {
  readonly files: CueFile[];
  readonly tracks: CueTrack[];
  catalog?: string;
  cdTextFile?: string;
  /** Disc-level CD-TEXT fields (before the first TRACK). */
  readonly cdText: Partial<Record<CdTextField, string>>;
  /** REM lines, verbatim after `REM `. */
  readonly remarks: string[];
}

/** True when a line holds control characters other than tab. */
function hasControlCharacters(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Split a line into words; a double-quoted word may hold spaces. */
function tokenize(line: string, lineNo: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new CueSyntaxError(lineNo, 'unterminated quoted string');
      words.push(line.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++;
    words.push(line.slice(i, end));
    i = end;
  }
  return words;
}

/** Parse `MM:SS:FF` into frames. */
export function parseMsf(value: string, lineNo: number): number {
  const m = /^(\d{1,3}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) throw new CueSyntaxError(lineNo, `bad MM:SS:FF time '${value}'`);
  const [mm, ss, ff] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ss >= 60 || ff >= FRAMES_PER_SECOND) throw new CueSyntaxError(lineNo, `bad MM:SS:FF time '${value}'`);
  return (mm * 60 + ss) * FRAMES_PER_SECOND + ff;
}

/**
 * Refuse a FILE/CDTEXTFILE name that leaves the sheet's folder: absolute
 * paths, drive letters, UNC paths, `..` segments, NUL bytes, empty names.
 * Backslashes count as separators.
 */
export function checkCueFileName(name: string): void {
  if (name.length === 0 || name.includes('\0')) throw new CuePathTraversalError(name, 'names an empty or invalid file');
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/') || name.startsWith('\\')) throw new CuePathTraversalError(name);
  if (name.split(/[\\/]/).some((part) => part === '..')) throw new CuePathTraversalError(name);
}

/** Decode a CUE sheet's bytes: UTF-8 (BOM stripped) when valid, else Latin-1. */
export function decodeCueText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = Buffer.from(bytes).toString('latin1');
  }
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

function expectArgs(words: string[], count: number, lineNo: number, usage: string): void {
  if (words.length !== count) throw new CueSyntaxError(lineNo, `expected '${usage}'`);
}

/**
 * Parse a CUE sheet. Throws `CueSyntaxError` (with the line number),
 * `CueUnknownModeError`, `CuePathTraversalError` or `CueStructureError`.
 */
export function parseCueSheet(text: string): CueSheet {
  const sheet: CueSheet = { files: [], tracks: [], cdText: {}, remarks: [] };
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '') return;
    if (hasControlCharacters(line)) throw new CueSyntaxError(lineNo, 'control characters in line');
    const words = tokenize(line, lineNo);
    const command = (words[0] ?? '').toUpperCase();
    const track = sheet.tracks[sheet.tracks.length - 1];
    switch (command) {
      case 'REM':
        sheet.remarks.push(line.slice(3).trim());
        return;
      case 'FILE': {
        expectArgs(words, 3, lineNo, 'FILE "name" TYPE');
        const name = words[1] ?? '';
        const type = (words[2] ?? '').toUpperCase();
        if (!FILE_TYPES.has(type)) throw new CueSyntaxError(lineNo, `unknown FILE type '${words[2]}'`);
        checkCueFileName(name);
        sheet.files.push({ name, type: type as CueFileType, line: lineNo });
        return;
      }
      case 'TRACK': {
        expectArgs(words, 3, lineNo, 'TRACK nn MODE');
        if (sheet.files.length === 0) throw new CueStructureError(`CUE sheet line ${lineNo}: TRACK before any FILE`);
        const number = Number(words[1]);
        if (!/^\d{1,2}$/.test(words[1] ?? '') || number < 1 || number > 99) throw new CueSyntaxError(lineNo, `bad track number '${words[1]}'`);
        const previous = sheet.tracks[sheet.tracks.length - 1];
        if (previous && number !== previous.number + 1) {
          throw new CueStructureError(`CUE sheet line ${lineNo}: track ${number} follows track ${previous.number}; tracks must be numbered consecutively`);
        }
        const mode = (words[2] ?? '').toUpperCase();
        const frameBytes = CUE_MODE_BYTES[mode];
        if (frameBytes === undefined) throw new CueUnknownModeError(lineNo, words[2] ?? '');
        sheet.tracks.push({ number, mode, frameBytes, fileIndex: sheet.files.length - 1, indexes: [], pregap: 0, postgap: 0, flags: [], cdText: {}, line: lineNo });
        return;
      }
      case 'INDEX': {
        expectArgs(words, 3, lineNo, 'INDEX nn MM:SS:FF');
        if (!track) throw new CueStructureError(`CUE sheet line ${lineNo}: INDEX outside a TRACK`);
        if (!/^\d{1,2}$/.test(words[1] ?? '')) throw new CueSyntaxError(lineNo, `bad index number '${words[1]}'`);
        const number = Number(words[1]);
        const last = track.indexes[track.indexes.length - 1];
        if (last ? number <= last.number : number > 1) {
          throw new CueSyntaxError(lineNo, `INDEX ${words[1]} out of order in track ${track.number}`);
        }
        track.indexes.push({ number, position: parseMsf(words[2] ?? '', lineNo), fileIndex: sheet.files.length - 1, line: lineNo });
        return;
      }
      case 'PREGAP':
      case 'POSTGAP': {
        expectArgs(words, 2, lineNo, `${command} MM:SS:FF`);
        if (!track) throw new CueStructureError(`CUE sheet line ${lineNo}: ${command} outside a TRACK`);
        const frames = parseMsf(words[1] ?? '', lineNo);
        if (command === 'PREGAP') {
          if (track.indexes.length > 0) throw new CueSyntaxError(lineNo, 'PREGAP must come before the INDEX lines of its track');
          track.pregap += frames;
        } else {
          if (track.indexes.length === 0) throw new CueSyntaxError(lineNo, 'POSTGAP must come after the INDEX lines of its track');
          track.postgap += frames;
        }
        return;
      }
      case 'CATALOG':
        expectArgs(words, 2, lineNo, 'CATALOG 0123456789012');
        if (!/^\d{13}$/.test(words[1] ?? '')) throw new CueSyntaxError(lineNo, 'CATALOG must be 13 digits');
        sheet.catalog = words[1];
        return;
      case 'ISRC':
        expectArgs(words, 2, lineNo, 'ISRC CCOOOYYSSSSS');
        if (!track) throw new CueStructureError(`CUE sheet line ${lineNo}: ISRC outside a TRACK`);
        if (!/^[A-Z0-9]{5}\d{7}$/i.test(words[1] ?? '')) throw new CueSyntaxError(lineNo, `bad ISRC '${words[1]}'`);
        track.isrc = (words[1] ?? '').toUpperCase();
        return;
      case 'FLAGS': {
        if (!track) throw new CueStructureError(`CUE sheet line ${lineNo}: FLAGS outside a TRACK`);
        const flags = words.slice(1).map((f) => f.toUpperCase());
        const bad = flags.find((f) => !FLAG_NAMES.has(f));
        if (flags.length === 0 || bad) throw new CueSyntaxError(lineNo, `bad FLAGS '${bad ?? ''}'`);
        track.flags = flags;
        return;
      }
      case 'CDTEXTFILE':
        expectArgs(words, 2, lineNo, 'CDTEXTFILE "name"');
        checkCueFileName(words[1] ?? '');
        sheet.cdTextFile = words[1];
        return;
      default:
        if (CD_TEXT_FIELDS.has(command)) {
          if (words.length < 2) throw new CueSyntaxError(lineNo, `${command} needs a value`);
          const value = words.length === 2 ? (words[1] ?? '') : line.slice(words[0]?.length ?? 0).trim();
          (track ? track.cdText : sheet.cdText)[command as CdTextField] = value;
          return;
        }
        throw new CueSyntaxError(lineNo, `unknown command '${words[0]}'`);
    }
  });
  if (sheet.files.length === 0) throw new CueStructureError('CUE sheet has no FILE');
  if (sheet.tracks.length === 0) throw new CueStructureError('CUE sheet has no TRACK');
  for (const t of sheet.tracks) {
    if (!t.indexes.some((x) => x.number === 1)) throw new CueStructureError(`CUE sheet line ${t.line}: track ${t.number} has no INDEX 01`);
  }
  return sheet;
}

/**
 * The sheet as text again, with FILE names replaced by `rename(fileIndex)` and
 * CDTEXTFILE dropped (the library does not copy CD-TEXT binaries). Lines end
 * in CRLF, the form burners expect.
 */
export function rewriteCueSheet(text: string, rename: (fileIndex: number) => string): string {
  let fileIndex = -1;
  const out: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/^\ufeff/, '');
    const trimmed = line.trim();
    if (/^FILE\s/i.test(trimmed)) {
      fileIndex++;
      const type = trimmed.split(/\s+/).pop() ?? 'BINARY';
      out.push(`FILE "${rename(fileIndex)}" ${type.toUpperCase()}`);
    } else if (/^CDTEXTFILE\s/i.test(trimmed)) {
      continue;
    } else if (trimmed !== '') {
      out.push(line.trimEnd());
    }
  }
  return `${out.join('\r\n')}\r\n`;
}

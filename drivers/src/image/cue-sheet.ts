/**
 * CUE sheet parser: text in, a typed sheet out, strict. Every command of the
 * CDRWIN format is understood (FILE, TRACK, INDEX, PREGAP, POSTGAP, CATALOG,
 * ISRC, FLAGS, REM, CD-TEXT fields, CDTEXTFILE); quoted and unquoted names;
 * CRLF, LF or CR line ends; a UTF-8 BOM. Anything else is refused with its
 * line number. Sizes and file existence are checked elsewhere (cue-layout.ts,
 * image-reader.ts); this module never touches the disk.
 */
import { cueSyntax, imageProblem, ImageReadError } from './image-read-error.js';
import { checkCueFileName, CUE_MODE_BYTES, hasControlCharacters, parseMsf, tokenize } from './cue-text.js';

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

function expectArgs(words: string[], count: number, lineNo: number, usage: string): void {
  if (words.length !== count) throw cueSyntax(lineNo, `expected '${usage}'`);
}

/**
 * Parse a CUE sheet. Throws `ImageReadError`: `cue-syntax` (with the line
 * number), `cue-unknown-mode`, `cue-path-traversal` or `cue-structure`.
 */
export function parseCueSheet(text: string): CueSheet {
  const sheet: CueSheet = { files: [], tracks: [], cdText: {}, remarks: [] };
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '') return;
    if (hasControlCharacters(line)) throw cueSyntax(lineNo, 'control characters in line');
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
        if (!FILE_TYPES.has(type)) throw cueSyntax(lineNo, `unknown FILE type '${words[2]}'`);
        checkCueFileName(name);
        sheet.files.push({ name, type: type as CueFileType, line: lineNo });
        return;
      }
      case 'TRACK': {
        expectArgs(words, 3, lineNo, 'TRACK nn MODE');
        if (sheet.files.length === 0) throw imageProblem('cue-structure', `CUE sheet line ${lineNo}: TRACK before any FILE`);
        const number = Number(words[1]);
        if (!/^\d{1,2}$/.test(words[1] ?? '') || number < 1 || number > 99) throw cueSyntax(lineNo, `bad track number '${words[1]}'`);
        const previous = sheet.tracks[sheet.tracks.length - 1];
        if (previous && number !== previous.number + 1) {
          throw imageProblem('cue-structure', `CUE sheet line ${lineNo}: track ${number} follows track ${previous.number}; tracks must be numbered consecutively`);
        }
        const mode = (words[2] ?? '').toUpperCase();
        const frameBytes = CUE_MODE_BYTES[mode];
        if (frameBytes === undefined) throw new ImageReadError({ kind: 'cue-unknown-mode', line: lineNo, mode: words[2] ?? '' });
        sheet.tracks.push({ number, mode, frameBytes, fileIndex: sheet.files.length - 1, indexes: [], pregap: 0, postgap: 0, flags: [], cdText: {}, line: lineNo });
        return;
      }
      case 'INDEX': {
        expectArgs(words, 3, lineNo, 'INDEX nn MM:SS:FF');
        if (!track) throw imageProblem('cue-structure', `CUE sheet line ${lineNo}: INDEX outside a TRACK`);
        if (!/^\d{1,2}$/.test(words[1] ?? '')) throw cueSyntax(lineNo, `bad index number '${words[1]}'`);
        const number = Number(words[1]);
        const last = track.indexes[track.indexes.length - 1];
        if (last ? number <= last.number : number > 1) {
          throw cueSyntax(lineNo, `INDEX ${words[1]} out of order in track ${track.number}`);
        }
        track.indexes.push({ number, position: parseMsf(words[2] ?? '', lineNo), fileIndex: sheet.files.length - 1, line: lineNo });
        return;
      }
      case 'PREGAP':
      case 'POSTGAP': {
        expectArgs(words, 2, lineNo, `${command} MM:SS:FF`);
        if (!track) throw imageProblem('cue-structure', `CUE sheet line ${lineNo}: ${command} outside a TRACK`);
        const frames = parseMsf(words[1] ?? '', lineNo);
        if (command === 'PREGAP') {
          if (track.indexes.length > 0) throw cueSyntax(lineNo, 'PREGAP must come before the INDEX lines of its track');
          track.pregap += frames;
        } else {
          if (track.indexes.length === 0) throw cueSyntax(lineNo, 'POSTGAP must come after the INDEX lines of its track');
          track.postgap += frames;
        }
        return;
      }
      case 'CATALOG':
        expectArgs(words, 2, lineNo, 'CATALOG 0123456789012');
        if (!/^\d{13}$/.test(words[1] ?? '')) throw cueSyntax(lineNo, 'CATALOG must be 13 digits');
        sheet.catalog = words[1];
        return;
      case 'ISRC':
        expectArgs(words, 2, lineNo, 'ISRC CCOOOYYSSSSS');
        if (!track) throw imageProblem('cue-structure', `CUE sheet line ${lineNo}: ISRC outside a TRACK`);
        if (!/^[A-Z0-9]{5}\d{7}$/i.test(words[1] ?? '')) throw cueSyntax(lineNo, `bad ISRC '${words[1]}'`);
        track.isrc = (words[1] ?? '').toUpperCase();
        return;
      case 'FLAGS': {
        if (!track) throw imageProblem('cue-structure', `CUE sheet line ${lineNo}: FLAGS outside a TRACK`);
        const flags = words.slice(1).map((f) => f.toUpperCase());
        const bad = flags.find((f) => !FLAG_NAMES.has(f));
        if (flags.length === 0 || bad) throw cueSyntax(lineNo, `bad FLAGS '${bad ?? ''}'`);
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
          if (words.length < 2) throw cueSyntax(lineNo, `${command} needs a value`);
          const value = words.length === 2 ? (words[1] ?? '') : line.slice(words[0]?.length ?? 0).trim();
          (track ? track.cdText : sheet.cdText)[command as CdTextField] = value;
          return;
        }
        throw cueSyntax(lineNo, `unknown command '${words[0]}'`);
    }
  });
  if (sheet.files.length === 0) throw imageProblem('cue-structure', 'CUE sheet has no FILE');
  if (sheet.tracks.length === 0) throw imageProblem('cue-structure', 'CUE sheet has no TRACK');
  for (const t of sheet.tracks) {
    if (!t.indexes.some((x) => x.number === 1)) throw imageProblem('cue-structure', `CUE sheet line ${t.line}: track ${t.number} has no INDEX 01`);
  }
  return sheet;
}

/**
 * The words of a CUE sheet: track modes and their frame sizes, MM:SS:FF
 * times, FILE names that must stay in the sheet's folder, the sheet's text
 * encoding, line splitting into words, and the sheet rewritten with other
 * FILE names. Pure; never touches the disk.
 */
import { cuePathTraversal, cueSyntax } from './image-read-error.js';

/** Bytes per frame in a BIN file for each CUE track mode. */
export const CUE_MODE_BYTES: Readonly<Record<string, number>> = {
  AUDIO: 2352,
  CDG: 2448,
  'MODE1/2048': 2048,
  'MODE1/2352': 2352,
  'MODE2/2048': 2048,
  'MODE2/2324': 2324,
  'MODE2/2336': 2336,
  'MODE2/2352': 2352,
  'CDI/2336': 2336,
  'CDI/2352': 2352,
};

/** Frames per second of CD audio. */
export const FRAMES_PER_SECOND = 75;

/** True when a line holds control characters other than tab. */
export function hasControlCharacters(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Split a line into words; a double-quoted word may hold spaces. */
export function tokenize(line: string, lineNo: number): string[] {
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
      if (end < 0) throw cueSyntax(lineNo, 'unterminated quoted string');
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
  if (!m) throw cueSyntax(lineNo, `bad MM:SS:FF time '${value}'`);
  const [mm, ss, ff] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ss >= 60 || ff >= FRAMES_PER_SECOND) throw cueSyntax(lineNo, `bad MM:SS:FF time '${value}'`);
  return (mm * 60 + ss) * FRAMES_PER_SECOND + ff;
}

/**
 * Refuse a FILE/CDTEXTFILE name that leaves the sheet's folder: absolute
 * paths, drive letters, UNC paths, `..` segments, NUL bytes, empty names.
 * Backslashes count as separators.
 */
export function checkCueFileName(name: string): void {
  if (name.length === 0 || name.includes('\0')) throw cuePathTraversal(name, 'names an empty or invalid file');
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/') || name.startsWith('\\')) throw cuePathTraversal(name);
  if (name.split(/[\\/]/).some((part) => part === '..')) throw cuePathTraversal(name);
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

/**
 * The sheet as text again, with FILE names replaced by `rename(fileIndex)` and
 * CDTEXTFILE dropped (a copy of the image does not carry CD-TEXT binaries).
 * Lines end in CRLF, the form burners expect.
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

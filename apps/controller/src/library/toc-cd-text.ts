/**
 * A cdrdao TOC file with its CD-TEXT replaced: every `CD_TEXT { … }` block
 * of the text is taken out and the run's CD-TEXT put in (a disc block with
 * its language map before the first track, a block in each track after its
 * flags and ISRC, before its first data statement), so what the disc gets is
 * exactly the run's. Comments are dropped (cdrdao writes paths into them).
 * Pure: text in, text out; statements are expected one per line, as cdrdao
 * and `writeTocFile` write them. The caller proves the result by reading it
 * back (`readTocContent`) and with `cdrdao show-toc`.
 */
import { renameTocFiles } from 'node-cdrecord-wrapper';
import type { CdTextFields, RunCdText } from '../shared/run-text-schemas.js';

const FIELDS: ReadonlyArray<[keyof CdTextFields, string]> = [['title', 'TITLE'], ['performer', 'PERFORMER'], ['composer', 'COMPOSER']];
const DATA_STATEMENT = /^\s*(PREGAP|FILE|AUDIOFILE|DATAFILE|ZERO|SILENCE|START|INDEX|FIFO)\b/;

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function block(fields: CdTextFields | undefined): string[] {
  const lines = FIELDS.filter(([k]) => fields?.[k] !== undefined).map(([k, name]) => `    ${name} ${quote(fields?.[k] ?? '')}`);
  return ['CD_TEXT {', '  LANGUAGE 0 {', ...lines, '  }', '}'];
}

/** `text` without its `CD_TEXT { … }` blocks (braces inside quoted strings are text). */
export function withoutCdText(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === '"') {
      const end = closingQuote(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const m = /^CD_TEXT\s*\{/.exec(text.slice(i, i + 64));
    if (m !== null && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      i = afterBlock(text, i + m[0].length - 1);
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function closingQuote(text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

function afterBlock(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j];
    if (c === '"') j = closingQuote(text, j) - 1;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j + 1;
  }
  throw new RangeError('a CD_TEXT block of the TOC file is not closed');
}

/** The TOC text with the run's CD-TEXT instead of its own. */
export function tocWithCdText(text: string, cdText: RunCdText): string {
  const lines = withoutCdText(renameTocFiles(text, (n) => n)).split('\n');
  const out: string[] = [];
  let track = 0;
  let pending: number | null = null;
  for (const line of lines) {
    if (/^\s*TRACK\b/.test(line)) {
      if (track === 0) out.push('CD_TEXT {', '  LANGUAGE_MAP {', '    0 : EN', '  }', ...block(cdText.disc).slice(1, -1), '}', '');
      track++;
      pending = track;
    } else if (pending !== null && DATA_STATEMENT.test(line)) {
      out.push(...block(cdText.tracks?.find((t) => t.track === pending)));
      pending = null;
    }
    out.push(line);
  }
  if (pending !== null) throw new RangeError(`track ${pending} of the TOC file has no data statement`);
  return out.join('\n');
}

/**
 * What a cdrdao TOC file says about the disc beyond its tracks' modes: the
 * catalog number (MCN/UPC), CD-TEXT (of the first language block), and per
 * track its ISRC, CD-TEXT, flags, pregap and length. This is what toc2cue
 * drops, so a library keeping a mastered disc's TOC reads it from here
 * (and `toc-writer.ts` writes it back). Pure: text in, facts out.
 *
 * Positions follow cdrdao: a track's data comes from FILE/AUDIOFILE
 * (`start` and `length` as MM:SS:FF or a sample count), DATAFILE (length),
 * ZERO/SILENCE (length) and PREGAP (generated silence); `START mm:ss:ff`
 * marks INDEX 01 that far into the track (the pregap before it).
 */
import type { CdTextField } from './cue-sheet.js';
import { imageProblem } from './image-read-error.js';
import type { TocToken } from './toc-file.js';
import { TOC_MODES, tokenizeToc } from './toc-file.js';

const CD_TEXT_FIELDS = new Set<string>(['TITLE', 'PERFORMER', 'SONGWRITER', 'COMPOSER', 'ARRANGER', 'MESSAGE']);
const SAMPLES_PER_FRAME = 588;

/** One track of a TOC file, as the disc gets it. */
export interface TocTrackContent {
  /** cdrdao mode (AUDIO, MODE1_RAW...). */
  readonly mode: string;
  readonly isrc?: string;
  /** CD-TEXT of the track (the first language block). */
  readonly cdText: Partial<Record<CdTextField, string>>;
  /** `COPY` (digital copy permitted); absent: the TOC did not say. */
  readonly copy?: boolean;
  readonly preEmphasis?: boolean;
  readonly fourChannel?: boolean;
  /** Frames before INDEX 01 (PREGAP plus the part before START). */
  readonly pregapFrames: number;
  /** Frames of the whole track, pregap included; absent when a source's length is left to its file's end. */
  readonly frames?: number;
  /** Files the track reads, in order. */
  readonly files: readonly string[];
  /** An audio file read with `SWAP` (little-endian samples). */
  readonly swap?: boolean;
  /** Subchannel mode after the track mode (`RW`, `RW_RAW`): the data file's frames carry 96 more bytes. */
  readonly subchannel?: string;
}

/** The disc a TOC file describes. */
export interface TocContent {
  readonly sessionType?: string;
  /** CATALOG: the 13-digit MCN (UPC/EAN). */
  readonly catalog?: string;
  /** Disc CD-TEXT (the first language block). */
  readonly cdText: Partial<Record<CdTextField, string>>;
  /** Language of the first CD-TEXT block, from LANGUAGE_MAP (EN, or a code number), when given. */
  readonly cdTextLanguage?: string;
  readonly tracks: readonly TocTrackContent[];
}

/** Frames of an MM:SS:FF time, or of a sample count (`samples`: a bare number counts audio samples). */
function framesOf(token: TocToken | undefined, bareIsSamples: boolean): number | null {
  const text = token?.text ?? '';
  const msf = /^(\d+):(\d{1,2}):(\d{1,2})$/.exec(text);
  if (msf) return (Number(msf[1]) * 60 + Number(msf[2])) * 75 + Number(msf[3]);
  if (/^\d+$/.test(text)) return bareIsSamples ? Math.floor(Number(text) / SAMPLES_PER_FRAME) : null;
  return null;
}

function isTime(token: TocToken | undefined): boolean {
  return token !== undefined && !token.quoted && /^(\d+:\d{1,2}:\d{1,2}|\d+)$/.test(token.text);
}

/** Index just after the brace block opening at `open` (which must be `{`). */
function skipBlock(tokens: readonly TocToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.quoted) continue;
    if (t?.text === '{') depth++;
    else if (t?.text === '}' && --depth === 0) return i + 1;
  }
  throw imageProblem('cue-structure', 'TOC file: a CD_TEXT block is not closed');
}

/** A CD_TEXT block at `open` (its `{`): the fields of its first LANGUAGE block and the language map's entry for it. */
function readCdText(tokens: readonly TocToken[], open: number): { end: number; fields: Partial<Record<CdTextField, string>>; map: Map<string, string> } {
  const end = skipBlock(tokens, open);
  const fields: Partial<Record<CdTextField, string>> = {};
  const map = new Map<string, string>();
  let language: string | null = null;
  for (let i = open + 1; i < end - 1; ) {
    const t = tokens[i] as TocToken;
    if (!t.quoted && t.text === 'LANGUAGE_MAP' && tokens[i + 1]?.text === '{') {
      const close = skipBlock(tokens, i + 1);
      const words = tokens.slice(i + 2, close - 1).map((w) => w.text).join(' ').split(/\s*:\s*|\s+/).filter((w) => w !== '');
      for (let k = 0; k + 1 < words.length; k += 2) map.set(words[k] as string, words[k + 1] as string);
      i = close;
    } else if (!t.quoted && t.text === 'LANGUAGE' && tokens[i + 2]?.text === '{') {
      const close = skipBlock(tokens, i + 2);
      const number = tokens[i + 1]?.text ?? '';
      if (language === null) {
        language = number;
        for (let k = i + 3; k < close - 1; k++) {
          const key = tokens[k] as TocToken;
          const value = tokens[k + 1];
          if (key.quoted) continue;
          if (value?.text === '{' && !value.quoted) {
            k = skipBlock(tokens, k + 1) - 1;
          } else if (value?.quoted) {
            if (CD_TEXT_FIELDS.has(key.text) && value.text !== '') fields[key.text as CdTextField] = value.text;
            k++;
          }
        }
      }
      i = close;
    } else {
      i++;
    }
  }
  const named = language === null ? undefined : map.get(language);
  return { end, fields, map: named === undefined ? new Map() : new Map([[language ?? '', named]]) };
}

interface TrackDraft {
  mode: string;
  isrc?: string;
  cdText: Partial<Record<CdTextField, string>>;
  copy?: boolean;
  preEmphasis?: boolean;
  fourChannel?: boolean;
  frames: number | null;
  start: number | null;
  files: string[];
  swap?: boolean;
  subchannel?: string;
}

/**
 * Read the disc facts of a TOC file. Throws `ImageReadError` (`cue-structure`)
 * for an unknown track mode, a CATALOG or ISRC of the wrong form, an
 * unclosed block or a TOC without tracks.
 */
export function readTocContent(text: string): TocContent {
  const tokens = tokenizeToc(text);
  const tracks: TrackDraft[] = [];
  let catalog: string | undefined;
  let discText: Partial<Record<CdTextField, string>> = {};
  let language: string | undefined;
  const first = tokens[0];
  const sessionType = first && !first.quoted && /^CD_(DA|ROM|ROM_XA|I)$/.test(first.text) ? first.text : undefined;
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as TocToken;
    const track = tracks[tracks.length - 1];
    const next = tokens[i + 1];
    if (t.quoted) {
      i++;
      continue;
    }
    switch (t.text) {
      case 'TRACK': {
        const mode = next?.text ?? '';
        if (TOC_MODES[mode] === undefined) throw imageProblem('cue-structure', `TOC file: unknown track mode '${mode.slice(0, 40)}'`);
        const sub = tokens[i + 2]?.quoted === false && /^RW(_RAW)?$/.test(tokens[i + 2]?.text ?? '') ? tokens[i + 2]?.text : undefined;
        tracks.push({ mode, cdText: {}, frames: 0, start: null, files: [], ...(sub ? { subchannel: sub } : {}) });
        i += sub ? 3 : 2;
        continue;
      }
      case 'CATALOG':
        if (!next?.quoted || !/^\d{13}$/.test(next.text)) throw imageProblem('cue-structure', 'TOC file: CATALOG must be 13 digits in quotes');
        catalog = next.text;
        i += 2;
        continue;
      case 'ISRC':
        if (!next?.quoted || !/^[A-Z0-9]{5}\d{7}$/i.test(next.text) || !track) throw imageProblem('cue-structure', 'TOC file: ISRC must be a quoted 12-character code inside a TRACK');
        track.isrc = next.text.toUpperCase();
        i += 2;
        continue;
      case 'CD_TEXT': {
        if (next?.text !== '{' || next.quoted) throw imageProblem('cue-structure', 'TOC file: CD_TEXT without a block');
        const block = readCdText(tokens, i + 1);
        if (track) track.cdText = block.fields;
        else {
          discText = block.fields;
          language = [...block.map.values()][0];
        }
        i = block.end;
        continue;
      }
      case 'COPY': case 'PRE_EMPHASIS': case 'TWO_CHANNEL_AUDIO': case 'FOUR_CHANNEL_AUDIO': case 'NO': {
        if (track) {
          const negated = t.text === 'NO';
          const word = negated ? next?.text : t.text;
          if (word === 'COPY') track.copy = !negated;
          else if (word === 'PRE_EMPHASIS') track.preEmphasis = !negated;
          else if (word === 'FOUR_CHANNEL_AUDIO' || word === 'TWO_CHANNEL_AUDIO') track.fourChannel = word === 'FOUR_CHANNEL_AUDIO';
        }
        i += t.text === 'NO' ? 2 : 1;
        continue;
      }
      case 'FILE': case 'AUDIOFILE': case 'DATAFILE': {
        if (!track || !next?.quoted) throw imageProblem('cue-structure', `TOC file: ${t.text} without a quoted file name inside a TRACK`);
        if (!track.files.includes(next.text)) track.files.push(next.text);
        let k = i + 2;
        if (tokens[k]?.text === 'SWAP' && !tokens[k]?.quoted) {
          track.swap = true;
          k++;
        }
        if (tokens[k]?.text.startsWith('#') && !tokens[k]?.quoted) k++;
        const times: (TocToken | undefined)[] = [];
        while (times.length < (t.text === 'DATAFILE' ? 1 : 2) && isTime(tokens[k])) times.push(tokens[k++]);
        // FILE start [length]; DATAFILE [length]: without a length the file's end is the track's.
        const length = t.text === 'DATAFILE' ? times[0] : times[1];
        const frames = length === undefined ? null : framesOf(length, t.text !== 'DATAFILE');
        track.frames = track.frames === null || frames === null ? null : track.frames + frames;
        i = k;
        continue;
      }
      case 'ZERO': case 'SILENCE': case 'PREGAP': {
        let k = i + 1;
        if (t.text === 'ZERO' && tokens[k] && TOC_MODES[tokens[k]?.text ?? ''] !== undefined) k++;
        const frames = framesOf(tokens[k], true);
        if (track && frames !== null) {
          track.frames = track.frames === null ? null : track.frames + frames;
          if (t.text === 'PREGAP') track.start = frames;
        }
        i = k + 1;
        continue;
      }
      case 'START': {
        // START mm:ss:ff: INDEX 01 that far into the track; a bare START: where the track's data has got to.
        if (track) track.start = isTime(next) ? framesOf(next, true) : track.frames;
        i += isTime(next) ? 2 : 1;
        continue;
      }
      default:
        i++;
    }
  }
  if (tracks.length === 0) throw imageProblem('cue-structure', 'TOC file has no TRACK');
  return {
    ...(sessionType ? { sessionType } : {}),
    ...(catalog ? { catalog } : {}),
    cdText: discText,
    ...(language ? { cdTextLanguage: language } : {}),
    tracks: tracks.map((d) => ({
      mode: d.mode,
      ...(d.isrc ? { isrc: d.isrc } : {}),
      cdText: d.cdText,
      ...(d.copy === undefined ? {} : { copy: d.copy }),
      ...(d.preEmphasis === undefined ? {} : { preEmphasis: d.preEmphasis }),
      ...(d.fourChannel === undefined ? {} : { fourChannel: d.fourChannel }),
      pregapFrames: d.start ?? 0,
      ...(d.frames === null ? {} : { frames: d.frames }),
      files: d.files,
      ...(d.swap === true ? { swap: true } : {}),
      ...(d.subchannel ? { subchannel: d.subchannel } : {}),
    })),
  };
}

/**
 * Writing cdrdao TOC files: a disc (session type, catalog, CD-TEXT) and its
 * tracks (mode, where its frames lie in which file, pregap, ISRC, CD-TEXT,
 * flags) as the text `cdrdao write` burns and `readTocContent` reads back;
 * and a TOC's data file names replaced (a library renaming its BIN files).
 * Pure: text out, nothing touches the disk.
 */
import type { CdTextField } from './cue-sheet.js';
import { checkTocFileName, TOC_MODES } from './toc-file.js';

/** Bytes per frame of each TOC mode in a data file. */
export const TOC_MODE_BYTES: Readonly<Record<string, number>> = {
  AUDIO: 2352, MODE0: 2336, MODE1: 2048, MODE1_RAW: 2352, MODE2: 2336,
  MODE2_FORM1: 2048, MODE2_FORM2: 2324, MODE2_FORM_MIX: 2336, MODE2_RAW: 2352,
};

/** One track to write. */
export interface TocTrackSpec {
  /** cdrdao mode: AUDIO, MODE1, MODE1_RAW, MODE2_RAW... */
  readonly mode: string;
  /** Data file, relative to the TOC's folder. */
  readonly file: string;
  /** Byte offset of the track (its pregap in the file included) in `file`; a whole number of frames. */
  readonly offsetBytes: number;
  /** Frames of the track in the file, pregap included. */
  readonly frames: number;
  /** Frames before INDEX 01 (in the file). */
  readonly pregapFrames: number;
  readonly isrc?: string;
  readonly cdText?: Partial<Record<CdTextField, string>>;
  /** Digital copy permitted (`COPY`); default not (`NO COPY`, what cdrdao writes for most discs). */
  readonly copy?: boolean;
  readonly preEmphasis?: boolean;
  readonly fourChannel?: boolean;
  /** AUDIO: the file's samples are little-endian (a CUE sheet's BINARY), read with `SWAP`; cdrdao's raw default is big-endian. */
  readonly swap?: boolean;
  /** `RW_RAW`: each frame in the file is followed by 96 bytes of raw R-W subchannel (read as DATAFILE, audio big-endian). */
  readonly subchannel?: 'RW_RAW';
}

/** A disc to write. */
export interface TocDiscSpec {
  /** Default: CD_DA when every track is AUDIO, else CD_ROM. */
  readonly sessionType?: 'CD_DA' | 'CD_ROM' | 'CD_ROM_XA' | 'CD_I';
  readonly catalog?: string;
  readonly cdText?: Partial<Record<CdTextField, string>>;
  /** CD-TEXT language of the block (LANGUAGE_MAP entry); default EN. */
  readonly cdTextLanguage?: string;
  readonly tracks: readonly TocTrackSpec[];
}

const FIELD_ORDER: readonly CdTextField[] = ['TITLE', 'PERFORMER', 'SONGWRITER', 'COMPOSER', 'ARRANGER', 'MESSAGE'];

/** A cdrdao quoted string (CD-TEXT is ISO 8859-1: anything else is refused). */
function quote(value: string, what: string): string {
  if (/[^\x20-\x7e\xa0-\xff]/.test(value)) throw new RangeError(`${what}: only printable ISO 8859-1 characters fit a TOC file, got ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** MM:SS:FF of a frame count. */
export function tocMsf(frames: number): string {
  const ff = frames % 75;
  const seconds = Math.floor(frames / 75);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}:${String(ff).padStart(2, '0')}`;
}

function cdTextBlock(fields: Partial<Record<CdTextField, string>> | undefined, indent: string, what: string): string[] {
  const set = FIELD_ORDER.filter((f) => fields?.[f] !== undefined && fields[f] !== '');
  if (set.length === 0) return [];
  return [`${indent}CD_TEXT {`, `${indent}  LANGUAGE 0 {`, ...set.map((f) => `${indent}    ${f} ${quote(fields?.[f] ?? '', `${what} ${f}`)}`), `${indent}  }`, `${indent}}`];
}

function checkTrack(t: TocTrackSpec, n: number): number {
  const frameBytes = TOC_MODE_BYTES[t.mode] === undefined ? undefined : (TOC_MODE_BYTES[t.mode] ?? 0) + (t.subchannel === 'RW_RAW' ? 96 : 0);
  if (frameBytes === undefined || TOC_MODES[t.mode] === undefined) throw new RangeError(`track ${n}: unknown TOC mode ${t.mode}`);
  checkTocFileName(t.file);
  const whole = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
  if (!whole(t.offsetBytes) || t.offsetBytes % frameBytes !== 0 || !whole(t.frames) || t.frames === 0 || !whole(t.pregapFrames) || t.pregapFrames >= t.frames) {
    throw new RangeError(`track ${n}: offset ${t.offsetBytes}, ${t.frames} frames with a pregap of ${t.pregapFrames} do not make a track of ${frameBytes}-byte frames`);
  }
  if (t.isrc !== undefined && !/^[A-Z0-9]{5}\d{7}$/.test(t.isrc)) throw new RangeError(`track ${n}: bad ISRC ${t.isrc}`);
  return frameBytes;
}

/**
 * The TOC file of `disc`. Audio tracks read `FILE "f" start length` (frames
 * of 2352 bytes), data tracks `DATAFILE "f" #offset length`; a pregap in the
 * file is `START mm:ss:ff`. Throws `RangeError` for what cdrdao would refuse
 * or misread (unknown mode, offsets not on a frame, a bad ISRC or catalog,
 * CD-TEXT outside ISO 8859-1, file names leaving the TOC's folder).
 */
export function writeTocFile(disc: TocDiscSpec): string {
  if (disc.tracks.length === 0 || disc.tracks.length > 99) throw new RangeError(`a TOC file holds 1 to 99 tracks, got ${disc.tracks.length}`);
  if (disc.catalog !== undefined && !/^\d{13}$/.test(disc.catalog)) throw new RangeError(`bad catalog number ${disc.catalog}`);
  const audioOnly = disc.tracks.every((t) => t.mode === 'AUDIO');
  const lines = [disc.sessionType ?? (audioOnly ? 'CD_DA' : 'CD_ROM'), ''];
  if (disc.catalog !== undefined) lines.push(`CATALOG "${disc.catalog}"`, '');
  const anyText = Object.keys(disc.cdText ?? {}).length > 0 || disc.tracks.some((t) => Object.keys(t.cdText ?? {}).length > 0);
  if (anyText) {
    // cdrdao wants the language map and a disc block whenever a track has CD-TEXT.
    const language = disc.cdTextLanguage ?? 'EN';
    if (!/^[A-Z0-9]{1,3}$/.test(language)) throw new RangeError(`bad CD-TEXT language ${language}`);
    const disctext = cdTextBlock(disc.cdText, '', 'disc');
    lines.push('CD_TEXT {', '  LANGUAGE_MAP {', `    0 : ${language}`, '  }', ...(disctext.length > 0 ? disctext.slice(1, -1) : ['  LANGUAGE 0 {', '  }']), '}', '');
  }
  disc.tracks.forEach((t, i) => {
    const frameBytes = checkTrack(t, i + 1);
    lines.push(`// Track ${i + 1}`, `TRACK ${t.mode}${t.subchannel === 'RW_RAW' ? ' RW_RAW' : ''}`, t.copy === true ? 'COPY' : 'NO COPY');
    if (t.mode === 'AUDIO') {
      lines.push(t.preEmphasis === true ? 'PRE_EMPHASIS' : 'NO PRE_EMPHASIS', t.fourChannel === true ? 'FOUR_CHANNEL_AUDIO' : 'TWO_CHANNEL_AUDIO');
    }
    if (t.isrc !== undefined) lines.push(`ISRC "${t.isrc}"`);
    if (anyText) lines.push(...(cdTextBlock(t.cdText, '', `track ${i + 1}`).length > 0 ? cdTextBlock(t.cdText, '', `track ${i + 1}`) : ['CD_TEXT {', '  LANGUAGE 0 {', '  }', '}']));
    const name = quote(t.file, `track ${i + 1} file`);
    // cdrdao takes FILE only for audio without subchannel.
    lines.push(t.mode === 'AUDIO' && t.subchannel === undefined
      ? `FILE ${name}${t.swap === true ? ' SWAP' : ''} ${tocMsf(t.offsetBytes / frameBytes)} ${tocMsf(t.frames)}`
      : `DATAFILE ${name} #${t.offsetBytes} ${tocMsf(t.frames)}`);
    if (t.pregapFrames > 0) lines.push(`START ${tocMsf(t.pregapFrames)}`);
    lines.push('');
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The TOC text with the name of every FILE/AUDIOFILE/DATAFILE replaced by
 * `rename(name)` (the same name always gets the same new name). Comments
 * are dropped: cdrdao writes the original paths into them.
 */
export function renameTocFiles(text: string, rename: (name: string) => string): string {
  return text
    .replace(/^(\s*(?:FILE|AUDIOFILE|DATAFILE)\s+)"((?:[^"\\]|\\.)*)"/gm, (_m, lead: string, name: string) => {
      const renamed = rename(name.replace(/\\(.)/g, '$1'));
      checkTocFileName(renamed);
      return `${lead}${quote(renamed, 'file name')}`;
    })
    .replace(/[ \t]*\/\/[^\n"]*$/gm, '');
}

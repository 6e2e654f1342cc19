/**
 * The `.JRQ` keys that may be given more than once, in order (PTBurn's
 * meaning), collected line by line and checked once the file is read:
 *
 * - `Data=<path>` or `Data=<path>>\<path on the disc>` (1..99 lines): a
 *   folder (its contents go to the disc's root, or into the folder named
 *   after `>`) or a file (to the root under its own name, or the name after
 *   `>`). PTBurn's `,SessionX` is refused (one session only).
 * - `MergeField=<text>`: the values of the label's `{{merge.1}}`,
 *   `{{merge.2}}`… in the order of the lines (1..99, 200 characters each).
 * - `CDTextDiscTitle`, `CDTextDiscPerformer`, `CDTextDiscComposer` (once
 *   each) and `CDTextTrackTitle`, `CDTextTrackPerformer`,
 *   `CDTextTrackComposer`: each line is the next track's (track 1 first, as
 *   PTBurn reads them), or the track numbered in the key
 *   (`CDTextTrackTitle3=`); the two forms are not mixed in one kind.
 */
import type { CdTextFields, RunCdText } from '../shared/run-text-schemas.js';
import { cdTextProblem, MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS } from '../shared/run-text-schemas.js';
import type { DataSource } from './job-request.js';
import { JobFileError } from './job-request.js';

/** Most `Data=` lines (PTBurn's). */
export const MAX_DATA_LINES = 99;

type Kind = keyof CdTextFields;
const KINDS: Record<string, Kind> = { title: 'title', performer: 'performer', composer: 'composer' };

/** Collects the repeatable keys of one job file. */
export class JrqLists {
  readonly data: DataSource[] = [];
  readonly merge: string[] = [];
  readonly #disc: { -readonly [K in Kind]?: string } = {};
  readonly #tracks = new Map<number, { -readonly [K in Kind]?: string }>();
  /** Per kind: the next ordered track, or 'numbered' once a numbered key was given. */
  readonly #order = new Map<Kind, number | 'numbered'>();

  /** Take a line whose key is one of these; false when the key is not. Throws `JobFileError`. */
  take(key: string, value: string, line: number): boolean {
    const lower = key.toLowerCase();
    if (lower === 'data') return this.#data(value, line);
    if (lower === 'mergefield') {
      if (this.merge.length >= MAX_LABEL_MERGE_FIELDS) throw new JobFileError(`line ${line}: at most ${MAX_LABEL_MERGE_FIELDS} MergeField lines`);
      if (value.length > MAX_LABEL_MERGE_CHARS) throw new JobFileError(`line ${line}: MergeField: at most ${MAX_LABEL_MERGE_CHARS} characters`);
      this.merge.push(value);
      return true;
    }
    const disc = /^cdtextdisc(title|performer|composer)$/.exec(lower);
    if (disc !== null) {
      const kind = KINDS[disc[1] ?? ''] as Kind;
      if (this.#disc[kind] !== undefined) throw new JobFileError(`line ${line}: ${key} given twice`);
      this.#disc[kind] = cdText(key, value, line);
      return true;
    }
    const track = /^cdtexttrack(title|performer|composer)(\d*)$/.exec(lower);
    if (track !== null) {
      const kind = KINDS[track[1] ?? ''] as Kind;
      const order = this.#order.get(kind);
      let n: number;
      if (track[2] === '') {
        if (order === 'numbered') throw mixed(key, kind, line);
        n = (order ?? 0) + 1;
        this.#order.set(kind, n);
      } else {
        if (typeof order === 'number') throw mixed(key, kind, line);
        n = Number(track[2]);
        this.#order.set(kind, 'numbered');
      }
      if (!Number.isInteger(n) || n < 1 || n > 99) throw new JobFileError(`line ${line}: ${key}: tracks are numbered 1..99`);
      const fields = this.#tracks.get(n) ?? {};
      if (fields[kind] !== undefined) throw new JobFileError(`line ${line}: ${key}: track ${n}'s ${kind} given twice`);
      fields[kind] = cdText(key, value, line);
      this.#tracks.set(n, fields);
      return true;
    }
    if (lower.startsWith('cdtext')) {
      throw new JobFileError(`line ${line}: unknown CD-TEXT key '${key}' (honoured: CDTextDiscTitle, CDTextDiscPerformer, CDTextDiscComposer, CDTextTrackTitle, CDTextTrackPerformer, CDTextTrackComposer)`);
    }
    return false;
  }

  /** The run's CD-TEXT, checked (totals, characters), or undefined when the job gives none. */
  cdText(): RunCdText | undefined {
    if (Object.keys(this.#disc).length === 0 && this.#tracks.size === 0) return undefined;
    const tracks = [...this.#tracks.entries()].sort((a, b) => a[0] - b[0]).map(([track, fields]) => ({ track, ...fields }));
    const result: RunCdText = { ...(Object.keys(this.#disc).length === 0 ? {} : { disc: { ...this.#disc } }), ...(tracks.length === 0 ? {} : { tracks }) };
    const problem = cdTextProblem(result);
    if (problem !== null) throw new JobFileError(`CD-TEXT: ${problem}`);
    return result;
  }

  #data(value: string, line: number): boolean {
    if (this.data.length >= MAX_DATA_LINES) throw new JobFileError(`line ${line}: at most ${MAX_DATA_LINES} Data lines`);
    const arrow = value.indexOf('>');
    const source = (arrow === -1 ? value : value.slice(0, arrow)).trim();
    const dest = arrow === -1 ? '' : value.slice(arrow + 1).trim();
    if (/,\s*session\s*\d+\s*$/i.test(arrow === -1 ? source : dest)) throw new JobFileError(`line ${line}: Data: SessionX is not supported (one session per disc)`);
    if (source === '' || source.length > 4096 || source.includes('\0')) throw new JobFileError(`line ${line}: Data: a path of 1..4096 characters`);
    this.data.push({ source, discPath: discPathOf(dest, line) });
    return true;
  }
}

/** A PTBurn destination (`\Folder\Name`, `/` also taken) as a relative `/`-separated disc path; refused when it climbs out. */
function discPathOf(dest: string, line: number): string {
  if (dest === '') return '';
  if (dest.length > 1024) throw new JobFileError(`line ${line}: Data: the path on the disc is longer than 1024 characters`);
  const parts = dest.replaceAll('\\', '/').split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    // Graft points use '=' as their separator; control characters have no place in a disc name.
    if (p === '..' || /[=*?]/.test(p) || [...p].some((c) => c.charCodeAt(0) < 0x20) || p.length > 255) throw new JobFileError(`line ${line}: Data: '${dest.slice(0, 80)}' is not a path on the disc (no '..', '=', '*', '?' or control characters)`);
  }
  return parts.join('/');
}

function mixed(key: string, kind: Kind, line: number): JobFileError {
  return new JobFileError(`line ${line}: ${key}: give every track's ${kind} numbered or every one in order, not both (in order: track 1 first, as PTBurn reads them)`);
}

function cdText(key: string, value: string, line: number): string {
  if (value === '') throw new JobFileError(`line ${line}: ${key}: empty`);
  return value;
}

/**
 * Per-disc data merge: each copy slot of a run carries something of its own,
 * and slot k always carries row k. The exactly-N rule is per slot, so every
 * row is burned on exactly one counted disc: a failed disc's slot is burned
 * again (its replacement job included) with the same row, and no row is
 * skipped or doubled.
 *
 * The run stores its merge compactly: a serial range, whose row of a slot is
 * worked out wherever a copy job is made (`slotJob`), or the count of its
 * rows (a CSV's, one per slot), which are kept in a Redis key of their own
 * (`RedisSchema.runMergeRows`, read with `RunStore.slotMerge`) so the run's
 * hash, read often, stays small. The drive builds the disc's image from the
 * master and the row just before it burns.
 */
import { isSafeDiscPath } from 'node-cdrecord-wrapper';
import type { MergedFile, SourcedFile } from 'node-cdrecord-wrapper';

/** Serial numbers, one per copy slot: slot k gets `first + k - 1`. */
export interface SerialMerge {
  readonly kind: 'serials';
  readonly first: number;
  /** Digits, zero-padded (0: as they come). */
  readonly pad: number;
  /** Text before the number, e.g. `SN-`. */
  readonly prefix: string;
  /** Where the serial goes on the disc, e.g. `/SERIAL.TXT`. */
  readonly file: string;
}

/** Rows of their own, one per copy slot (a CSV's): the rows are stored apart from the run. */
export interface RowsMerge {
  readonly kind: 'rows';
  /** Rows: one per copy slot. */
  readonly rows: number;
  /** What each row gives, for the record: the CSV's header (`name`, `text:/NOTE.TXT`, `file:/RECIPIENT/letter.pdf`). */
  readonly columns: readonly string[];
  /** Where the rows' source files were copied when the run was made (they are read from there, not from where they came). */
  readonly dir?: string;
}

/** A run's per-disc data. */
export type RunMerge = SerialMerge | RowsMerge;

/** What one copy slot's disc carries of its own. */
export interface DiscMerge {
  /** 1-based row: the copy slot it belongs to. */
  readonly row: number;
  /** What an operator reads for it: `serial 01003`. */
  readonly label: string;
  /** The serial, or the row's values by field name (for labels). */
  readonly fields: Readonly<Record<string, string>>;
  /** Files given as text. */
  readonly files: readonly MergedFile[];
  /** Files copied from local files (on the agent's host: the same path as on the controller's, as for images). */
  readonly sources?: readonly SourcedFile[];
}

/** One row of a merge request: what one disc carries of its own. */
export interface MergeRowRequest {
  /** Text values by name (`{{row.<name>}}` on labels); the first non-empty one names the disc beside its row. */
  readonly fields?: Readonly<Record<string, string>>;
  readonly files?: readonly MergedFile[];
  readonly sources?: readonly SourcedFile[];
}

/** How a run asks for a merge (`CreateRunInput.merge`). */
export interface MergeRequest {
  readonly serials?: {
    readonly first: number;
    /** The last serial; when given, the run's copies must be `last - first + 1`. */
    readonly last?: number;
    readonly pad?: number;
    readonly prefix?: string;
    /** Default `/SERIAL.TXT`. */
    readonly file?: string;
  };
  /** One row per copy slot (row k on copy k), e.g. a CSV's, its files already copied to local paths. */
  readonly rows?: readonly MergeRowRequest[];
  /** The rows' columns, for the record (default: worked out from row 1). */
  readonly columns?: readonly string[];
  /** Where the rows' sources were copied (kept with the run). */
  readonly dir?: string;
}

/** A planned merge: what the run stores, and its rows when they are stored apart. */
export interface PlannedMerge {
  readonly merge: RunMerge;
  readonly rows?: readonly DiscMerge[];
}

/** Highest serial number a run may carry. */
export const MAX_SERIAL = 999_999_999_999;

/** A merge request that cannot be planned: the field at fault and why. */
export interface MergeProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Validate a merge request for a run of `copies` (rows: one per copy, or with
 * `per` 'set' one per set of a set run); a problem, or the merge to store.
 */
export function planMerge(req: MergeRequest, copies: number, per: 'copy' | 'set' = 'copy'): MergeProblem | PlannedMerge {
  const count = `${copies} ${per === 'copy' ? 'copies' : `set${copies === 1 ? '' : 's'}`}`;
  if (req.rows !== undefined && req.serials !== undefined) return { field: 'merge', message: 'a merge has serials or rows, not both' };
  if (req.rows !== undefined) return planRows(req, copies, `one per ${per} (${count})`);
  const s = req.serials;
  if (s === undefined) return { field: 'merge', message: 'a merge needs serials or rows' };
  if (!Number.isSafeInteger(s.first) || s.first < 0 || s.first > MAX_SERIAL) {
    return { field: 'merge.serials.first', message: `the first serial must be an integer 0..${MAX_SERIAL}` };
  }
  if (s.last !== undefined && (!Number.isSafeInteger(s.last) || s.last - s.first + 1 !== copies)) {
    return { field: 'merge.serials.last', message: `serials ${s.first}-${String(s.last)} are not one per ${per} (${count})` };
  }
  if (s.first + copies - 1 > MAX_SERIAL) return { field: 'merge.serials', message: `the last serial would pass ${MAX_SERIAL}` };
  const pad = s.pad ?? 0;
  if (!Number.isSafeInteger(pad) || pad < 0 || pad > 12) return { field: 'merge.serials.pad', message: 'pad is 0..12 digits' };
  const prefix = s.prefix ?? '';
  if (typeof prefix !== 'string' || prefix.length > 32 || /\p{Cc}/u.test(prefix)) {
    return { field: 'merge.serials.prefix', message: 'a prefix is at most 32 printable characters' };
  }
  const file = s.file === undefined ? '/SERIAL.TXT' : s.file.startsWith('/') ? s.file : `/${s.file}`;
  if (!isSafeDiscPath(file)) return { field: 'merge.serials.file', message: `not a file path on the disc: ${JSON.stringify(s.file)}` };
  return { merge: { kind: 'serials', first: s.first, pad, prefix, file } };
}

/** Whether `planMerge` found a problem. */
export function isMergeProblem(v: MergeProblem | PlannedMerge): v is MergeProblem {
  return 'field' in v;
}

/** A row's field name: what `{{row.<name>}}` takes. */
export const MERGE_FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest text of one field or text file of a row. */
export const MAX_MERGE_TEXT = 64 * 1024;

function planRows(req: MergeRequest, copies: number, onePer: string): MergeProblem | PlannedMerge {
  const rows = req.rows ?? [];
  if (!Array.isArray(rows) || rows.length !== copies) return { field: 'merge.rows', message: `${rows.length} rows are not ${onePer}` };
  if (req.dir !== undefined && (typeof req.dir !== 'string' || !req.dir.startsWith('/'))) return { field: 'merge.dir', message: 'the rows\' folder is an absolute path' };
  const planned: DiscMerge[] = [];
  for (const [i, r] of rows.entries()) {
    const at = `merge.rows[${i}]`;
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(r.fields ?? {})) {
      if (!MERGE_FIELD_NAME.test(name)) return { field: `${at}.fields`, message: `row ${i + 1}: a field name is 1..64 letters, digits, _ -, got ${JSON.stringify(name.slice(0, 80))}` };
      if (typeof value !== 'string' || value.length > MAX_MERGE_TEXT) return { field: `${at}.fields.${name}`, message: `row ${i + 1}: ${name} is text of at most ${MAX_MERGE_TEXT} characters` };
      fields[name] = value;
    }
    const files: readonly MergedFile[] = r.files ?? [];
    const sources: readonly SourcedFile[] = r.sources ?? [];
    if (files.length + sources.length === 0) return { field: at, message: `row ${i + 1} gives its disc no file` };
    const seen = new Set<string>();
    for (const [j, f] of [...files, ...sources].entries()) {
      const where = j < files.length ? `${at}.files[${j}]` : `${at}.sources[${j - files.length}]`;
      if (typeof f.discPath !== 'string' || !isSafeDiscPath(f.discPath)) return { field: `${where}.discPath`, message: `row ${i + 1}: not a file path on the disc: ${JSON.stringify(f.discPath)}` };
      if (seen.has(f.discPath)) return { field: `${where}.discPath`, message: `row ${i + 1}: ${f.discPath} is given twice` };
      seen.add(f.discPath);
      if (j < files.length) {
        const text = (f as MergedFile).text;
        if (typeof text !== 'string' || text.length > MAX_MERGE_TEXT) return { field: `${where}.text`, message: `row ${i + 1}: ${f.discPath} is text of at most ${MAX_MERGE_TEXT} characters` };
      } else {
        const source = (f as SourcedFile).source;
        if (typeof source !== 'string' || !source.startsWith('/') || /\p{Cc}/u.test(source)) return { field: `${where}.source`, message: `row ${i + 1}: the source of ${f.discPath} is not an absolute path` };
      }
    }
    planned.push({
      row: i + 1,
      label: rowLabel(i + 1, fields),
      fields,
      files: files.map((f) => ({ discPath: f.discPath, text: f.text })),
      ...(sources.length === 0 ? {} : { sources: sources.map((f) => ({ discPath: f.discPath, source: f.source })) }),
    });
  }
  const first = planned[0];
  const columns = req.columns ?? (first === undefined ? [] : [
    ...Object.keys(first.fields), ...first.files.map((f) => `text:${f.discPath}`), ...(first.sources ?? []).map((f) => `file:${f.discPath}`),
  ]);
  if (!Array.isArray(columns) || columns.length > 256 || columns.some((c) => typeof c !== 'string' || c.length > 300)) {
    return { field: 'merge.columns', message: 'columns are at most 256 names of at most 300 characters' };
  }
  return { merge: { kind: 'rows', rows: planned.length, columns: [...columns], ...(req.dir === undefined ? {} : { dir: req.dir }) }, rows: planned };
}

/** What an operator reads for row `row`: `row 12 · Ada Lovelace` (its first non-empty field, shortened), or `row 12`. */
export function rowLabel(row: number, fields: Readonly<Record<string, string>>): string {
  const first = Object.values(fields).map((v) => v.replace(/\p{Cc}+/gu, ' ').trim()).find((v) => v !== '');
  if (first === undefined) return `row ${row}`;
  return `row ${row} · ${first.length > 60 ? `${first.slice(0, 59)}…` : first}`;
}

/** The serial text of copy slot `copy`. */
export function serialOf(merge: SerialMerge, copy: number): string {
  return `${merge.prefix}${String(merge.first + copy - 1).padStart(merge.pad, '0')}`;
}

/**
 * What copy slot `copy` (1-based) of a run with serials carries. A run of
 * rows keeps them apart: its slot's row is read with `RunStore.slotMerge`.
 */
export function discMergeOf(merge: RunMerge, copy: number): DiscMerge {
  if (merge.kind !== 'serials') throw new Error(`copy ${copy}'s row of a run of rows is read from the run's rows (RunStore.slotMerge)`);
  const serial = serialOf(merge, copy);
  return { row: copy, label: `serial ${serial}`, fields: { serial }, files: [{ discPath: merge.file, text: `${serial}\n` }] };
}

/** A run's merge in words: `serials SN-01001 to SN-01100 in /SERIAL.TXT`, `12 CSV rows (name, file:/RECIPIENT/letter.pdf)`. */
export function mergeSummary(merge: RunMerge, copies: number): string {
  if (merge.kind === 'rows') {
    const columns = merge.columns.join(', ');
    return `${merge.rows} CSV row${merge.rows === 1 ? '' : 's'} (${columns.length > 160 ? `${columns.slice(0, 159)}…` : columns})`;
  }
  return `serials ${serialOf(merge, 1)} to ${serialOf(merge, copies)} in ${merge.file}`;
}

'use client';
/**
 * The new-run form's per-disc data (issue 15): none, serial numbers from a
 * first serial (`SN-01001`: prefix, number, zero-padding as written, one per
 * copy), or a CSV of one row per disc, read in the browser with the reader
 * the controller uses so its rows give the copies and a bad CSV is named at
 * once (row and column); the controller checks it again, and its files.
 * The form remounts it (a new `key`) to start again empty.
 */
import type { ReactNode } from 'react';
import { useState } from 'react';
import type { CreateRunRequest } from '../lib/contract';
import { MERGE_CSV_MAX_BYTES, parseMergeCsv } from '../lib/merge-csv';

/** What the operator chose. */
export type MergeChoice =
  | { readonly kind: 'none' }
  | { readonly kind: 'serials'; readonly first: string }
  | { readonly kind: 'csv'; readonly name: string; readonly text: string; readonly rows: number };

/** The request's `merge` of a choice, or a problem in words. */
export function mergeRequestOf(choice: MergeChoice): { readonly merge?: CreateRunRequest['merge']; readonly problem?: string } {
  if (choice.kind === 'none') return {};
  if (choice.kind === 'csv') return { merge: { csv: choice.text } };
  const m = /^(.{0,32}?)(\d{1,12})$/.exec(choice.first.trim());
  if (m === null || /\d$/.test(m[1] ?? '')) return { problem: 'The first serial is a number of up to 12 digits, with an optional prefix: 1001, 01001, SN-01001.' };
  const [, prefix = '', digits = ''] = m;
  return {
    merge: {
      serials: {
        first: Number(digits),
        ...(digits.length > 1 && digits.startsWith('0') ? { pad: digits.length } : {}),
        ...(prefix === '' ? {} : { prefix }),
      },
    },
  };
}

export function MergeFields({ choice, onChange }: {
  readonly choice: MergeChoice;
  /** `rows`: a CSV's rows, the copies it asks for. */
  readonly onChange: (choice: MergeChoice, rows?: number) => void;
}): ReactNode {
  const [mode, setMode] = useState<MergeChoice['kind']>(choice.kind);
  const [csvError, setCsvError] = useState<string | null>(null);
  const readCsv = async (file: File | undefined): Promise<void> => {
    setCsvError(null);
    onChange({ kind: 'none' });
    if (file === undefined) return;
    if (file.size > MERGE_CSV_MAX_BYTES) {
      setCsvError(`${file.name} is larger than ${MERGE_CSV_MAX_BYTES / 1024} KiB.`);
      return;
    }
    const text = await file.text();
    try {
      const rows = parseMergeCsv(text).rows.length;
      onChange({ kind: 'csv', name: file.name, text, rows }, rows);
    } catch (err) {
      setCsvError(`${file.name}: ${(err as Error).message}`);
    }
  };
  return (
    <>
      <label htmlFor="run-merge">Per-disc data</label>
      <div>
        <div className="row">
          <select id="run-merge" value={mode} onChange={(e) => {
            const kind = e.target.value as MergeChoice['kind'];
            setMode(kind);
            setCsvError(null);
            onChange(kind === 'serials' ? { kind: 'serials', first: '' } : { kind: 'none' });
          }}>
            <option value="none">None: every disc the same</option>
            <option value="serials">A serial number on each disc</option>
            <option value="csv">A CSV row on each disc</option>
          </select>
          {mode === 'serials' ? (
            <input aria-label="First serial" type="text" maxLength={44} required placeholder="first serial, e.g. SN-01001"
              value={choice.kind === 'serials' ? choice.first : ''} onChange={(e) => onChange({ kind: 'serials', first: e.target.value })} />
          ) : null}
          {mode === 'csv' ? (
            <input aria-label="Merge CSV" type="file" accept=".csv,text/csv" required={choice.kind !== 'csv'} onChange={(e) => void readCsv(e.target.files?.[0])} />
          ) : null}
        </div>
        {mode === 'serials' ? <p className="muted">Copy 1 gets the first serial, copy 2 the next; each disc gets /SERIAL.TXT.</p> : null}
        {mode === 'csv' ? (
          <p className="muted" role={csvError === null ? undefined : 'alert'}>
            {csvError ?? (choice.kind === 'csv'
              ? `${choice.name}: ${choice.rows} rows, one per disc (the copies).`
              : 'Header: file:/PATH (source files inside the import roots), text:/PATH, field names; then one row per disc.')}
          </p>
        ) : null}
      </div>
    </>
  );
}

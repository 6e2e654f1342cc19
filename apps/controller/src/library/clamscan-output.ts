/**
 * Reading what clamscan printed. On stdout, one line per file and finding,
 * `<path>: OK` or `<path>: <signature> FOUND` (with `--allmatch`, every
 * finding, sometimes twice), then the summary (`Known viruses: N`,
 * `Engine version: 1.4.6`). On stderr, its errors (`ERROR: ...`,
 * `LibClamAV Error: ...`). Exit status: 0 nothing found, 1 something found,
 * 2 an error (any other: an error too).
 *
 * A path may hold `: `, so lines are matched against the paths that were
 * given, longest first, never split at the first colon.
 */
import type { MalwareScanResult } from './malware-scan.js';

/** Signatures clamscan reports when a limit stopped it reading (with `--alert-exceeds-max`): not malware, but not a full scan. */
const LIMIT_SIGNATURE = /^Heuristics\.Limits\.Exceeded\b/;

/** A file given to clamscan: its path, and its name in the scan's record. */
export interface ScannedFile {
  readonly path: string;
  readonly name: string;
}

/** What one run of clamscan said. */
export interface ClamscanVerdict {
  readonly result: MalwareScanResult;
  readonly signatures: string[];
  readonly found: { file: string; signature: string }[];
  readonly engine: string | null;
  readonly knownSignatures: number | null;
  readonly error?: string;
}

/** The error lines of stderr, joined, or its last line, or a fallback. */
function errorText(stderr: string, fallback: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /^(ERROR|LibClamAV Error|WARNING)\b/i.test(l) || / (No such file|Can't)/.test(l));
  const text = (errors.length > 0 ? errors : lines.slice(-1)).join('; ');
  return text === '' ? fallback : text.slice(0, 1000);
}

/** Read clamscan's output for `files`, its exit `code` (null: killed by `signal`). */
export function readClamscanOutput(files: readonly ScannedFile[], stdout: string, stderr: string, code: number | null, signal: string | null = null): ClamscanVerdict {
  const byLength = [...files].sort((a, b) => b.path.length - a.path.length);
  const found: { file: string; signature: string }[] = [];
  const ok = new Set<string>();
  let engine: string | null = null;
  let knownSignatures: number | null = null;
  for (const line of stdout.split(/\r?\n/)) {
    const summary = /^(Known viruses|Engine version): (.+)$/.exec(line);
    if (summary !== null) {
      if (summary[1] === 'Engine version') engine = `ClamAV ${summary[2]?.trim() ?? ''}`;
      else knownSignatures = Number(summary[2]);
      continue;
    }
    const file = byLength.find((f) => line.startsWith(`${f.path}: `));
    if (file === undefined) continue;
    const said = line.slice(file.path.length + 2).trim();
    if (said === 'OK') ok.add(file.name);
    const m = / FOUND$/.test(said) ? said.slice(0, -' FOUND'.length).trim() : null;
    if (m !== null && m !== '' && !found.some((f) => f.file === file.name && f.signature === m)) found.push({ file: file.name, signature: m });
  }
  const base = { engine, knownSignatures: Number.isSafeInteger(knownSignatures) ? knownSignatures : null };
  const malware = found.filter((f) => !LIMIT_SIGNATURE.test(f.signature));
  const unique = (list: typeof found): string[] => [...new Set(list.map((f) => f.signature))];
  // A match is a match, whatever else went wrong.
  if (malware.length > 0) return { ...base, result: 'infected', signatures: unique(malware), found: malware };
  if (code === null) return { ...base, result: 'error', signatures: [], found: [], error: `clamscan was stopped by ${signal ?? 'a signal'}` };
  const unread = files.filter((f) => !ok.has(f.name) && !found.some((x) => x.file === f.name));
  if (code > 1 || unread.length > 0 || (code === 1 && found.length === 0)) {
    const fallback = unread.length > 0 ? `clamscan said nothing of ${unread.map((f) => f.name).join(', ')} (exit status ${code})` : `clamscan exited with status ${code}`;
    return { ...base, result: 'error', signatures: [], found: [], error: errorText(stderr, fallback) };
  }
  if (found.length > 0) return { ...base, result: 'incomplete', signatures: unique(found), found };
  return { ...base, result: 'clean', signatures: [], found: [] };
}

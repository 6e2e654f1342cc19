/**
 * Rebuild the library's index from its folder. Sidecars are the truth; an
 * image file without a sidecar is validated, hashed and given one
 * ("adopted"); a sidecar whose files are gone is reported as an orphan.
 * Temporary files (`.tmp-*`) and other dot files are ignored. Nothing is
 * ever deleted here.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from './atomic-file.js';
import { normaliseDamage } from './damage-report.js';
import { isLibraryError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ImageFile, ImageRecord } from './image-record.js';
import { isImageId, SIDECAR_SUFFIX, sidecarName, sidecarProblem } from './image-record.js';
import type { ValidatedImage } from './image-validator.js';
import { sniffImageFormat, validateImageFile } from './image-validator.js';
import { buildRecord } from './record-builder.js';

/** What `rebuild()` found. */
export interface RebuildReport {
  /** Images in the index after the rebuild. */
  readonly images: number;
  /** Ids given to image files that had no sidecar. */
  readonly adopted: string[];
  /** Sidecars whose image files are missing (left in place, not indexed). */
  readonly orphanSidecars: { readonly file: string; readonly missing: string[] }[];
  /** Sidecars that cannot be used (bad JSON, wrong shape, size differs from the file). */
  readonly invalidSidecars: { readonly file: string; readonly reason: string }[];
  /** Files without a sidecar that are no acceptable image (left in place). */
  readonly rejectedFiles: { readonly file: string; readonly reason: string; readonly code?: string }[];
}

/** Dependencies of a scan. */
export interface ScanContext {
  readonly newId: () => string;
  readonly now: () => string;
}

async function loadSidecar(dir: string, file: string, report: RebuildReport): Promise<ImageRecord | null> {
  const id = file.slice(0, -SIDECAR_SUFFIX.length);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  } catch (err) {
    report.invalidSidecars.push({ file, reason: `unreadable JSON: ${(err as Error).message}` });
    return null;
  }
  const problem = isImageId(id) ? sidecarProblem(parsed, id) : 'file name is not an image id';
  if (problem) {
    report.invalidSidecars.push({ file, reason: problem });
    return null;
  }
  const record = parsed as ImageRecord;
  const missing: string[] = [];
  for (const f of record.files) {
    const info = await stat(path.join(dir, f.path)).catch(() => null);
    if (!info?.isFile()) missing.push(f.path);
    else if (info.size !== f.bytes) {
      report.invalidSidecars.push({ file, reason: `${f.path} is ${info.size} bytes, the sidecar says ${f.bytes}` });
      return null;
    }
  }
  if (missing.length > 0) {
    report.orphanSidecars.push({ file, missing });
    return null;
  }
  return record;
}

async function adopt(dir: string, realDir: string, file: string, v: ValidatedImage, ctx: ScanContext): Promise<ImageRecord> {
  const files: ImageFile[] = [];
  const combined = createHash('sha256');
  let sha256: string;
  if (v.format === 'iso') {
    const hash = await hashFile(path.join(dir, file));
    files.push({ path: file, role: 'iso', bytes: hash.bytes, sha256: hash.sha256 });
    sha256 = hash.sha256;
  } else {
    const cue = await hashFile(path.join(dir, file));
    files.push({ path: file, role: 'cue', bytes: cue.bytes, sha256: cue.sha256 });
    for (const bin of v.bins) {
      const hash = await hashFile(bin.path, [combined]);
      files.push({ path: path.relative(realDir, bin.path), role: 'bin', bytes: hash.bytes, sha256: hash.sha256 });
    }
    sha256 = combined.digest('hex');
  }
  const now = ctx.now();
  const record = buildRecord(v, {
    id: ctx.newId(),
    name: file,
    imageFile: file,
    files,
    sha256,
    provenance: { kind: 'adopted', fileName: file, at: now },
    damage: normaliseDamage(undefined, v.sectors),
    now,
  });
  await writeFileAtomic(path.join(dir, sidecarName(record.id)), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Scan `dir`: load sidecars, adopt sidecar-less images, report the rest. */
export async function scanLibrary(dir: string, ctx: ScanContext): Promise<{ records: Map<string, ImageRecord>; report: RebuildReport }> {
  const report: RebuildReport = { images: 0, adopted: [], orphanSidecars: [], invalidSidecars: [], rejectedFiles: [] };
  const records = new Map<string, ImageRecord>();
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const claimed = new Set<string>();
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith(SIDECAR_SUFFIX)) continue;
    claimed.add(e.name);
    const record = await loadSidecar(dir, e.name, report);
    if (record) records.set(record.id, record);
    // Files named by any readable sidecar stay claimed, so leftovers of an orphan are not adopted piecemeal.
    try {
      const raw = JSON.parse(await readFile(path.join(dir, e.name), 'utf8')) as { files?: { path?: unknown }[] };
      for (const f of raw.files ?? []) if (typeof f.path === 'string') claimed.add(path.normalize(f.path));
    } catch {
      // already reported as invalid
    }
  }
  const realDir = await realpath(dir);
  const candidates = entries.filter((e) => e.isFile() && !claimed.has(e.name)).map((e) => e.name);
  const formats = new Map<string, 'iso' | 'cue' | Error>();
  for (const name of candidates) {
    formats.set(name, await sniffImageFormat(path.join(dir, name)).catch((err: Error) => err));
  }
  // CUE sheets first, so the BINs they name are claimed before anything else is judged.
  const ordered = [...candidates.filter((n) => formats.get(n) === 'cue'), ...candidates.filter((n) => formats.get(n) !== 'cue')];
  const rejected = new Map<string, { reason: string; code?: string }>();
  for (const name of ordered) {
    if (claimed.has(name)) continue;
    const format = formats.get(name);
    try {
      if (format instanceof Error) throw format;
      const v = await validateImageFile(path.join(dir, name), { binRoots: [realDir] });
      if (v.format === 'cue' && v.bins.some((b) => claimed.has(path.relative(realDir, b.path)))) {
        throw new Error('its BIN files belong to another image');
      }
      const record = await adopt(dir, realDir, name, v, ctx);
      records.set(record.id, record);
      report.adopted.push(record.id);
      for (const f of record.files) {
        claimed.add(f.path);
        rejected.delete(f.path);
      }
    } catch (err) {
      rejected.set(name, { reason: (err as Error).message, ...(isLibraryError(err) ? { code: err.code } : {}) });
    }
  }
  for (const [file, why] of rejected) if (!claimed.has(file)) report.rejectedFiles.push({ file, ...why });
  return { records, report: { ...report, images: records.size } };
}

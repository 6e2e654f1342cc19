/**
 * A merged copy's disc image: the run's ISO plus the files of the copy's
 * merge row, built in the staging directory just before the burn
 * (`buildMergedIso`, xorriso). Burn and verify both take it; its SHA-256 is
 * the one recorded with the attempt, so the audit says which bytes each disc
 * carries. The caller removes it when the disc is done.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildMergedIso } from 'node-cdrecord-wrapper';
import type { CopyJob } from './job-types.js';
import type { RunImage } from './run-image.js';

/** The file name of a disc's image built here (`<run>-copy<k>-<8 hex>.iso`): what a staging folder's clean-up removes. */
export const STAGED_IMAGE_NAME = /^[A-Za-z0-9_.-]+-copy\d+-[0-9a-f]{8}\.iso$/;

/** Build copy `job`'s own image in `stagingDir` (default the system's temporary directory). */
export async function buildDiscImage(job: CopyJob, stagingDir: string | undefined, signal: AbortSignal | undefined): Promise<RunImage> {
  if (job.merge === undefined) return job.image;
  const name = `${job.runId.replace(/[^A-Za-z0-9_.-]/g, '_')}-copy${job.copy}-${randomUUID().slice(0, 8)}.iso`;
  const built = await buildMergedIso({
    master: job.image.path,
    out: path.join(stagingDir ?? path.join(tmpdir(), 'tower-staging'), name),
    files: job.merge.files,
    ...(job.merge.sources === undefined ? {} : { sources: job.merge.sources }),
    ...(signal === undefined ? {} : { signal }),
  });
  return { path: built.path, format: 'iso', sha256: built.sha256, sizeBytes: built.sizeBytes, sectors: built.sectors };
}

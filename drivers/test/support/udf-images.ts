/**
 * Pure UDF test images made by the real tool: `mkudffs` (udftools) on a
 * file, and what `udfinfo` (udftools) says about them, to hold the reader's
 * findings against.
 */
import { spawnSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Media type mkudffs accepts for a UDF revision (it refuses 2.50+ on `hd`, below 1.50 on write-once media). */
export function mediaTypeFor(revision: string): string {
  return Number(revision) >= 2.5 ? 'bdr' : 'hd';
}

/** Make a pure UDF image of `bytes` bytes with mkudffs. */
export function makeUdf(dir: string, options: { name: string; revision: string; label: string; bytes?: number; mediaType?: string }): string {
  const file = path.join(dir, options.name);
  writeFileSync(file, '');
  truncateSync(file, options.bytes ?? 8 * 1024 * 1024);
  const media = options.mediaType ?? mediaTypeFor(options.revision);
  const args = [`--media-type=${media}`, ...(media === 'hd' ? ['--blocksize=2048'] : []), `--udfrev=${options.revision}`, `--label=${options.label}`, file];
  const run = spawnSync('mkudffs', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`mkudffs ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return file;
}

/** `udfinfo`'s key=value lines for an image (label, udfrev, blocks...). */
export function udfinfo(file: string): Record<string, string> {
  const run = spawnSync('udfinfo', [file], { encoding: 'utf8' });
  const facts: Record<string, string> = {};
  for (const line of run.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('start=')) facts[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return facts;
}

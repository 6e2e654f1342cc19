/**
 * End-to-end support for `stdio:` pseudo drives with an output folder
 * (`agent.drives[].outputDir`): the discs kept there, checked against the
 * run's history: each passed file is a counted attempt's disc, byte for byte
 * its own image (SHA-256), readable with xorriso, with its serial in
 * SERIAL.TXT; and the serials 1..N are there once each.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { AttemptView } from '../../../src/shared/api-types.js';

/** The `.iso` files of a folder, sorted (none when it does not exist). */
export function isoFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.iso')).sort() : [];
}

/** The attempt id's first 8 characters and the result, from a kept disc's name. */
export function nameParts(name: string): { attempt8: string; result: string } | null {
  const m = /_([0-9a-f]{8})_(passed|failed)(~\d+)?\.iso$/.exec(name);
  return m === null ? null : { attempt8: m[1]!, result: m[2]! };
}

/** SERIAL.TXT of a disc image file, read with xorriso. */
export function serialOn(file: string, scratch: string): string {
  const out = path.join(scratch, `serial-${createHash('sha1').update(file).digest('hex')}.txt`);
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', '/SERIAL.TXT', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xorriso could not read SERIAL.TXT from ${file}: ${r.stderr}`);
  return readFileSync(out, 'utf8');
}

/**
 * The output folder holds exactly `copies` passed discs, one per counted
 * attempt, each its own disc image with its serial; the serials are 1..copies
 * once each. Returns the attempt ids (8 characters) of the passed files.
 */
export function expectKeptDiscs(out: string, history: readonly AttemptView[], copies: number, scratch: string): string[] {
  const files = isoFiles(out);
  expect(files).toHaveLength(copies);
  const serials: number[] = [];
  const ids: string[] = [];
  for (const name of files) {
    const parts = nameParts(name);
    expect(parts?.result, name).toBe('passed');
    const attempt = history.find((a) => a.id.startsWith(parts!.attempt8));
    expect(attempt, `the attempt of ${name}`).toBeDefined();
    expect(attempt).toMatchObject({ outcome: 'passed', counted: true });
    const serial = (attempt!.merge?.label ?? '').replace(/^serial /, '');
    expect(name).toContain(`_copy-${String(attempt!.copy).padStart(4, '0')}_serial-${serial}_`);
    const file = path.join(out, name);
    // The file is the disc exactly: its own image, which differs from every other disc's by its serial.
    expect(createHash('sha256').update(readFileSync(file)).digest('hex'), name).toBe(attempt!.imageSha256);
    expect(serialOn(file, scratch)).toBe(`${serial}\n`);
    serials.push(Number(serial));
    ids.push(parts!.attempt8);
  }
  expect(serials.sort((a, b) => a - b)).toEqual(Array.from({ length: copies }, (_, i) => i + 1));
  expect(new Set(history.filter((a) => a.counted).map((a) => a.imageSha256)).size).toBe(copies);
  return ids;
}

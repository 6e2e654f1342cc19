/**
 * Parsers for the read path: `readom`/`readcd`, `dd`, `cdrdao read-cd` and
 * `cdrdao read-test`. All of them write progress to stderr, CR-terminated, so
 * feed the per-piece parsers pieces split on `\r` **and** `\n`
 * ({@link splitPieces}); the `parse…Output` functions take a whole output.
 *
 * Exit codes are not to be trusted here: readom exits 0 with unread sectors
 * and cdrdao prints `ERROR: Cannot get catalog number.` in successful runs,
 * so the summaries are built from the text.
 *
 * This module gathers the per-tool parsers (`readom-output.ts`,
 * `dd-output.ts`, `cdrdao-read-output.ts`). Pure functions; none throws.
 */
export { allPieces, splitPieces } from './progress-pieces.js';
export type { ReadomEvent, ReadomFailure, ReadomSummary } from './readom-output.js';
export { parseReadomOutput, parseReadomPiece } from './readom-output.js';
export type { DdProgress, DdSummary } from './dd-output.js';
export { parseDdOutput, parseDdProgress } from './dd-output.js';
export type { CdrdaoCopyTrack, CdrdaoReadSummary, CdrdaoReadTestSummary } from './cdrdao-read-output.js';
export {
  msfToSectors,
  parseCdrdaoReadOutput,
  parseCdrdaoReadProgress,
  parseCdrdaoReadTestOutput,
  parseCdrdaoReadTestProgress,
} from './cdrdao-read-output.js';

const SECTOR_BYTES = 2048;

/** Bytes of `sectors` 2048-byte sectors (for turning readom/dd sector counts into progress bytes). */
export function sectorsToBytes(sectors: number): number {
  return sectors * SECTOR_BYTES;
}

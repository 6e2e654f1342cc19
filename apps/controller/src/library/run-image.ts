/**
 * A library image as a run carries it: the one place a record becomes the
 * `RunImage` that goes, unchanged, into the run, each copy job, the burn and
 * the verify.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunImage } from '@tower/jobs';
import { MAX_TOC_BYTES, tocHasCdTextBlocks } from 'node-cdrecord-wrapper';
import type { ImageRecord } from './image-record.js';
import { tocPathOf } from './image-record.js';
import { storedBins } from './chd-storage.js';

/**
 * The run image of `record`, whose file (the ISO or the CUE sheet) is at
 * `file`; for an image stored compressed, with its compressed file (beside
 * it in the library folder), which each agent stages before the burn.
 */
export function runImageOf(record: ImageRecord, file: string): RunImage {
  const storage = record.storage;
  return {
    path: file, format: record.format, sha256: record.sha256, sizeBytes: record.sizeBytes, sectors: record.sectors,
    ...(record.fileIdentity === undefined ? {} : { identity: record.fileIdentity }),
    // Its copies go only to drives that burn every track mode (a stdio: drive burns no audio).
    ...(record.format === 'cue' ? { trackModes: record.tracks.map((t) => t.mode) } : {}),
    ...tocWithText(tocPathOf(record, file).tocPath),
    ...(storage === undefined ? {} : {
      stored: {
        path: path.join(path.dirname(file), storage.file), compression: storage.compression, bytes: storage.bytes,
        // A CHD holds the BIN files; the CUE sheet (and TOC) stay beside it, and the agent stages them together.
        ...(storage.compression === 'chd' ? { bins: storedBins(storage.bins) } : {}),
      },
    }),
  };
}

/**
 * `{ tocPath }` of a TOC file, with `cdText: true` when it has CD-TEXT blocks: its copies then go only to
 * drives declared to write CD-TEXT (the drive's own rule, read from the file here once). A TOC that cannot
 * be read says nothing: the drive refuses it at the burn.
 */
export function tocWithText(tocPath: string | undefined): { tocPath?: string; cdText?: true } {
  if (tocPath === undefined) return {};
  let text: string;
  try {
    const bytes = readFileSync(tocPath);
    if (bytes.length > MAX_TOC_BYTES) return { tocPath };
    text = bytes.toString('latin1');
  } catch {
    return { tocPath };
  }
  return tocHasCdTextBlocks(text) ? { tocPath, cdText: true } : { tocPath };
}

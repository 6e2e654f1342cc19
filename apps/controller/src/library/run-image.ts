/**
 * A library image as a run carries it: the one place a record becomes the
 * `RunImage` that goes, unchanged, into the run, each copy job, the burn and
 * the verify.
 */
import path from 'node:path';
import type { RunImage } from '@tower/jobs';
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
    ...tocPathOf(record, file),
    ...(storage === undefined ? {} : {
      stored: {
        path: path.join(path.dirname(file), storage.file), compression: storage.compression, bytes: storage.bytes,
        // A CHD holds the BIN files; the CUE sheet (and TOC) stay beside it, and the agent stages them together.
        ...(storage.compression === 'chd' ? { bins: storedBins(storage.bins) } : {}),
      },
    }),
  };
}

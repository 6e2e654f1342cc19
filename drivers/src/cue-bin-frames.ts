/**
 * Random-access reads of a CUE image's BIN files as one run of frames (see
 * `binFrameMap`), and the scan for Mode 2 Form 2 frames that a data read
 * cannot return.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { BinFrameMap } from './cue-readback.js';
import { binFrameMap, isForm2, trackReadBack, verifySegments } from './cue-readback.js';
import type { DriveKind } from './drive-contract.js';
import { ImageError } from './errors.js';
import type { CueImageInfo } from './image/image-reader.js';

/** The BIN files of one image, open for reading frames. */
export class BinFrames {
  readonly map: BinFrameMap;
  readonly #paths: readonly string[];
  readonly #handles = new Map<number, Promise<FileHandle>>();

  constructor(info: CueImageInfo, map: BinFrameMap = binFrameMap(info)) {
    this.map = map;
    this.#paths = info.bins.map((b) => b.path);
  }

  /** Frame size of the file holding `frame`. */
  frameBytesAt(frame: number): number {
    return this.map.frameBytes[this.#fileOf(frame)] ?? 0;
  }

  /**
   * The raw bytes of `count` frames from `frame`, in one buffer (frames of
   * files of other sizes keep theirs). `ImageError` when a file is shorter
   * than it was or cannot be read.
   */
  async read(frame: number, count: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let at = frame;
    const end = frame + count;
    while (at < end) {
      const f = this.#fileOf(at);
      const fileFirst = this.map.fileFrame[f] ?? 0;
      const fileEnd = fileFirst + (this.map.frames[f] ?? 0);
      const bytes = this.map.frameBytes[f] ?? 0;
      const n = Math.min(end, fileEnd) - at;
      if (n <= 0) throw new ImageError(`frame ${at} lies past the BIN files' end (${this.map.totalFrames} frames)`);
      const buf = Buffer.allocUnsafe(n * bytes);
      const path = this.#paths[f] ?? '';
      try {
        const handle = await this.#handle(f);
        const { bytesRead } = await handle.read(buf, 0, buf.length, (at - fileFirst) * bytes);
        if (bytesRead !== buf.length) throw new Error(`the file ended at byte ${(at - fileFirst) * bytes + bytesRead}`);
      } catch (err) {
        throw new ImageError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
      parts.push(buf);
      at += n;
    }
    return parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts);
  }

  /** Close the files. */
  async close(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    for (const h of handles) await (await h.catch(() => null))?.close();
  }

  #fileOf(frame: number): number {
    const starts = this.map.fileFrame;
    let f = 0;
    while (f + 1 < starts.length && (starts[f + 1] ?? Infinity) <= frame) f++;
    return f;
  }

  #handle(f: number): Promise<FileHandle> {
    let h = this.#handles.get(f);
    if (h === undefined) {
      h = open(this.#paths[f] ?? '', 'r');
      h.catch(() => undefined);
      this.#handles.set(f, h);
    }
    return h;
  }
}

/** Frames read at once when scanning. */
const SCAN_FRAMES = 512;

/**
 * The first Mode 2 Form 2 frame of the tracks a drive of `kind` would
 * compare, as `{ track, frame }` (frame: disc LBA), or null when there is
 * none. Reads only the MODE2 and CD-i tracks.
 */
export async function findForm2Frame(info: CueImageInfo, kind: DriveKind): Promise<{ track: number; frame: number } | null> {
  const frames = new BinFrames(info);
  try {
    for (const seg of verifySegments(info, kind, frames.map)) {
      const rb = seg.readBack;
      if (rb.kind !== 'data' || rb.subheaderAt === undefined) continue;
      for (let i = 0; i < seg.frames; i += SCAN_FRAMES) {
        const n = Math.min(SCAN_FRAMES, seg.frames - i);
        const buf = await frames.read(seg.binFrame + i, n);
        const size = buf.length / n;
        for (let k = 0; k < n; k++) {
          if (isForm2(buf.subarray(k * size, (k + 1) * size), rb.subheaderAt)) return { track: seg.track, frame: seg.discFrame + i + k };
        }
      }
    }
    return null;
  } finally {
    await frames.close();
  }
}

/** Why `info` cannot be verified on a drive of `kind` because of its Form 2 frames, or null. */
export async function form2Problem(info: CueImageInfo, kind: DriveKind): Promise<string | null> {
  if (!info.tracks.some((t) => trackReadBack(t.mode).kind === 'data' && /^(MODE2|CDI)\//.test(t.mode))) return null;
  const found = await findForm2Frame(info, kind);
  return found === null ? null
    : `track ${found.track} holds Mode 2 Form 2 sectors (the first at LBA ${found.frame}), which a drive cannot read back as 2048-byte user data`;
}

/**
 * A container's tracks (multi-track, audio or mixed-mode NRG, CDI and
 * CloneCD images) into the library as a CUE image: the drivers' `planCueText`
 * writes one BIN per track (pregap as INDEX 00, then INDEX 01), each BIN is
 * copied out of the container by its byte range under the library's size
 * limit, and the staged CUE image is validated like any other.
 *
 * The proof, refused when it fails: the CUE image laid out again from the
 * staged files gives every track the mode, pregap and length the container's
 * descriptors gave it (`checkPlanLayout`), and every BIN, read back from the
 * library's volume, hashes to its byte range of the container, read again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { PlannedTrack } from 'node-cdrecord-wrapper';
import { checkPlan, checkPlanLayout, planCueText } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import type { ByteBudget } from './hashing-copy.js';
import { hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import type { StagedImage, Staging } from './image-intake.js';
import { stageCue } from './image-intake.js';

/** A staged CUE image made from a plan, and its proof in words. */
export interface PlannedCue {
  readonly staged: StagedImage;
  /** What was checked, for the provenance. */
  readonly proof: string;
}

const trackBytes = (t: PlannedTrack): number => t.end - t.pregapOffset;

async function rangeSha256(t: PlannedTrack): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(t.source, { start: t.pregapOffset, end: t.end - 1 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Stage `tracks` (of the container `what`, e.g. `NRG image disc.nrg`) as a
 * CUE image. Refusals: `ImageConversionError` for a plan out of order, a mode
 * a CUE sheet cannot name, or a proof that fails; `ConversionTooLargeError`
 * above `options.limitBytes`; then the CUE image's own validation.
 */
export async function stagePlannedCue(staging: Staging, id: string, what: string, tracks: readonly PlannedTrack[], options: ConversionOptions): Promise<PlannedCue> {
  try {
    checkPlan(what, tracks);
  } catch (err) {
    throw fromImageReadError(err);
  }
  const total = tracks.reduce((sum, t) => sum + trackBytes(t), 0);
  if (total > options.limitBytes) throw new ConversionTooLargeError(`${what}: its ${tracks.length} track(s) hold ${total} bytes, more than the library's limit of ${options.limitBytes}`);
  const budget: ByteBudget = { limitBytes: options.limitBytes, usedBytes: 0 };
  const open = async (_name: string, i: number): Promise<Readable> => {
    const t = tracks[i];
    if (!t) throw new ImageConversionError(`${what}: the CUE sheet names a file for track ${i + 1}, which the source does not have`);
    return createReadStream(t.source, { start: t.pregapOffset, end: t.end - 1 });
  };
  const staged = await stageCue(staging, id, planCueText(tracks, (i) => `track${String(i + 1).padStart(2, '0')}.bin`), open, budget);
  const { validated } = staged;
  if (validated.format !== 'cue') throw new ImageConversionError(`${what}: the CUE image made of it reads as ${validated.format}`);
  const disagreement = checkPlanLayout(tracks, validated.layout);
  if (disagreement) throw new ImageConversionError(`${what}: the CUE image does not lay out as the source: ${disagreement}`);
  const bins = staged.files.filter((f) => f.role === 'bin');
  for (const [i, t] of tracks.entries()) {
    const bin = bins[i];
    const back = bin ? await hashFile(bin.staged) : null;
    const again = await rangeSha256(t);
    if (!back || back.sha256 !== again || back.bytes !== trackBytes(t)) {
      throw new ImageConversionError(`${what}: track ${t.number}'s BIN (${back?.bytes ?? 0} bytes) does not hash to its ${trackBytes(t)} bytes of the source`);
    }
  }
  options.precheck?.(validated);
  const modes = tracks.map((t) => `${t.number} ${t.mode}`).join(', ');
  const proof = `${tracks.length} track(s) (${modes}), one BIN each with its pregap as INDEX 00; the CUE image laid out again from the staged files gives every track the mode, pregap and length of the source's descriptors, and every BIN read back hashes to its byte range of the source; then the image read and validated`;
  return { staged, proof };
}

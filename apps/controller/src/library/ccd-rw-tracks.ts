/**
 * A CloneCD image's R-W subchannel made burnable: when its `.sub` carries
 * R-W data (CD+G graphics, CD-TEXT in the program area), each track of the
 * plan is also written as an RW_RAW file (`<id>-NN.rw`, role `subchannel`:
 * 2448-byte frames of the sector, audio big-endian, and its raw R-W symbols;
 * drivers' `writeRwTrack`), read back against the `.img` and the `.sub`
 * (`checkRwTrack`), for the TOC file that cdrdao burns (source-cd-text.ts).
 * The BIN/CUE stays as it is for every other burner, without subchannel.
 */
import path from 'node:path';
import type { PlannedTrack } from 'node-cdrecord-wrapper';
import { checkRwTrack, RAW_SECTOR, RW_RAW_FRAME, writeRwTrack } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError } from './errors.js';
import type { StagedFile, Staging } from './image-intake.js';

/**
 * Stage one RW_RAW file per track of `tracks` (byte ranges of `img`, whose
 * sectors `sub` has a record for each). Refusals: `ConversionTooLargeError`
 * when the files would pass `limitBytes`; the drivers' read-back refusals
 * as `ImageConversionError`.
 */
export async function stageRwTracks(staging: Staging, id: string, tracks: readonly PlannedTrack[], img: string, sub: string, limitBytes: number): Promise<StagedFile[]> {
  const total = tracks.reduce((sum, t) => sum + ((t.end - t.pregapOffset) / RAW_SECTOR) * RW_RAW_FRAME, 0);
  if (total > limitBytes) throw new ConversionTooLargeError(`CloneCD image ${path.basename(img)}: its tracks with their R-W subchannel are ${total} bytes, more than the library's limit of ${limitBytes}`);
  const staged: StagedFile[] = [];
  for (const [i, t] of tracks.entries()) {
    const source = { img, sub, firstSector: t.pregapOffset / RAW_SECTOR, sectors: (t.end - t.pregapOffset) / RAW_SECTOR, audio: t.mode === 'AUDIO' };
    const finalName = `${id}-${String(i + 1).padStart(2, '0')}.rw`;
    const dest = staging.file(finalName);
    try {
      const written = await writeRwTrack(source, dest);
      await checkRwTrack(dest, source);
      staged.push({ staged: dest, finalName, role: 'subchannel', bytes: written.bytes, sha256: written.sha256 });
    } catch (err) {
      throw fromImageReadError(err);
    }
  }
  return staged;
}

/**
 * The operator's "insert disc" for a simulated drive, the demo's stand-in
 * for a person at the tower: a blank of a media type, or a pressed disc
 * (CD-ROM, DVD-ROM, BD-ROM) of a library ISO image, referenced by its path
 * and size, to master or copy from. A drive that is not simulated is
 * refused (`NOT_SIMULATED`): a person puts a disc into a real one.
 */
import { DriveBusyError, isRecordable, MEDIA_TYPES, mediaClassOf, pressedDisc, SimulatedDrive } from 'node-cdrecord-wrapper';
import type { DiscSpec, Drive, MediaClass, MediaType } from 'node-cdrecord-wrapper';
import type { InsertedDisc } from '@tower/jobs';

/** Why a command is refused: a code and words for the operator. */
export interface InsertRefusal {
  readonly code: string;
  readonly message: string;
}

const CLASSES: readonly string[] = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'];

/** The disc to put in, or why the command's disc is not one (`BAD_DISC`). */
export function insertedDiscSpec(disc: InsertedDisc): DiscSpec | MediaType | InsertRefusal {
  if (disc.kind === 'blank') {
    const type = MEDIA_TYPES.find((t) => t === disc.mediaType);
    if (type === undefined || mediaClassOf(type) === null || !isRecordable(type)) {
      return { code: 'BAD_DISC', message: `a blank disc is a recordable optical media type, not '${String(disc.mediaType)}'` };
    }
    return type;
  }
  if (disc.kind === 'image' && typeof disc.path === 'string' && disc.path !== '' && CLASSES.includes(disc.mediaClass)
    && Number.isSafeInteger(disc.sizeBytes) && disc.sizeBytes > 0) {
    return pressedDisc(disc.path, disc.sizeBytes, disc.mediaClass as MediaClass);
  }
  return { code: 'BAD_DISC', message: 'the disc is a blank of a media type, or an image with its path, size and media class' };
}

/**
 * Put the disc into `drive` (replacing any, closing the tray), after
 * `before` (the agent stops the drive's worker, so the disc is looked at
 * afresh); null once it is in, or why not: not simulated, a bad disc, busy.
 */
export async function insertSimDisc(drive: Drive, driveId: string, disc: InsertedDisc, before: () => Promise<void>): Promise<InsertRefusal | null> {
  if (!(drive instanceof SimulatedDrive)) {
    return { code: 'NOT_SIMULATED', message: `${driveId} is not a simulated drive: put a disc into it by hand` };
  }
  const spec = insertedDiscSpec(disc);
  if (typeof spec === 'object' && 'code' in spec) return spec;
  try {
    await before();
    drive.insertDisc(spec);
    return null;
  } catch (err) {
    if (err instanceof DriveBusyError) return { code: 'DRIVE_BUSY', message: `${driveId} is busy: ${err.message}` };
    return { code: typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'INSERT_FAILED', message: (err as Error).message };
  }
}

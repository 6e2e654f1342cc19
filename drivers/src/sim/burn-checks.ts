/**
 * The checks a drive makes before a burn, so nothing is written when the
 * disc or the image cannot take it.
 */
import { constants as fsConstants } from 'node:fs';
import fsp from 'node:fs/promises';
import { assertCueModesWritable, cueTrackModes } from '../cdrecord/image-checks.js';
import { CdTextNotDeclaredError } from '../cdrecord/cd-text-not-declared-error.js';
import type { BurnImage, DriveFeatures } from '../drive-contract.js';
import { ImageError, MediaTooSmallError, WrongMediaError } from '../errors.js';
import { tocHasCdTextBlocks } from '../image/toc-file.js';
import { isRewritable, mediaClassOf, SECTOR_BYTES } from '../media.js';
import type { MediaClass } from '../media.js';
import { isOverwritable, isRomType } from './sim-disc.js';
import type { SimDisc } from './sim-disc.js';
import { writerWrites } from './writer-capability.js';
import type { WriterClass } from './writer-capability.js';

/** The checks a real drive makes before writing; returns the disc's media class. */
export function checkWritable(disc: SimDisc, image: BurnImage, writer: WriterClass, device: string): MediaClass {
  const cls = mediaClassOf(disc.type);
  if (cls === null || isRomType(disc.type)) throw new WrongMediaError(`${disc.type} is not recordable`, { device });
  if (!writerWrites(writer, disc.type)) throw new WrongMediaError(`this drive cannot write ${disc.type}`, { device });
  if (image.format === 'cue' && cls !== 'cd') {
    throw new WrongMediaError(`a CUE image needs a CD, the disc is ${disc.type}`, { device });
  }
  if (disc.status === 'complete' && !isOverwritable(disc.type)) {
    throw new WrongMediaError(`the ${disc.type} is closed${isRewritable(disc.type) ? ': blank it first' : ''}`, { device });
  }
  const free = disc.capacitySectors - (disc.status === 'appendable' ? disc.usedSectors : 0);
  if (image.sectors > free) {
    throw new MediaTooSmallError(`image needs ${image.sectors} sectors, the ${disc.type} has ${free}`, image.sectors, free, {
      device,
    });
  }
  return cls;
}

/** Raised inside a shared look: the path is there but is not a regular file. */
class NotAFileError extends Error {}

/** Looks at image files in progress, by path. */
const looking = new Map<string, Promise<number>>();

/**
 * The size of the image file at `path` once it is known to be a readable
 * regular file (one stat, one access). Drives that look at the same path at
 * the same time share one look: a tower's drives start their next copies of
 * one image together, and a look per drive was hundreds of file-system calls
 * in one turn. Nothing is remembered once the look ends.
 */
function lookAtImage(path: string): Promise<number> {
  let look = looking.get(path);
  if (look === undefined) {
    look = (async () => {
      const st = await fsp.stat(path);
      if (!st.isFile()) throw new NotAFileError();
      await fsp.access(path, fsConstants.R_OK);
      return st.size;
    })();
    looking.set(path, look);
    look.then(
      () => looking.delete(path),
      () => looking.delete(path),
    );
  }
  return look;
}

/** ImageError unless the image is a readable regular file of at least its stated size. */
export async function checkImage(image: BurnImage, device: string): Promise<void> {
  if (!(Number.isSafeInteger(image.sectors) && image.sectors > 0 && image.sizeBytes > 0)) {
    throw new ImageError(`image ${image.path} is empty`, { device });
  }
  let size: number;
  try {
    size = await lookAtImage(image.path);
  } catch (err) {
    if (err instanceof NotAFileError) throw new ImageError(`image ${image.path} is not a regular file`, { device });
    throw new ImageError(`cannot read image ${image.path}: ${(err as Error).message}`, { device, cause: err });
  }
  if (image.format === 'iso') {
    if (size < image.sizeBytes) {
      throw new ImageError(`image ${image.path} has ${size} bytes, ${image.sizeBytes} expected`, { device });
    }
    if (Math.ceil(image.sizeBytes / SECTOR_BYTES) > image.sectors) {
      throw new ImageError(`image ${image.path}: ${image.sizeBytes} bytes do not fit ${image.sectors} sectors`, { device });
    }
  }
}

/**
 * What the drive declares against the image, as a real drive checks it: a drive that burns only some CUE track
 * modes refuses a sheet with others (WrongMediaError); one declared not to write CD-TEXT (`writesCdText: false`)
 * refuses a TOC file with CD-TEXT blocks (CdTextNotDeclaredError). Nothing is written either way.
 */
export async function checkDeclaredFeatures(image: BurnImage, features: Pick<DriveFeatures, 'cueTrackModes' | 'writesCdText'>, device: string): Promise<void> {
  if (image.format !== 'cue') return;
  if (features.cueTrackModes !== undefined) assertCueModesWritable(await cueTrackModes(image.path, device), features.cueTrackModes, device, 'this drive');
  if (features.writesCdText !== false || image.tocPath === undefined) return;
  const text = await fsp.readFile(image.tocPath, 'latin1').catch((err: Error) => {
    throw new ImageError(`cannot read the TOC file ${image.tocPath}: ${err.message}`, { device, cause: err });
  });
  if (tocHasCdTextBlocks(text)) {
    throw new CdTextNotDeclaredError(`${device}: the image's TOC has CD-TEXT and this drive is not declared to write it`, { device });
  }
}

/**
 * The last step of adding an image: its staged files renamed into the
 * library folder, and its sidecar record written last (image files a crash
 * leaves without one are adopted by the next `rebuild()`).
 */
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { identityText, imageFileIdentity } from 'node-cdrecord-wrapper';
import { writeFileAtomic } from './atomic-file.js';
import { LibraryRequestError } from './errors.js';
import type { StagedImage } from './image-intake.js';
import type { ImageRecord } from './image-record.js';
import { sidecarName } from './image-record.js';

/** Write an image's sidecar record atomically into the library folder `dir`. */
export async function writeSidecar(dir: string, record: ImageRecord): Promise<void> {
  await writeFileAtomic(path.join(dir, sidecarName(record.id)), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Rename an image's staged files into the library folder `dir`, then write
 * its sidecar (with the image file's identity, for an ISO); the renames are
 * undone on failure. Resolves with the record written.
 */
export async function commitStagedImage(dir: string, staged: StagedImage, stagedRecord: ImageRecord): Promise<ImageRecord> {
  let record = stagedRecord;
  const moved: string[] = [];
  try {
    for (const f of staged.files) {
      const dest = path.join(dir, f.finalName);
      if (existsSync(dest)) throw new LibraryRequestError(`${f.finalName} already exists in the library`);
      await rename(f.staged, dest);
      moved.push(dest);
    }
    // Taken after the rename, which changes the file's ctime.
    const identity = record.format === 'iso' ? identityText(imageFileIdentity(await stat(path.join(dir, record.imageFile), { bigint: true }))) : undefined;
    record = identity === undefined ? record : { ...record, fileIdentity: identity };
    await writeSidecar(dir, record);
  } catch (err) {
    for (const dest of moved) await rm(dest, { force: true });
    throw err;
  }
  return record;
}

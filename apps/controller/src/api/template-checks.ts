/**
 * What `PUT /api/templates/:name` checks before a template is saved, as a run
 * of it would be checked: its image in the library, its drives known, its
 * collated set (`set`: every disc's image known, safe and on the media class
 * of disc 1, sets × discs at most 10000) and its per-disc merge (serials or
 * CSV rows one per copy, or one per set). What can change before a run starts
 * (the image deleted, the drives gone, a CSV's source files) is checked again
 * then by `createRun`.
 */
import { isMergeProblem, planMerge } from '@tower/jobs';
import { MergeCsvError, parseMergeCsv } from '../shared/merge-csv.js';
import type { TemplateRequest } from '../shared/template-schemas.js';
import { invalidInput, notFound } from './api-error.js';
import type { ApiServices } from './api-services.js';
import { chooseMediaClass } from './run-media-class.js';
import { refuseSetMerge, setImagesOf } from './run-set-images.js';

/** Check a template's settings; throws `ApiError` (404 an unknown image, 400 bad drives, set or merge, 422 a set disc of another media class). */
export async function checkTemplate(s: ApiServices, body: TemplateRequest): Promise<void> {
  const { library } = s.deps;
  const image = library.get(body.imageId);
  if (image === undefined) throw notFound('image', body.imageId, 'imageId');
  if (body.drives !== undefined) await checkDrives(s, body.drives);
  if (body.set !== undefined) {
    const sizes = image.format === 'cue' ? image.mediaSizes.filter((m) => m.startsWith('cd')) : image.mediaSizes;
    const held = body.media === undefined ? (await s.drives.list()).map((d) => d.mediaType) : [];
    const mediaClass = chooseMediaClass(image.id, sizes, body.media, held);
    const set = setImagesOf(library, body.set.imageIds, body.copies, image.id, mediaClass, library.scanner.settings.policy);
    if (body.merge !== undefined) refuseSetMerge(set);
  }
  const per = body.set === undefined ? 'copy' : 'set';
  const { merge } = body;
  if (merge?.csv !== undefined && merge.serials !== undefined) throw invalidInput('merge', 'a merge has serials or a csv, not both');
  if (merge?.serials !== undefined) {
    const planned = planMerge({ serials: merge.serials }, body.copies, per);
    if (isMergeProblem(planned)) throw invalidInput(planned.field, planned.message);
  }
  if (merge?.csv !== undefined) {
    let rows: number;
    try {
      rows = parseMergeCsv(merge.csv).rows.length;
    } catch (err) {
      if (err instanceof MergeCsvError) throw invalidInput('merge.csv', `merge CSV: ${err.message}`);
      throw err;
    }
    if (rows !== body.copies) throw invalidInput('copies', `the merge CSV has ${rows} row${rows === 1 ? '' : 's'}, one per ${per}: copies must be ${rows}, not ${body.copies}`);
  }
}

/** Every drive id or group name must name a drive or group now (as `createRun` checks them). */
async function checkDrives(s: ApiServices, drives: readonly string[]): Promise<void> {
  const known = await s.drives.knownDriveIds();
  drives.forEach((d, i) => {
    if (!known.has(d) && s.drives.group(d).length === 0) throw invalidInput(`drives[${i}]`, `drives[${i}]: no drive or group named "${d}"`);
  });
}

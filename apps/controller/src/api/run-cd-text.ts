/**
 * A run's own CD-TEXT (`cdText` of `POST /api/runs`, a hot-folder job's
 * `CDText…` keys): checked when the run is made (only for a CUE image with
 * a cdrdao TOC file; tracks within the image's; CD-TEXT's character set and
 * limits), then the image's TOC written again with the run's CD-TEXT instead
 * of its own into the run's folder (`<data dir>/cdtext-runs/<run>/`, with a
 * link to each BIN the TOC names), proven by reading it back and by
 * `cdrdao show-toc` (as many frames as the image). The run's image then
 * names that TOC (`tocPath`), so `cdrdao write` on real drives burns the
 * run's CD-TEXT; simulated and `stdio:` drives burn the BIN as before.
 * A refusal is a 400/422 with nothing written.
 */
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTocFile, readTocContent, showTocFrames } from 'node-cdrecord-wrapper';
import type { ImageRecord } from '../library/index.js';
import { tocPathOf } from '../library/image-record.js';
import { tocWithText } from '../library/run-image.js';
import { tocWithCdText } from '../library/toc-cd-text.js';
import type { RunCdText } from '../shared/run-text-schemas.js';
import { cdTextProblem } from '../shared/run-text-schemas.js';
import { ApiError, invalidInput } from './api-error.js';
import type { ApiServices } from './api-services.js';

/** Where runs keep their own TOC files: `cdtext-runs` beside the library's folder (the data dir's). */
export function cdTextRunsDir(s: ApiServices): string {
  return path.join(path.dirname(s.deps.library.dir), 'cdtext-runs');
}

/**
 * Check `cdText` against the run's image (at `imagePath`) and write the
 * run's TOC; `{ tocPath, cdText }` for the run's image (its copies go only to drives that write CD-TEXT),
 * `{}` without `cdText`.
 */
export async function runCdTextToc(
  s: ApiServices, runId: string, image: ImageRecord, imagePath: string, cdText: RunCdText | undefined, setRun = false,
): Promise<{ tocPath?: string; cdText?: true }> {
  if (cdText === undefined) return {};
  if (setRun) throw invalidInput('cdText', 'cdText: not with a set run (each disc of a set has its own image)');
  if (image.storage !== undefined) {
    throw new ApiError(422, 'CD_TEXT_NEEDS_TOC', `cdText: image ${image.id} is stored as a ${image.storage.compression.toUpperCase()}: a run's own CD-TEXT is checked against its BIN files in the library; decompress it first (tower images decompress ${image.id})`, 'cdText');
  }
  const toc = tocPathOf(image, imagePath).tocPath;
  if (image.format !== 'cue' || toc === undefined) {
    throw new ApiError(422, 'CD_TEXT_NEEDS_TOC', `cdText: image ${image.id} is ${image.format === 'cue' ? 'a CUE image without a cdrdao TOC file' : `an ${image.format.toUpperCase()} image`}; CD-TEXT is burned only from an audio (CUE) image with a TOC file`, 'cdText');
  }
  const problem = cdTextProblem(cdText, image.tracks.length);
  if (problem !== null) throw invalidInput('cdText', `cdText: ${problem}`);
  const text = (await readFile(toc)).toString('latin1');
  let written: string;
  try {
    written = tocWithCdText(text, cdText);
  } catch (err) {
    throw new ApiError(422, 'CD_TEXT_NEEDS_TOC', `cdText: the image's TOC file cannot take CD-TEXT: ${(err as Error).message}`, 'cdText');
  }
  const dir = path.join(cdTextRunsDir(s), runId);
  const out = path.join(dir, path.basename(toc));
  await mkdir(dir, { recursive: true });
  try {
    for (const name of new Set(parseTocFile(written).files)) await symlink(path.resolve(path.dirname(toc), name), path.join(dir, name));
    await writeFile(out, written, { encoding: 'latin1', flag: 'wx' });
    const back = readTocContent(written);
    for (const t of cdText.tracks ?? []) {
      const got = back.tracks[t.track - 1]?.cdText ?? {};
      if (got.TITLE !== t.title || got.PERFORMER !== t.performer || got.COMPOSER !== t.composer) throw new Error(`track ${t.track} reads back otherwise`);
    }
    const frames = await showTocFrames(out, image.tracks.length);
    if (frames !== image.sectors) throw new Error(`cdrdao reads it as ${frames} frames, the image has ${image.sectors}`);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new ApiError(422, 'CD_TEXT_NEEDS_TOC', `cdText: the run's TOC file is refused: ${(err as Error).message}`, 'cdText');
  }
  // Kept beside the run's meta (written next), for the run's view.
  await s.deps.redis.hset(s.keys.runMeta(runId), 'cdText', JSON.stringify(cdText));
  return tocWithText(out);
}

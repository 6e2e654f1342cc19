/**
 * A run whose image carries CD-TEXT (its TOC file has CD-TEXT blocks, the
 * image's own or the run's `cdText`) meets the drives when it is made, as
 * the drive workers' routing will (`driveTakes`, copy-suitability.ts): its
 * copies go only to drives declared to write CD-TEXT. Among the drives known
 * now (every published drive state, online or not) that would take the copy
 * but for CD-TEXT:
 *
 * - none writes it, and the run names its drives (`drives`), each of them
 *   known with its declaration: 422 `CD_TEXT_NOT_DECLARED` on `drives`,
 *   before anything is written (the operator chose drives that cannot burn
 *   it, as `VERIFY_IMPOSSIBLE`);
 * - none writes it, and any drive may burn the run (or one it names has not
 *   said what it writes yet): the run is made with a
 *   warning (a declared drive may come into service later, as a run the
 *   blank stock cannot cover is made with one), and its view says it needs
 *   a person for as long as no drive in service writes CD-TEXT (run-coverage.ts).
 *
 * With no known drive that would take it at all, the run view's own
 * "needs a person" says why (media class, track modes); nothing is added here.
 */
import { driveTakes, readAllDriveStatuses } from '@tower/jobs';
import type { CopyNeeds, DriveStatus, RedisSchema, RunImage } from '@tower/jobs';
import type { Redis } from 'ioredis';
import type { MediaClass } from 'node-cdrecord-wrapper';
import { ApiError } from './api-error.js';

/** What to tell the drives' CD-TEXT writing to do, in words an operator acts on. */
export const CD_TEXT_HOW = 'set "cdText": true on a drive whose recorder writes CD-TEXT (tower.json, agent.drives) and restart its agent';

/**
 * The warning for a run of `needs` (with `cdText: true`) when no known drive among `allowed` (undefined: all)
 * writes CD-TEXT, or null; throws `ApiError` 422 instead when the run names its drives.
 */
export function cdTextDriveWarning(statuses: readonly DriveStatus[], needs: CopyNeeds, allowed: readonly string[] | undefined): string | null {
  if (needs.cdText !== true) return null;
  const candidates = allowed === undefined ? statuses : statuses.filter((d) => allowed.includes(d.driveId));
  if (candidates.some((d) => driveTakes(d, needs))) return null;
  const { cdText: _text, ...rest } = needs;
  const blocked = candidates.filter((d) => driveTakes(d, rest)).map((d) => d.driveId).sort();
  if (blocked.length === 0) return null;
  if (allowed !== undefined && allowed.every((id) => statuses.some((d) => d.driveId === id))) {
    throw new ApiError(422, 'CD_TEXT_NOT_DECLARED',
      `the image's TOC file carries CD-TEXT and none of the run's drives (${blocked.join(', ')}) is declared to write it: ${CD_TEXT_HOW}, or choose drives that write it`, 'drives');
  }
  return `the image's TOC file carries CD-TEXT and no known drive is declared to write it (${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} not): its copies wait until one is: ${CD_TEXT_HOW}`;
}

/**
 * {@link cdTextDriveWarning} for a run being made: its images (a set run's discs, else the one), `runText`
 * when the run has its own CD-TEXT (its TOC then carries it), against every drive state published now.
 */
export async function checkCdTextDrives(
  s: { readonly deps: { readonly redis: Redis }; readonly keys: RedisSchema }, images: readonly RunImage[], runText: boolean, mediaClass: MediaClass, allowed: readonly string[] | undefined,
): Promise<string | null> {
  const texted = images.filter((i, n) => i.cdText === true || (runText && n === 0));
  if (texted.length === 0) return null;
  const statuses = await readAllDriveStatuses(s.deps.redis, s.keys);
  for (const image of texted) {
    const warning = cdTextDriveWarning(statuses, { mediaClass, format: image.format, ...(image.trackModes === undefined ? {} : { trackModes: image.trackModes }), cdText: true }, allowed);
    if (warning !== null) return warning;
  }
  return null;
}

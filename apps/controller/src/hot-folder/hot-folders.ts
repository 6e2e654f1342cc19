/**
 * The controller's hot folders (`hotFolders` in tower.json): one `HotFolder`
 * per configured folder, and one loop that keeps the status file of every
 * started job up to date. The jobs followed are those in Redis's
 * `hotFolderActive` hash, so after a controller restart the status files of
 * jobs picked up before it keep being updated. Each status is written when
 * what it says changed (looked at every `statusMs`, and at once when a job
 * starts), and a last time, `final`, when the run is completed, cancelled
 * or failed; the job then leaves the set.
 */
import { toLogger } from '@tower/jobs';
import type { LogSink } from '@tower/jobs';
import type { ApiServices } from '../api/api-services.js';
import { TemplateStore } from '../api/template-store.js';
import type { HotFolderSpec } from '../config/hot-folder-config.js';
import { toAttemptView } from '../api/views/attempt-view.js';
import { HotFolder } from './hot-folder.js';
import { JobClaims } from './job-claims.js';
import type { JobClaim } from './job-claims.js';
import { jobStatus, statusFingerprint, writeJobStatus } from './job-status.js';

/** How often the status files are brought up to date, ms. */
export const DEFAULT_STATUS_MS = 1000;

/** Start every configured hot folder; resolves with the function that stops them. */
export async function startHotFolders(
  specs: readonly HotFolderSpec[],
  services: ApiServices,
  sink: LogSink,
  statusMs = DEFAULT_STATUS_MS,
): Promise<() => Promise<void>> {
  const log = toLogger(sink);
  const claims = new JobClaims(services.deps.redis, services.keys);
  const templates = new TemplateStore(services.deps.redis, services.keys, services.now);
  const written = new Map<string, string>();
  let closed = false;

  /** Bring one job's status file up to date; false when it is final (or its run is gone). */
  const update = async (key: string, claim: JobClaim | null): Promise<boolean> => {
    const run = claim === null ? null : await services.runs.get(claim.runId);
    if (claim === null || run === null) return false;
    const attempts = run.failed + run.interrupted > 0 ? (await services.deps.runStore.listAttempts(run.id)).map(toAttemptView) : [];
    const status = jobStatus(claim.job, run, attempts, claim.notes ?? [], services.now());
    const print = statusFingerprint(status);
    if (written.get(key) !== print) {
      await writeJobStatus(claim.dir, status);
      written.set(key, print);
    }
    return !status.final;
  };
  let updating: Promise<void> = Promise.resolve();
  const updateAll = (only?: string): Promise<void> => {
    updating = updating.then(async () => {
      const jobs = only === undefined ? await claims.active() : new Map([[only, await claims.activeOne(only)]]);
      for (const [key, claim] of jobs) {
        if (closed) return;
        const goesOn = await update(key, claim).catch((err: unknown) => {
          log.error(`hot folder status: ${(err as Error).message}`);
          return true;
        });
        if (!goesOn) {
          await claims.finished(key);
          written.delete(key);
        }
      }
    });
    return updating;
  };

  const folders = specs.map((spec) => new HotFolder(spec, { services, claims, templates, log, onStarted: (key) => updateAll(key) }));
  for (const f of folders) await f.start();
  for (const spec of specs) log.info(`hot folder: watching ${spec.dir} (errors to ${spec.errorDir})`);
  // A look still going when the next is due: the next is left out, never queued behind it.
  let looking = false;
  const timer = setInterval(() => {
    if (looking) return;
    looking = true;
    void updateAll().catch(() => undefined).finally(() => (looking = false));
  }, statusMs);
  timer.unref();
  return async () => {
    closed = true;
    clearInterval(timer);
    await Promise.all(folders.map((f) => f.close()));
    await updating.catch(() => undefined);
  };
}

/**
 * One hot folder: job files dropped into it become runs.
 *
 * - **What is a job file**: a regular file directly in the folder named
 *   `*.json` or `*.jrq` (any case). Names starting with `.` or ending in `~`,
 *   `.tmp`, `.part`, `.partial`, `.crdownload` or `.swp` never are (a copy
 *   in progress under a temp name), nor are the `.status` and `.reason`
 *   files this writes, nor sub-folders.
 * - **Never half-written**: the folder is listed every `pollMs` (and at once
 *   on a change event, which only hastens the next look); a file is taken
 *   once its size and modification time stayed the same for `settleMs`. A
 *   file still being copied in keeps changing, so it waits.
 * - **Never twice**: before anything is done the job is claimed in Redis by
 *   the SHA-256 of folder, name and content (job-claims.ts), with its run id
 *   chosen then; a job whose claim exists is left as it is (a claim whose run
 *   a crash kept from being created is created now, with that id), and so is
 *   one whose status file names a run that exists (its claim expired).
 * - **A bad job file** (unreadable, over 64 KiB, malformed, or refused by
 *   the run's checks: unknown image or template, a path outside the import
 *   roots, no drive for its media…) is moved into the error folder with
 *   `<job file>.reason` beside it, one line saying why. A failure that may
 *   pass (Redis away) leaves the file where it is, to be tried again.
 * - A started job stays where it is, with its status file beside it
 *   (job-status.ts; kept up to date by hot-folders.ts).
 */
import { randomUUID } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@tower/jobs';
import type { HotFolderSpec } from '../config/hot-folder-config.js';
import type { ApiServices } from '../api/api-services.js';
import { toApiError } from '../api/error-handler.js';
import { createRun } from '../api/routes/run-routes.js';
import type { CreateRunBody, TemplateStore } from '../api/template-store.js';
import { templateRunRequest } from '../api/template-store.js';
import { writeFileAtomic } from '../library/atomic-file.js';
import type { JobClaim, JobClaims } from './job-claims.js';
import { jobKey } from './job-claims.js';
import type { JobRequest } from './job-file.js';
import { JobFileError, MAX_JOB_FILE_BYTES, parseJobFile } from './job-file.js';
import { buildingStatus, statusPath, writeJobStatus } from './job-status.js';
import { setJobBody } from './set-job.js';
import { buildDataImage } from './data-job.js';

/** The name runs of hot-folder jobs are created by (and audited as). */
export const HOT_FOLDER_PRINCIPAL = { name: 'hot-folder', role: 'operator' } as const;

/** True for a name that may be a job file (see the module comment). */
export function isJobFileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (name.startsWith('.') || /(~|\.tmp|\.part|\.partial|\.crdownload|\.swp)$/.test(lower)) return false;
  return lower.endsWith('.json') || lower.endsWith('.jrq');
}

/** What a hot folder works with. */
export interface HotFolderDeps {
  readonly services: ApiServices;
  readonly claims: JobClaims;
  readonly templates: TemplateStore;
  /** A job's run started: write its first status now. */
  readonly onStarted: (key: string) => Promise<void>;
  readonly log: Logger;
}

interface Seen {
  readonly size: number;
  readonly mtimeMs: number;
  /** When this size and time were first seen, ms (monotonic). */
  readonly since: number;
  /** The job was dealt with (started, or known): not read again while unchanged. */
  done: boolean;
}

/** Watches one folder. */
export class HotFolder {
  readonly #seen = new Map<string, Seen>();
  #timer: NodeJS.Timeout | null = null;
  #watcher: FSWatcher | null = null;
  #scanning: Promise<void> | null = null;
  #closed = false;
  #realDir = '';

  constructor(private readonly spec: HotFolderSpec, private readonly deps: HotFolderDeps) {}

  /** Create the folders if need be, and start watching. */
  async start(): Promise<void> {
    await mkdir(this.spec.dir, { recursive: true });
    await mkdir(this.spec.errorDir, { recursive: true });
    this.#realDir = await realpath(this.spec.dir);
    try {
      // A change event only brings the next look forward (to 100 ms from now); the poll finds files without one.
      this.#watcher = watch(this.spec.dir, () => {
        if (this.#scanning !== null || this.#closed) return;
        if (this.#timer !== null) clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.#kick(), 100);
        this.#timer.unref();
      });
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      // No change events here (some network file systems): the poll alone finds the files.
    }
    this.#schedule();
  }

  /** Stop watching; resolves when a look in progress has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#watcher?.close();
    await this.#scanning;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.#kick(), this.spec.pollMs);
    this.#timer.unref();
  }

  #kick(): void {
    if (this.#closed) return;
    if (this.#scanning !== null) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#scanning = this.#scan()
      .catch((err: unknown) => this.deps.log.error(`hot folder ${this.spec.dir}: ${(err as Error).message}`))
      .finally(() => {
        this.#scanning = null;
        this.#schedule();
      });
  }

  /** One look at the folder. */
  async #scan(): Promise<void> {
    const names = (await readdir(this.spec.dir)).filter(isJobFileName);
    const now = performance.now();
    for (const gone of [...this.#seen.keys()]) if (!names.includes(gone)) this.#seen.delete(gone);
    for (const name of names) {
      if (this.#closed) return;
      const st = await lstat(path.join(this.spec.dir, name)).catch(() => null);
      if (st === null || !st.isFile()) continue;
      const before = this.#seen.get(name);
      if (before === undefined || before.size !== st.size || before.mtimeMs !== st.mtimeMs) {
        this.#seen.set(name, { size: st.size, mtimeMs: st.mtimeMs, since: now, done: false });
        continue;
      }
      if (before.done || now - before.since < this.spec.settleMs) continue;
      before.done = await this.#take(name, st.size);
    }
  }

  /** Deal with a settled job file; true when it is dealt with for good (started, known, or moved away). */
  async #take(name: string, settledSize: number): Promise<boolean> {
    const file = path.join(this.spec.dir, name);
    let content: Buffer;
    try {
      const st = await lstat(file);
      if (st.size > MAX_JOB_FILE_BYTES) return await this.#reject(name, `the job file is ${st.size} bytes: at most ${MAX_JOB_FILE_BYTES}`);
      content = await readFile(file);
      if (content.length !== settledSize) {
        // It changed after all: wait for it to settle again.
        this.#seen.delete(name);
        return false;
      }
    } catch (err) {
      return await this.#reject(name, `cannot read the job file: ${(err as Error).message}`);
    }
    let request: JobRequest;
    try {
      request = parseJobFile(name, content.toString('utf8'));
    } catch (err) {
      if (err instanceof JobFileError) return this.#reject(name, err.message);
      throw err;
    }
    const key = jobKey(this.#realDir, name, content);
    const { claims } = this.deps;
    let claim = await claims.get(key);
    if (claim?.state === 'started') return true;
    if (claim !== null && (await this.deps.services.deps.runStore.getRun(claim.runId)) !== null) {
      // Its run was created, and the controller stopped before it said so.
      await claims.started(key, claim);
      await this.deps.onStarted(key);
      return true;
    }
    if (claim === null) {
      // A claim gone (expired) while the job file stayed: its status file still names the run it started.
      const known = await this.#statusRun(name);
      if (known !== null && (await this.deps.services.deps.runStore.getRun(known)) !== null) return true;
      claim = { runId: randomUUID(), dir: this.#realDir, job: name, state: 'claimed', at: Date.now(), notes: request.notes };
      if (!(await claims.claim(key, claim))) return true;
    }
    return this.#start(key, claim, request);
  }

  async #start(key: string, claim: JobClaim, request: JobRequest): Promise<boolean> {
    const { services: s, claims } = this.deps;
    try {
      const built: string[] = [];
      const body = await this.#body(request, claim, built);
      const view = await createRun(s, body, HOT_FOLDER_PRINCIPAL.name, claim.runId);
      await claims.started(key, built.length === 0 ? claim : { ...claim, notes: [...(claim.notes ?? []), ...built] });
      await s.audit.append(HOT_FOLDER_PRINCIPAL, 'run.create', view.id, {
        imageId: view.imageId, copies: view.copies, verify: view.verify, priority: view.priority, label: view.label, hotFolder: this.spec.dir, job: claim.job,
      });
      this.deps.log.info(`hot folder ${this.spec.dir}: ${claim.job} started run ${view.id} (${view.copies} copies of '${view.imageName}')`);
      await this.deps.onStarted(key);
      return true;
    } catch (err) {
      const api = err instanceof JobFileError ? null : toApiError(err);
      if (api !== null && api.statusCode >= 500) {
        // May pass (Redis away): give the claim back and try at the next look.
        await claims.release(key).catch(() => undefined);
        this.deps.log.warn(`hot folder ${this.spec.dir}: ${claim.job}: not started now, tried again later: ${(err as Error).message}`);
        return false;
      }
      await claims.release(key);
      return this.#reject(claim.job, api === null ? (err as Error).message : `${api.code}: ${api.message}`);
    }
  }

  /** The create request of a job: its image (imported from its path, built from its Data, or the template's) and settings. */
  async #body(request: JobRequest, claim: JobClaim, built: string[]): Promise<CreateRunBody> {
    const { source, settings } = request;
    if ('template' in source) {
      const template = await this.deps.templates.get(source.template);
      if (template === null) throw new JobFileError(`no template named '${source.template}'`);
      return templateRunRequest(template, settings);
    }
    if (settings.copies === undefined) throw new JobFileError('copies: required');
    if ('imageId' in source) return { ...settings, copies: settings.copies, imageId: source.imageId };
    if ('set' in source) {
      return setJobBody(this.deps.services.deps.library, source.set, settings, settings.copies, (from, id) => this.deps.log.info(`hot folder ${this.spec.dir}: imported ${from} as image ${id}`));
    }
    if ('data' in source) {
      const { copies } = settings;
      let last = -1;
      // One status write at a time, all done before the run's own status is written.
      let writing = Promise.resolve();
      const image = await buildDataImage(this.deps.services.deps.library, { sources: source.data, volumeName: source.volumeName, media: settings.media, by: HOT_FOLDER_PRINCIPAL.name }, (percent, estimatedBytes) => {
        // A status each whole 10 % (and the first): the file is rewritten, not appended to.
        if (percent !== 0 && Math.floor(percent / 10) === Math.floor(last / 10)) return;
        last = percent;
        const status = buildingStatus(claim.job, claim.runId, copies, claim.notes ?? [], { percent, estimatedBytes }, Date.now());
        writing = writing.then(() => writeJobStatus(this.spec.dir, status)).catch(() => undefined);
      }).catch(async (err: unknown) => {
        // The job goes to the error folder with the reason: no status of a build that is not going on.
        await writing;
        if (last !== -1) await rm(statusPath(this.spec.dir, claim.job), { force: true });
        throw err;
      });
      await writing;
      built.push(`built image ${image.id} '${image.name}' from ${source.data.map((d) => d.source).join(', ')}`);
      this.deps.log.info(`hot folder ${this.spec.dir}: built image ${image.id} from ${source.data.map((d) => d.source).join(', ')}`);
      return { ...settings, copies, imageId: image.id };
    }
    const image = await this.deps.services.deps.library.importFromPath(source.imagePath);
    this.deps.log.info(`hot folder ${this.spec.dir}: imported ${source.imagePath} as image ${image.id}`);
    return { ...settings, copies: settings.copies, imageId: image.id };
  }

  /** The run id the job's status file names, or null (none, or unreadable). */
  async #statusRun(name: string): Promise<string | null> {
    try {
      const status = JSON.parse(await readFile(statusPath(this.spec.dir, name), 'utf8')) as { runId?: unknown };
      return typeof status.runId === 'string' ? status.runId : null;
    } catch {
      return null;
    }
  }

  /** Move a bad job file into the error folder, its reason beside it; true (dealt with). */
  async #reject(name: string, reason: string): Promise<boolean> {
    let target = name;
    const exists = async (n: string): Promise<boolean> => lstat(path.join(this.spec.errorDir, n)).then(() => true, () => false);
    if (await exists(target)) {
      const ext = path.extname(name);
      target = `${path.basename(name, ext)}-${new Date().toISOString().replaceAll(':', '-')}${ext}`;
    }
    await writeFileAtomic(path.join(this.spec.errorDir, `${target}.reason`), `${reason}\n`);
    const from = path.join(this.spec.dir, name);
    const to = path.join(this.spec.errorDir, target);
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(from, to);
      await rm(from, { force: true });
    }
    this.#seen.delete(name);
    this.deps.log.warn(`hot folder ${this.spec.dir}: ${name} refused, moved to ${to}: ${reason}`);
    return true;
  }
}

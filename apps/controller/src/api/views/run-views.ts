/**
 * RunViews: runs as the API shows them (run store records + the controller's meta + image names).
 */
import type { RunRecord, RunStore } from '@tower/jobs';
import type { ImageLibrary } from '../../library/index.js';
import type { RunView } from '../../shared/api-types.js';
import type { RunMetaStore } from '../run-meta.js';
import type { RunCoverage } from './run-coverage.js';
import { setViewOf } from './run-set-view.js';
import { toRunView } from './run-view.js';

/** Builds RunViews. */
export class RunViews {
  constructor(
    private readonly runStore: RunStore,
    private readonly meta: RunMetaStore,
    private readonly library: ImageLibrary,
    private readonly now: () => number,
    /** Says when no drive in service can serve a run (absent: never said). */
    private readonly coverage?: RunCoverage,
  ) {}

  /** Every run, newest first. */
  async list(): Promise<RunView[]> {
    const ids = await this.runStore.listRunIds();
    const runs = (await Promise.all(ids.map((id) => this.runStore.getRun(id)))).filter((r): r is RunRecord => r !== null);
    const metas = await this.meta.getMany(runs.map((r) => r.id));
    const views = await Promise.all(runs.map(async (r) => this.#view(r, metas.get(r.id), await this.#unserved(r), await this.#set(r))));
    return views.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  /** One run, or null. */
  async get(runId: string): Promise<RunView | null> {
    const run = await this.runStore.getRun(runId);
    return run === null ? null : this.view(run);
  }

  /** The view of a record. */
  async view(run: RunRecord): Promise<RunView> {
    const [meta, unserved, set] = await Promise.all([this.meta.get(run.id), this.#unserved(run), this.#set(run)]);
    return this.#view(run, meta, unserved, set);
  }

  /** A set run's sets done and failed discs (two reads, for set runs only). */
  async #set(run: RunRecord): Promise<RunView['set']> {
    if (run.set === undefined) return undefined;
    const [passed, failed] = await Promise.all([this.runStore.passedSlots(run.id), this.runStore.failedSlots(run.id)]);
    return setViewOf(run, passed, failed);
  }

  #unserved(run: RunRecord): Promise<string | null> {
    return this.coverage?.unservedReason(run) ?? Promise.resolve(null);
  }

  #view(run: RunRecord, meta: Awaited<ReturnType<RunMetaStore['get']>> | undefined, unserved: string | null, set?: RunView['set']): RunView {
    const m = meta ?? { imageId: '', imageName: '', label: null, createdBy: '' };
    const name = m.imageId === '' ? undefined : this.library.get(m.imageId)?.name;
    const view = toRunView(run, m, this.now(), name, unserved);
    return set === undefined ? view : { ...view, set };
  }
}

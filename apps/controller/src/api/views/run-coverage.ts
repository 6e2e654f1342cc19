/**
 * Whether any drive in service can serve a run: a drive of an online agent,
 * among the run's allowed drives, that takes copies of the run's media
 * class, burns its CUE track modes and, for an image whose TOC carries
 * CD-TEXT, is declared to write CD-TEXT (its agent publishes these with the
 * drive's state; the rule is the drive workers' own, `driveTakes`). A run no
 * drive serves would wait in silence; its view says so instead ("needs a
 * person"), from creation for as long as it lasts. Drives whose agents do
 * not say which classes or modes they take count as able to serve.
 */
import { driveTakes, readAllDriveStatuses } from '@tower/jobs';
import type { CopyNeeds, DriveStatus, RedisSchema, RunRecord } from '@tower/jobs';
import type { Redis } from 'ioredis';
import type { AgentView } from '../../shared/api-types.js';
import { CD_TEXT_HOW } from '../run-cd-text-drives.js';
import { CLASS_NAMES } from './drive-words.js';

/** What a coverage check reads: the published drive states and the agents (with liveness). */
export interface CoverageSources {
  readonly redis: Redis;
  readonly keys: RedisSchema;
  readonly agents: () => Promise<readonly AgentView[]>;
  /** How long a reading serves, ms; default 1000. */
  readonly maxAgeMs?: number;
}

interface Reading {
  readonly at: number;
  readonly drives: readonly DriveStatus[];
}

/** The drives in service, read at most once per `maxAgeMs`, and what they leave unserved. */
export class RunCoverage {
  readonly #o: CoverageSources;
  #reading: Reading | null = null;
  #loading: Promise<Reading> | null = null;

  constructor(sources: CoverageSources) {
    this.#o = sources;
  }

  /** Why nobody can serve `run` now, in words, or null when some drive can (or the run is over). */
  async unservedReason(run: Pick<RunRecord, 'status' | 'mediaClass' | 'allowedDrives' | 'copies' | 'counters'> & { readonly image?: Pick<RunRecord['image'], 'format' | 'trackModes' | 'cdText'> }): Promise<string | null> {
    if (!(run.status === 'queued' || run.status === 'running') || run.copies - run.counters.passed <= 0) return null;
    const { drives } = await this.#read();
    const allowed = run.allowedDrives === undefined ? null : new Set(run.allowedDrives);
    const candidates = drives.filter((d) => allowed === null || allowed.has(d.driveId));
    const cls = CLASS_NAMES[run.mediaClass] ?? run.mediaClass;
    const where = allowed === null ? 'no drive in service' : `none of its drives (${[...allowed].join(', ')})`;
    if (candidates.length === 0) return `needs a person: ${where} can burn it: bring a drive that takes ${cls} discs into service`;
    const text = run.image?.cdText === true ? { cdText: true } : {};
    const needs: CopyNeeds = { mediaClass: run.mediaClass, ...(run.image === undefined ? {} : { format: run.image.format, trackModes: run.image.trackModes, ...text }) };
    if (candidates.some((d) => driveTakes(d, needs))) return null;
    const other = allowed === null ? '' : ' or choose other drives';
    if (!candidates.some((d) => driveTakes(d, { mediaClass: run.mediaClass }))) return `needs a person: ${where} takes ${cls} discs: add a ${cls} writer${other}`;
    if (needs.cdText === true && candidates.some((d) => driveTakes(d, { ...needs, cdText: false }))) {
      return `needs a person: ${where} is declared to write CD-TEXT, which its TOC file carries: ${CD_TEXT_HOW}${other}`;
    }
    const modes = [...new Set(needs.trackModes ?? [])].join(', ');
    return `needs a person: ${where} can burn its ${modes} CUE tracks (a stdio: drive burns MODE1/2048 only): bring a ${cls} writer into service${other}`;
  }

  async #read(): Promise<Reading> {
    const maxAge = this.#o.maxAgeMs ?? 1000;
    const r = this.#reading;
    if (r !== null && performance.now() - r.at <= maxAge) return r;
    this.#loading ??= (async () => {
      try {
        const [statuses, agents] = await Promise.all([readAllDriveStatuses(this.#o.redis, this.#o.keys), this.#o.agents()]);
        const online = new Map(agents.map((a) => [a.id, a]));
        // In service: its agent answers and still reports it, and it is not offline or quarantined.
        const drives = statuses.filter((s) => {
          const agent = online.get(s.agentId);
          return agent?.online === true && (agent.driveIds.length === 0 || agent.driveIds.includes(s.driveId))
            && s.state !== 'offline' && s.state !== 'quarantined';
        });
        this.#reading = { at: performance.now(), drives };
        return this.#reading;
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }
}

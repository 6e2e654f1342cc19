/**
 * Redis keys the controller writes itself (beside the jobs package's
 * `KeySpace` and the agent keys of `agent-keys.ts`). Every such key is built here.
 */

/** Keys under one prefix (default `tower`, the jobs package's default). */
export class ControllerKeys {
  constructor(readonly prefix = 'tower') {}

  /** Hash: what the controller knows of a run beyond the run store (`RunMeta`). */
  runMeta(runId: string): string {
    return `${this.prefix}:run:${runId}:meta`;
  }
  /** List: audit entries as JSON, newest first (capped). */
  audit(): string {
    return `${this.prefix}:audit`;
  }
  /** List: quarantine and release events as JSON, newest first (capped). */
  quarantineHistory(): string {
    return `${this.prefix}:quarantine-history`;
  }
  /** Hash: one master read (fields in `master-records.ts`). */
  master(masterId: string): string {
    return `${this.prefix}:master:${masterId}`;
  }
  /** Sorted set: master ids by start time. */
  masters(): string {
    return `${this.prefix}:masters`;
  }
}

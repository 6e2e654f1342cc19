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
  /** Sorted set: wall-screen ids by creation time. */
  screens(): string {
    return `${this.prefix}:screens`;
  }
  /** Hash: one wall screen (fields in `screen-registry.ts`). */
  screen(screenId: string): string {
    return `${this.prefix}:screen:${screenId}`;
  }
  /** String: the screen id a pairing code (by its SHA-256) is for; expires with the code. */
  screenCode(codeSha256: string): string {
    return `${this.prefix}:screen-code:${codeSha256}`;
  }
  /** String (JSON, expiring): a request's claim of its `Idempotency-Key`, then its answer (idempotency.ts); by the SHA-256 of principal, route and key. */
  idempotency(sha256: string): string {
    return `${this.prefix}:idempotency:${sha256}`;
  }
  /** Pub/sub channel: a screen was paired or revoked (`{ "event": "paired" | "revoked", "id": … }`). */
  screensChannel(): string {
    return `${this.prefix}:screens:changed`;
  }
}

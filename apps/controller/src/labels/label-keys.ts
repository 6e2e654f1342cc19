/**
 * The Redis keys of disc labels, under the tower's prefix. Kept here rather
 * than in the jobs' `RedisSchema`: nothing but the controller's label code
 * reads or writes them.
 */
import type { RedisSchema } from '@tower/jobs';

/** Key names of the label feature. */
export class LabelKeys {
  constructor(private readonly keys: RedisSchema) {}

  /** Hash: label template name → JSON `LabelTemplate` (label-template-store.ts). */
  templates(): string {
    return `${this.keys.prefix}:labels:templates`;
  }
  /** List: the print log, JSON `LabelPrint` entries, newest first (capped). */
  prints(): string {
    return `${this.keys.prefix}:labels:prints`;
  }
  /**
   * Hash of one run's printing: `n` (good discs given a label so far, for
   * "copy n of N"), `a:<attemptId>` (an attempt's print claimed: by one
   * controller, once).
   */
  run(runId: string): string {
    return `${this.keys.prefix}:labels:run:${runId}`;
  }
  /** Set: `<runId>:<attemptId>` of each print given up and alerted (once). */
  alerted(): string {
    return `${this.keys.prefix}:labels:alerted`;
  }
}

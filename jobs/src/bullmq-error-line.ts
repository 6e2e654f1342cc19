/**
 * BullMQ's errors as one log line each. Its lock and state errors ("Missing
 * lock for job 42. moveToFinished", "could not renew lock for job 42") are
 * expected on a tower: a copy whose lock expired (a stalled agent, a frozen
 * Redis) goes to another drive, and the first one's late result is refused.
 * They become a warning naming the job, the queue and what happened; any
 * other error stays an error, with BullMQ's own message.
 *
 * The texts matched are BullMQ's (bullmq/dist/esm/classes/finished-errors.js
 * and lock-manager.js, bullmq 6).
 */
import type { Logger } from './logger.js';

/** What a BullMQ error becomes in the log. */
export interface BullmqErrorLine {
  readonly level: 'warn' | 'error';
  /** The line's fields: the job, the queue and BullMQ's command, as far as known. */
  readonly fields: { readonly jobId?: string; readonly queue?: string; readonly command?: string };
  readonly msg: string;
}

interface Pattern {
  readonly re: RegExp;
  /** The job id, BullMQ's command (its Lua script; '' when the text names none) and the message, from the match. */
  readonly line: (m: readonly string[]) => { jobId: string; command: string; msg: string };
}

/** BullMQ's texts of an expected loss of a job (finished-errors.js, lock-manager.js). */
const EXPECTED: readonly Pattern[] = [
  {
    re: /^Missing lock for job (\S+)\. (\w+)$/,
    line: ([, job = '', cmd = '']) => ({
      jobId: job, command: cmd,
      msg: `job ${job} lost its lock before ${cmd} (it stalled and went to another worker, or its lock expired): this worker's result is not recorded`,
    }),
  },
  {
    re: /^Lock mismatch for job (\S+)\. Cmd (\w+) from (\w+)$/,
    line: ([, job = '', cmd = '', state = '']) => ({
      jobId: job, command: cmd, msg: `job ${job} is locked by another worker now (${cmd} from ${state}): this worker's result is not recorded`,
    }),
  },
  {
    re: /^could not renew lock for job (\S+)$/,
    line: ([, job = '']) => ({ jobId: job, command: '', msg: `job ${job}: its lock could not be renewed; it may stall and go to another worker` }),
  },
  {
    re: /^Missing key for job (\S+)\. (\w+)$/,
    line: ([, job = '', cmd = '']) => ({ jobId: job, command: cmd, msg: `job ${job} is gone (removed, e.g. with its run) before ${cmd}` }),
  },
  {
    re: /^Job (\S+) is not in the (\w+) state\. (\w+)$/,
    line: ([, job = '', state = '', cmd = '']) => ({
      jobId: job, command: cmd, msg: `job ${job} is no longer ${state} (${cmd}): the stalled-job checker or another worker moved it`,
    }),
  },
];

/** The log line of a BullMQ error (`queue`: the queue whose worker or queue object emitted it, if known). */
export function bullmqErrorLine(err: Error, queue?: string): BullmqErrorLine {
  const where = queue === undefined ? {} : { queue };
  for (const p of EXPECTED) {
    const m = p.re.exec(err.message);
    if (m === null) continue;
    const { jobId, command, msg } = p.line(m);
    return { level: 'warn', fields: { jobId, ...where, ...(command === '' ? {} : { command }) }, msg };
  }
  return { level: 'error', fields: where, msg: err.message };
}

/** Write a BullMQ error to a logger as its one line. */
export function logBullmqError(log: Logger, err: Error, queue?: string): void {
  const line = bullmqErrorLine(err, queue);
  log[line.level](line.fields, line.msg);
}

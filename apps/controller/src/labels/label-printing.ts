/**
 * LabelPrinting: prints each good disc's label once it passes, and a REJECT
 * label for a failed disc (`printing.rejectLabels`), for runs made with
 * `printLabels`. It listens to the drive workers' attempt ends (the run
 * events channel the feed relays), claims each attempt's print in Redis
 * (one controller prints it, once), numbers the good discs of a run in the
 * order they passed ("copy n of N"), renders the run's label template with
 * the disc's values (`rsvg-convert`) and sends the PDF to the CUPS queue
 * (`lp`).
 *
 * Prints are queued here and tried one at a time, each a bounded number of
 * times with a doubling wait; every try goes into the print log, and a print
 * given up (the printer unreachable, the template gone or broken) is alerted
 * (`label-print-failed`). Nothing here holds up or fails a run: the drive
 * workers never wait for it. Prints still queued when the controller stops
 * are lost (see the README).
 */
import type { AttemptEndEvent, RunEvent } from '@tower/jobs';
import { setLabel, setPositionOf } from '@tower/jobs';
import { parseMessage } from '@tower/jobs';
import type { ApiServices } from '../api/api-services.js';
import type { RedisSubscriber } from '../api/redis-subscriber.js';
import type { HeldCondition } from '../alerts/alert-conditions.js';
import type { PrintingConfig } from '../config/printing-config.js';
import type { LabelPrint } from '../shared/label-schemas.js';
import { LabelKeys } from './label-keys.js';
import { fillLabelTemplate, labelDate, rejectLabelSvg } from './label-template.js';
import type { LabelValues } from './label-template.js';
import { LabelTemplateStore } from './label-template-store.js';
import { printPdf, renderSvgToPdf, ToolError } from './label-render.js';
import { PrintLog } from './print-log.js';
import { readRunLabels } from './run-labels.js';

/** Options of a {@link LabelPrinting}. */
export interface LabelPrintingOptions {
  readonly services: ApiServices;
  readonly config: PrintingConfig;
  /** Alert a print given up, once per `claimKey` in the set `claimSet`. */
  readonly alert: (c: HeldCondition, claimSet: string, claimKey: string) => Promise<void>;
  readonly line: (text: string) => void;
}

/** One label to print. */
interface PrintJob {
  readonly runId: string;
  readonly attemptId: string;
  readonly kind: 'label' | 'reject';
  readonly copy: number | null;
  readonly copies: number;
  readonly template: string;
  readonly values: LabelValues;
  attempt: number;
  dueAt: number;
}

/** A failure no retry can mend (the template is gone or does not render). */
class FinalPrintError extends Error {}

/** Prints disc labels as discs pass and fail. */
export class LabelPrinting {
  readonly log: PrintLog;
  readonly #o: LabelPrintingOptions;
  readonly #keys: LabelKeys;
  readonly #templates: LabelTemplateStore;
  readonly #queue: PrintJob[] = [];
  #working = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: LabelPrintingOptions) {
    this.#o = options;
    const s = options.services;
    this.#keys = new LabelKeys(s.keys);
    this.#templates = new LabelTemplateStore(s.deps.redis, this.#keys, s.now);
    this.log = new PrintLog(s.deps.redis, this.#keys);
  }

  /** Listen to attempt ends. */
  async start(subscriber: RedisSubscriber): Promise<void> {
    await subscriber.on(this.#o.services.keys.runEvents(), (text) => {
      const event = parseMessage<RunEvent>(text, 'kind');
      if (event?.kind === 'attempt-end' && !this.#closed) void this.#onEnd(event).catch((err: unknown) => this.#o.line(`labels: ${(err as Error).message}`));
    });
  }

  /** Stop; prints still queued are dropped (each was logged when it was tried). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }

  /** Prints waiting (first tries and retries). */
  get pending(): number {
    return this.#queue.length;
  }

  async #onEnd(e: AttemptEndEvent): Promise<void> {
    const kind = e.outcome === 'passed' && e.counted ? 'label' : e.outcome === 'failed' && this.#o.config.rejectLabels ? 'reject' : null;
    if (kind === null) return;
    const s = this.#o.services;
    const redis = s.deps.redis;
    const settings = await readRunLabels(redis, s.keys, e.runId);
    if (!settings.printLabels || settings.labelTemplate === null) return;
    // One controller prints each attempt's label, once.
    if (await redis.hsetnx(this.#keys.run(e.runId), `a:${e.attemptId}`, String(s.now())) !== 1) return;
    const copy = kind === 'label' ? await redis.hincrby(this.#keys.run(e.runId), 'n', 1) : null;
    const run = await s.deps.runStore.getRun(e.runId);
    const copies = run?.copies ?? 0;
    // A merged run's disc carries its copy slot's row (its serial, or a CSV row's fields), a failed one too.
    const row = run === null ? {} : ((await s.deps.runStore.slotMerge(run, e.copy))?.fields ?? {});
    const values: LabelValues = {
      runLabel: settings.label ?? '',
      serial: row.serial ?? '',
      copy: copy === null ? '' : String(copy),
      copies: String(copies),
      date: labelDate(s.now()),
      // A set run's disc: which set and disc it is (`set 2 · disc 1/3`), for collating.
      ...(run?.set === undefined ? {} : { setPosition: setLabel(setPositionOf(run.set.discs, e.copy)) }),
      row: kind === 'reject' ? { ...row, drive: e.driveId, reason: e.errorCode ?? 'failed' } : row,
      merge: settings.labelMerge,
    };
    this.#queue.push({ runId: e.runId, attemptId: e.attemptId, kind, copy, copies, template: kind === 'reject' ? 'REJECT' : settings.labelTemplate, values, attempt: 1, dueAt: 0 });
    this.#kick();
  }

  /** Work through the queue, one print at a time, each when it is due. */
  #kick(): void {
    if (this.#working || this.#closed) return;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const now = Date.now();
    const i = this.#queue.findIndex((j) => j.dueAt <= now);
    if (i === -1) {
      if (this.#queue.length === 0) return;
      const next = Math.min(...this.#queue.map((j) => j.dueAt));
      this.#timer = setTimeout(() => this.#kick(), Math.max(0, next - now));
      this.#timer.unref();
      return;
    }
    const [job] = this.#queue.splice(i, 1);
    if (job === undefined) return;
    this.#working = true;
    void this.#try(job).catch((err: unknown) => this.#o.line(`labels: ${(err as Error).message}`)).finally(() => {
      this.#working = false;
      this.#kick();
    });
  }

  async #try(job: PrintJob): Promise<void> {
    const { config } = this.#o;
    const entry = {
      runId: job.runId, attemptId: job.attemptId, kind: job.kind, copy: job.copy, copies: job.copies, template: job.template, queue: config.queue, attempt: job.attempt,
    };
    try {
      const svg = job.kind === 'reject' ? rejectLabelSvg() : (await this.#templates.get(job.template))?.svg;
      if (svg === undefined) throw new FinalPrintError(`label template ${job.template} no longer exists`);
      const pdf = await renderSvgToPdf(fillLabelTemplate(svg, job.values), config.timeoutMs).catch((err: unknown) => {
        throw err instanceof ToolError && err.code === 'FAILED' ? new FinalPrintError(`label template ${job.template} does not render: ${err.message}`) : err;
      });
      const title = job.kind === 'reject' ? `REJECT ${job.runId} ${job.attemptId}` : `${job.runId} copy ${job.copy ?? ''} of ${job.copies}`;
      const jobId = await printPdf({ server: config.server, queue: config.queue }, pdf, title, config.timeoutMs);
      await this.#append({ ...entry, status: 'printed', jobId, error: null, at: this.#o.services.now() });
    } catch (err) {
      const message = (err as Error).message;
      const final = err instanceof FinalPrintError || job.attempt >= config.retry.attempts;
      await this.#append({ ...entry, status: final ? 'failed' : 'retrying', jobId: null, error: message, at: this.#o.services.now() });
      const what = job.kind === 'reject' ? `the REJECT label of attempt ${job.attemptId}` : `the label of copy ${job.copy ?? '?'} of ${job.copies}`;
      this.#o.line(`labels: ${what} of run ${job.runId} not printed (try ${job.attempt} of ${config.retry.attempts}): ${message}`);
      if (final) {
        const subject = job.runId;
        const c: HeldCondition = {
          key: `label-print-failed:${subject}`, condition: 'label-print-failed', subject,
          message: `Run ${job.runId}: ${what} was not printed on ${config.queue}: ${message}`,
        };
        await this.#o.alert(c, this.#keys.alerted(), `${job.runId}:${job.attemptId}`);
        return;
      }
      job.dueAt = Date.now() + config.retry.backoffMs * 2 ** (job.attempt - 1);
      job.attempt += 1;
      this.#queue.push(job);
    }
  }

  async #append(entry: LabelPrint): Promise<void> {
    await this.log.append(entry).catch((err: unknown) => this.#o.line(`labels: print log: ${(err as Error).message}`));
  }
}

/**
 * AlertDispatcher: sends each alert to the channels configured for its
 * condition, in the background. A try that fails is logged (the delivery
 * log and one log line) and tried again after a backoff that doubles each
 * time (from `retry.backoffMs`, capped at 10 minutes) up to
 * `retry.attempts` tries; then it is given up (`failed`). Nothing here ever
 * waits on a receiver on behalf of a run: `dispatch` returns at once.
 * Tries still due when the controller stops are dropped (the alert itself
 * is in Redis and the screen).
 */
import type { AlertsConfig, WebhookSpec } from '../config/alerts-config.js';
import type { AlertDelivery, AlertViewType } from '../shared/alert-schemas.js';
import { EmailChannel, postWebhook } from './alert-channels.js';
import type { EmailAttachment, TryResult } from './alert-channels.js';
import type { DeliveryLog } from './delivery-log.js';

/** Longest wait between two tries, ms. */
export const MAX_BACKOFF_MS = 600_000;

/** Options of an {@link AlertDispatcher}. */
export interface AlertDispatcherOptions {
  readonly config: AlertsConfig;
  readonly log: DeliveryLog;
  /** Names the tower in bodies and subjects (the Redis prefix). */
  readonly tower: string;
  readonly line: (text: string) => void;
  readonly now?: () => number;
  /**
   * A run's certificate, for the email of a run's end when the email channel
   * asks for it (`attachCertificate`); null: none. A certificate that cannot
   * be made is left out with a line, and the email goes all the same.
   */
  readonly certificate?: (runId: string) => Promise<EmailAttachment | null>;
}

/** Where an alert goes, one try at a time. */
interface Channel {
  readonly name: 'webhook' | 'email';
  readonly target: string;
  readonly send: (alert: AlertViewType) => Promise<TryResult>;
}

/** The wait before try `attempt + 1`, ms. */
export function backoffMs(base: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, attempt - 1));
}

/** Sends alerts and retries. */
export class AlertDispatcher {
  readonly #o: AlertDispatcherOptions;
  readonly #email: EmailChannel | null;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: AlertDispatcherOptions) {
    this.#o = options;
    this.#email = options.config.email === null ? null : new EmailChannel(options.config.email);
  }

  /** Send an alert to every channel that takes its condition; returns at once. */
  dispatch(alert: AlertViewType): void {
    if (this.#closed) return;
    for (const channel of this.#channelsFor(alert)) this.#try(channel, alert, 1);
  }

  /** Drop the tries still due, wait for those under way, close the SMTP transport. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
    this.#email?.close();
  }

  #channelsFor(alert: AlertViewType): Channel[] {
    const { config, tower } = this.#o;
    const out: Channel[] = config.webhooks
      .filter((w) => w.conditions.includes(alert.condition))
      .map((w) => ({ name: 'webhook' as const, target: targetOf(w), send: (a: AlertViewType) => postWebhook(w, a, tower) }));
    const email = this.#email;
    if (email !== null && email.spec.conditions.includes(alert.condition)) {
      out.push({ name: 'email', target: email.spec.to.join(', '), send: async (a) => email.send(a, tower, await this.#attachments(email, a)) });
    }
    return out;
  }

  /** The certificate of a run's end, when asked for and it can be made. */
  async #attachments(email: EmailChannel, alert: AlertViewType): Promise<EmailAttachment[]> {
    const make = this.#o.certificate;
    if (email.spec.attachCertificate !== true || make === undefined || (alert.condition !== 'run-completed' && alert.condition !== 'run-failed')) return [];
    try {
      const file = await make(alert.subject);
      return file === null ? [] : [file];
    } catch (err) {
      this.#o.line(`alerts: the certificate of run ${alert.subject} could not be made, the email goes without it: ${(err as Error).message}`);
      return [];
    }
  }

  #try(channel: Channel, alert: AlertViewType, attempt: number): void {
    const run = (async () => {
      const result = await channel.send(alert);
      const { attempts, backoffMs: base } = this.#o.config.retry;
      const now = (this.#o.now ?? Date.now)();
      const again = !result.ok && attempt < attempts && !this.#closed;
      const wait = backoffMs(base, attempt);
      const entry: AlertDelivery = {
        alertId: alert.id, key: alert.key, kind: alert.kind, channel: channel.name, target: channel.target, attempt,
        status: result.ok ? 'delivered' : again ? 'retrying' : 'failed',
        httpStatus: result.httpStatus, error: result.error, at: now, nextAt: again ? now + wait : null,
      };
      // A log entry lost to a Redis outage is not worth a line of its own: the outage has its own.
      await this.#o.log.append(entry).catch(() => undefined);
      if (result.ok) return;
      this.#o.line(`alerts: ${channel.name} ${channel.target} did not take ${alert.kind} ${alert.key} (try ${attempt} of ${attempts}): ${result.error ?? 'failed'}${again ? `; again in ${wait} ms` : '; given up'}`);
      if (!again) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#try(channel, alert, attempt + 1);
      }, wait);
      timer.unref();
      this.#timers.add(timer);
    })();
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }
}

/** A webhook as the log shows it: origin and path (no query, which may carry a key). */
function targetOf(w: WebhookSpec): string {
  const u = new URL(w.url);
  return `${u.origin}${u.pathname}`;
}

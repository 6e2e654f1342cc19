/**
 * The channels an alert leaves the controller by: a webhook (a JSON POST,
 * signed: webhook-signature.ts) and email (SMTP, nodemailer). Each send is
 * one try; `AlertDispatcher` retries and logs.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { EmailSpec, WebhookSpec } from '../config/alerts-config.js';
import type { AlertViewType } from '../shared/alert-schemas.js';
import { signWebhook } from './webhook-signature.js';

/** The outcome of one try. */
export interface TryResult {
  readonly ok: boolean;
  readonly httpStatus: number | null;
  readonly error: string | null;
}

/** How long one webhook try may take, ms. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** The JSON body of a webhook: the alert and which tower sent it. */
export function webhookBody(alert: AlertViewType, tower: string): string {
  return JSON.stringify({ tower, ...alert });
}

/** POST an alert to a webhook, once. */
export async function postWebhook(hook: WebhookSpec, alert: AlertViewType, tower: string, now = Date.now): Promise<TryResult> {
  const body = webhookBody(alert, tower);
  const timestamp = now();
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'tower-alerts/1',
        'x-tower-delivery': alert.id,
        'x-tower-timestamp': String(timestamp),
        'x-tower-signature': signWebhook(hook.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, httpStatus: res.status, error: ok ? null : `the receiver answered ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, httpStatus: null, error: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}

/** The subject line of an alert's email. */
export function emailSubject(alert: AlertViewType, tower: string): string {
  const what = alert.kind === 'cleared' ? 'cleared' : alert.kind === 'raised' ? 'ALERT' : 'event';
  return `[${tower}] ${what}: ${alert.condition} ${alert.subject}`;
}

/** A file sent with an alert's email. */
export interface EmailAttachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType: string;
}

/** Sends alerts by SMTP through one transport. */
export class EmailChannel {
  readonly #transport: Transporter;

  constructor(readonly spec: EmailSpec) {
    const { smtp } = spec;
    this.#transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.pass ?? '' } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  /** Send one alert, once, with the files given. */
  async send(alert: AlertViewType, tower: string, attachments: readonly EmailAttachment[] = []): Promise<TryResult> {
    try {
      await this.#transport.sendMail({
        from: this.spec.from,
        to: [...this.spec.to],
        subject: emailSubject(alert, tower),
        text: `${alert.message}\n\nCondition: ${alert.condition}\nSubject: ${alert.subject}\nKind: ${alert.kind}\nAt: ${new Date(alert.at).toISOString()}\nAlert id: ${alert.id}\n`,
        headers: { 'X-Tower-Alert': alert.id },
        ...(attachments.length === 0 ? {} : { attachments: attachments.map((a) => ({ ...a })) }),
      });
      return { ok: true, httpStatus: null, error: null };
    } catch (err) {
      return { ok: false, httpStatus: null, error: (err as Error).message };
    }
  }

  close(): void {
    this.#transport.close();
  }
}

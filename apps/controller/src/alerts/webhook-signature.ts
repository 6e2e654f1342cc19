/**
 * The signature of a webhook's body, and its check (what a receiver does).
 *
 * Every webhook POST carries `X-Tower-Timestamp` (ms since the epoch when
 * it was sent) and `X-Tower-Signature: sha256=<hex>`, the HMAC-SHA256 with
 * the webhook's secret of `<timestamp>.<body>` (the raw body bytes). The
 * receiver computes the same over what it got, compares in constant time,
 * and refuses a timestamp too far from its clock (a replay).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header's value for a body sent at `timestamp`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Whether a received webhook is genuine: its signature matches and its
 * timestamp is within `toleranceMs` (default 5 minutes) of `now`.
 */
export function verifyWebhook(
  secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, body: string, now = Date.now(), toleranceMs = 300_000,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isSafeInteger(ts) || Math.abs(now - ts) > toleranceMs || headers.signature === undefined) return false;
  const want = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

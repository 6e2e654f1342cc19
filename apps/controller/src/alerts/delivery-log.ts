/**
 * The alert delivery log: every try at delivering an alert by webhook or
 * email (delivered, retrying, failed), a capped Redis list of JSON entries,
 * newest first (`GET /api/alerts/deliveries`).
 */
import type { Redis } from 'ioredis';
import type { RedisSchema } from '@tower/jobs';
import type { AlertDelivery } from '../shared/alert-schemas.js';

/** Entries kept. */
export const DELIVERY_LOG_MAX = 2000;

/** Appends and lists delivery tries. */
export class DeliveryLog {
  constructor(private readonly redis: Redis, private readonly keys: RedisSchema) {}

  /** Append one try. */
  async append(entry: AlertDelivery): Promise<void> {
    await this.redis.multi().lpush(this.keys.alertDeliveries(), JSON.stringify(entry)).ltrim(this.keys.alertDeliveries(), 0, DELIVERY_LOG_MAX - 1).exec();
  }

  /** The newest `limit` tries, newest first. */
  async list(limit = 100): Promise<AlertDelivery[]> {
    const raw = await this.redis.lrange(this.keys.alertDeliveries(), 0, Math.max(0, limit - 1));
    const out: AlertDelivery[] = [];
    for (const text of raw) {
      try {
        out.push(JSON.parse(text) as AlertDelivery);
      } catch {
        // A damaged entry is skipped.
      }
    }
    return out;
  }
}

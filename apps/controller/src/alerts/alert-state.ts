/**
 * AlertState: which alerts are raised now, in Redis, so a condition that
 * holds is alerted once however many drive updates repeat it, its end once,
 * and a restarted controller (or a second one) sends neither again.
 *
 * Raised alerts live in a hash by key (`HSETNX`: of two controllers that see
 * a new condition, one raises it), cleared ones leave it (`HDEL`: one clears
 * it). A run's end is claimed once in a set. Every alert raised, cleared or
 * sent as an event goes into a capped history list, newest first.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisSchema } from '@tower/jobs';
import type { AlertViewType } from '../shared/alert-schemas.js';
import type { HeldCondition } from './alert-conditions.js';

/** Alerts kept in the history list. */
export const ALERT_HISTORY_MAX = 1000;

/** Raises and clears alerts, once each. */
export class AlertState {
  constructor(private readonly redis: Redis, private readonly keys: RedisSchema, private readonly now: () => number = Date.now) {}

  /** The alerts raised now, by key. */
  async active(): Promise<Map<string, AlertViewType>> {
    const raw = await this.redis.hgetall(this.keys.alertsActive());
    const out = new Map<string, AlertViewType>();
    for (const [key, text] of Object.entries(raw)) {
      const alert = parse(text);
      if (alert !== null) out.set(key, alert);
    }
    return out;
  }

  /** Raise a condition; the alert, or null when it was raised already. */
  async raise(c: HeldCondition): Promise<AlertViewType | null> {
    const alert: AlertViewType = { id: randomUUID(), key: c.key, condition: c.condition, subject: c.subject, kind: 'raised', message: c.message, at: this.now() };
    if (await this.redis.hsetnx(this.keys.alertsActive(), c.key, JSON.stringify(alert)) !== 1) return null;
    await this.#remember(alert);
    return alert;
  }

  /** Clear a raised condition; the clearing alert, or null when it was not raised (or cleared already). */
  async clear(raised: AlertViewType): Promise<AlertViewType | null> {
    if (await this.redis.hdel(this.keys.alertsActive(), raised.key) !== 1) return null;
    const alert: AlertViewType = {
      id: randomUUID(), key: raised.key, condition: raised.condition, subject: raised.subject, kind: 'cleared',
      message: `Cleared: ${raised.message}`, at: this.now(), since: raised.at,
    };
    await this.#remember(alert);
    return alert;
  }

  /** A one-off event (a run's end), claimed once by `claimKey` in `set`; null when it was sent already. */
  async event(c: HeldCondition, set: string, claimKey: string): Promise<AlertViewType | null> {
    if (await this.redis.sadd(set, claimKey) !== 1) return null;
    const alert: AlertViewType = { id: randomUUID(), key: c.key, condition: c.condition, subject: c.subject, kind: 'event', message: c.message, at: this.now() };
    await this.#remember(alert);
    return alert;
  }

  /** The newest alerts, newest first. */
  async recent(limit = 100): Promise<AlertViewType[]> {
    const raw = await this.redis.lrange(this.keys.alertsHistory(), 0, Math.max(0, limit - 1));
    return raw.map(parse).filter((a): a is AlertViewType => a !== null);
  }

  async #remember(alert: AlertViewType): Promise<void> {
    await this.redis.multi().lpush(this.keys.alertsHistory(), JSON.stringify(alert)).ltrim(this.keys.alertsHistory(), 0, ALERT_HISTORY_MAX - 1).exec();
  }
}

function parse(text: string): AlertViewType | null {
  try {
    const v = JSON.parse(text) as AlertViewType;
    return typeof v === 'object' && v !== null && typeof v.key === 'string' ? v : null;
  } catch {
    return null;
  }
}

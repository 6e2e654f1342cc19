/**
 * StockStore: the blank stock per media type, in one Redis hash
 * (`RedisSchema.blankStock()`). The controller records what is received and
 * what a person corrects by hand (`received:<type>`, `adjusted:<type>`) and
 * each type's low-stock level (`threshold:<type>`); the run store's
 * attempt-end scripts count what is used (`used:<type>`: one per attempt
 * that wrote a disc) and wasted (`wasted:<type>`: of those, the coasters),
 * in the same script that closes the attempt, so a disc is counted exactly
 * once however often its copy is retried and whoever restarts.
 */
import type { Redis } from 'ioredis';
import type { RedisSchema } from '@tower/jobs';
import { mediaClassOf } from 'node-cdrecord-wrapper';
import type { MediaClass, MediaType } from 'node-cdrecord-wrapper';
import type { StockLevelView } from '../shared/stock-schemas.js';

const FIELDS = ['received', 'used', 'wasted', 'adjusted', 'threshold'] as const;
type Field = typeof FIELDS[number];

/** Reads and changes the blank stock. */
export class StockStore {
  constructor(private readonly redis: Redis, private readonly keys: RedisSchema) {}

  /** Every type with a record (received, used, adjusted or a threshold), by name. */
  async levels(): Promise<StockLevelView[]> {
    const raw = await this.redis.hgetall(this.keys.blankStock());
    const byType = new Map<string, Partial<Record<Field, number>>>();
    for (const [key, value] of Object.entries(raw)) {
      const at = key.indexOf(':');
      const field = key.slice(0, at) as Field;
      if (at < 0 || !FIELDS.includes(field)) continue;
      const type = key.slice(at + 1);
      const n = Number(value);
      if (!Number.isSafeInteger(n)) continue;
      byType.set(type, { ...byType.get(type), [field]: n });
    }
    return [...byType.entries()].map(([type, f]) => levelOf(type, f)).sort((a, b) => a.mediaType.localeCompare(b.mediaType));
  }

  /** One type's level (zeros when it has no record). */
  async level(mediaType: string): Promise<StockLevelView> {
    const values = await this.redis.hmget(this.keys.blankStock(), ...FIELDS.map((f) => `${f}:${mediaType}`));
    const f: Partial<Record<Field, number>> = {};
    FIELDS.forEach((name, i) => {
      const v = values[i];
      if (v !== null && v !== undefined && Number.isSafeInteger(Number(v))) f[name] = Number(v);
    });
    return levelOf(mediaType, f);
  }

  /** Blanks received. */
  async receive(mediaType: string, count: number): Promise<StockLevelView> {
    await this.redis.hincrby(this.keys.blankStock(), `received:${mediaType}`, count);
    return this.level(mediaType);
  }

  /** A hand correction (positive or negative). */
  async adjust(mediaType: string, delta: number): Promise<StockLevelView> {
    await this.redis.hincrby(this.keys.blankStock(), `adjusted:${mediaType}`, delta);
    return this.level(mediaType);
  }

  /** Set (or, with null, remove) a type's low-stock level. */
  async setThreshold(mediaType: string, threshold: number | null): Promise<StockLevelView> {
    if (threshold === null) await this.redis.hdel(this.keys.blankStock(), `threshold:${mediaType}`);
    else await this.redis.hset(this.keys.blankStock(), `threshold:${mediaType}`, threshold);
    return this.level(mediaType);
  }

  /**
   * Whether the stock can cover `copies` more good discs of a media class:
   * null when it can, or when no type of the class is counted at all (a
   * tower that keeps no stock is never warned); else the warning, in words.
   */
  async coverageWarning(mediaClass: string, copies: number): Promise<string | null> {
    const ofClass = (await this.levels()).filter((l) => mediaClassOf(l.mediaType as MediaType) === (mediaClass as MediaClass));
    const counted = ofClass.filter((l) => l.received !== 0 || l.adjusted !== 0 || l.threshold !== null);
    if (counted.length === 0) return null;
    const onHand = counted.reduce((sum, l) => sum + Math.max(0, l.onHand), 0);
    if (onHand >= copies) return null;
    const types = counted.map((l) => `${l.mediaType} ${Math.max(0, l.onHand)}`).join(', ');
    return `blank stock may not cover this run: ${copies} copies wanted, ${onHand} ${mediaClass.toUpperCase()} blanks on hand (${types}), before any coaster`;
  }
}

function levelOf(mediaType: string, f: Partial<Record<Field, number>>): StockLevelView {
  const received = f.received ?? 0;
  const used = f.used ?? 0;
  const adjusted = f.adjusted ?? 0;
  const onHand = received + adjusted - used;
  const threshold = f.threshold ?? null;
  return { mediaType, received, used, wasted: f.wasted ?? 0, adjusted, onHand, threshold, low: threshold !== null && onHand <= threshold };
}

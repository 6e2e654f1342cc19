/**
 * One dedicated ioredis subscriber connection for the whole app (feed relay
 * and agent replies); handlers per channel.
 */
import { Redis } from 'ioredis';
import type { RedisConnectivity } from '@tower/jobs';

/** Message handler of one channel. */
export type ChannelHandler = (message: string) => void;

/** A subscriber connection dispatching messages by channel. */
export class RedisSubscriber {
  readonly #redis: Redis;
  readonly #handlers = new Map<string, Set<ChannelHandler>>();
  #closed = false;

  /** `connectivity`: logs an outage of this connection (once, with the app's other connections). */
  constructor(redisUrl: string, onError?: (err: Error) => void, connectivity?: RedisConnectivity) {
    this.#redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.#redis.on('error', (err: Error) => onError?.(err));
    connectivity?.watch(this.#redis, 'feed');
    this.#redis.on('message', (channel: string, message: string) => {
      for (const h of this.#handlers.get(channel) ?? []) {
        try {
          h(message);
        } catch (err) {
          onError?.(err as Error);
        }
      }
    });
  }

  /** Connect. */
  async connect(): Promise<void> {
    await this.#redis.connect();
  }

  /** Subscribe a handler to a channel (resolves once Redis confirmed the subscription). */
  async on(channel: string, handler: ChannelHandler): Promise<void> {
    let set = this.#handlers.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(channel, set);
      await this.#redis.subscribe(channel);
    }
    set.add(handler);
  }

  /** Close the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/**
 * The snapshots of one feed connection: at most one is built and sent at a
 * time, and requests made meanwhile come to one more snapshot after it,
 * never a queue of them. "Sent" means written to the network: the next
 * snapshot is not built while the previous one still waits in the
 * connection's write buffer (a client that does not read gets no more).
 */
import type { FeedSnapshot } from '../shared/api-types.js';

/** What a {@link SnapshotSender} works with. */
export interface SnapshotSenderOptions {
  /** A snapshot built after the call. */
  readonly build: () => Promise<FeedSnapshot>;
  /** Send it (synchronous: queue it on the connection). */
  readonly emit: (snapshot: FeedSnapshot) => void;
  /** Resolves once what was emitted has been written out (or the connection closed). */
  readonly flushed: () => Promise<void>;
  readonly onError?: (err: Error) => void;
}

/** Builds and sends the snapshots of one connection, one at a time. */
export class SnapshotSender {
  readonly #o: SnapshotSenderOptions;
  #busy = false;
  #pending = false;
  #closed = false;
  #sent = 0;

  constructor(options: SnapshotSenderOptions) {
    this.#o = options;
  }

  /** Snapshots emitted so far. */
  get sent(): number {
    return this.#sent;
  }

  /** Ask for a snapshot: now, or once the one in hand is out (requests meanwhile come to one). */
  request(): void {
    if (this.#closed) return;
    if (this.#busy) {
      this.#pending = true;
      return;
    }
    this.#busy = true;
    this.#send()
      .catch((err: unknown) => {
        if (!this.#closed) this.#o.onError?.(err as Error);
      })
      .finally(() => {
        this.#busy = false;
        if (this.#pending) {
          this.#pending = false;
          this.request();
        }
      });
  }

  /** Stop: nothing more is built or sent. */
  close(): void {
    this.#closed = true;
    this.#pending = false;
  }

  async #send(): Promise<void> {
    const snapshot = await this.#o.build();
    if (this.#closed) return;
    this.#o.emit(snapshot);
    this.#sent++;
    await this.#o.flushed();
  }
}

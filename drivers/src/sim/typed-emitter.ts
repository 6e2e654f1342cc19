/**
 * A small typed wrapper over Node's EventEmitter: event names and listener
 * arguments are checked against an event map, e.g.
 * `{ progress: [BurnProgress]; tray: [{ open: boolean }] }`.
 */
import { EventEmitter } from 'node:events';

/** Event name → listener argument tuple (an interface or a type literal). */
export type EventMap<E> = { [K in keyof E]: unknown[] };

/** Typed subscribe/emit over one EventEmitter. */
export class TypedEmitter<E extends EventMap<E>> {
  readonly #emitter = new EventEmitter();

  constructor() {
    // A tower agent and a UI relay may both watch one drive; no leak warning at 10.
    this.#emitter.setMaxListeners(100);
  }

  /** Add a listener. */
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Add a listener that runs once. */
  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Remove a listener. */
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Remove every listener of one event, or of all events. */
  removeAllListeners<K extends keyof E & string>(event?: K): this {
    if (event === undefined) this.#emitter.removeAllListeners();
    else this.#emitter.removeAllListeners(event);
    return this;
  }

  /** Number of listeners of an event. */
  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  /** Emit an event; returns whether anyone listened. */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return this.#emitter.emit(event, ...args);
  }
}

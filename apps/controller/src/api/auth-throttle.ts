/**
 * Throttles token guessing: failed authentications are counted per client
 * (remote address). A client that fails `maxFailures` times within a window
 * of `windowMs` (counted from its first failure) is refused for `blockMs`:
 * every request of it that needs a token is answered 429 without its token
 * being looked at, so a guess costs a window, not a round trip. Other
 * clients are never affected.
 *
 * Logging is one line per client per window, never one per attempt: a window
 * that blocks its client gets its line at once (failures so far, the last
 * reason), plus one when the block ends if the client kept trying (how many
 * requests were refused); a window that never blocked gets its line when it
 * ends. A block ends its window: the client starts afresh after it.
 */

/** Limits of {@link AuthThrottle}. */
export interface AuthThrottleOptions {
  /** Failed authentications a client may make within one window; the next request is refused. Default 10. */
  readonly maxFailures?: number;
  /** A client's window, from its first failure (ms). Default 60 000. */
  readonly windowMs?: number;
  /** How long a client that reached `maxFailures` is refused (ms). Default 60 000. */
  readonly blockMs?: number;
  /** Clients tracked at once; beyond it the oldest window is logged and dropped. Default 10 000. */
  readonly maxClients?: number;
}

/** What {@link AuthThrottle} needs besides its limits. */
export interface AuthThrottleDeps {
  /** Receives one line per client per window. */
  readonly log: (line: string) => void;
  /** Monotonic clock, ms. Default `performance.now`. */
  readonly now?: () => number;
}

interface ClientWindow {
  start: number;
  failures: number;
  /** Requests refused with 429 during the block. */
  refused: number;
  blockedUntil: number;
  /** The client got blocked and its line is out. */
  logged: boolean;
  lastReason: string;
}

/** The same address whether the socket is IPv4 or dual-stack IPv6. */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/** Per-client failed-authentication limiter. */
export class AuthThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly blockMs: number;
  readonly #maxClients: number;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #clients = new Map<string, ClientWindow>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: AuthThrottleOptions, deps: AuthThrottleDeps) {
    this.maxFailures = positive(options.maxFailures, 10, 'maxFailures');
    this.windowMs = positive(options.windowMs, 60_000, 'windowMs');
    this.blockMs = positive(options.blockMs, 60_000, 'blockMs');
    this.#maxClients = positive(options.maxClients, 10_000, 'maxClients');
    this.#log = deps.log;
    this.#now = deps.now ?? (() => performance.now());
  }

  /**
   * How long `client` must wait before its token is looked at again (ms), 0
   * when it may try now. A positive answer counts as one refused request.
   */
  retryAfterMs(client: string): number {
    const w = this.#clients.get(clientKey(client));
    if (w === undefined) return 0;
    const wait = w.blockedUntil - this.#now();
    if (wait <= 0) return 0;
    w.refused += 1;
    return wait;
  }

  /** Record a failed authentication of `client`; `reason` goes into its line (e.g. "unknown API token on GET /api/runs"). */
  failed(client: string, reason: string): void {
    const key = clientKey(client);
    const now = this.#now();
    let w = this.#clients.get(key);
    if (w !== undefined && this.#ended(w, now)) {
      this.#close(key, w);
      w = undefined;
    }
    if (w === undefined) {
      if (this.#clients.size >= this.#maxClients) this.#dropOldest();
      w = { start: now, failures: 0, refused: 0, blockedUntil: 0, logged: false, lastReason: reason };
      this.#clients.set(key, w);
      this.#startSweeping();
    }
    w.failures += 1;
    w.lastReason = reason;
    if (w.failures >= this.maxFailures && w.blockedUntil === 0) {
      w.blockedUntil = now + this.blockMs;
      w.logged = true;
      this.#log(
        `auth: ${key}: ${w.failures} failed authentications in ${seconds(now - w.start)} (last: ${reason}); `
        + `refusing it (429) for ${seconds(this.blockMs)}`,
      );
    }
  }

  /** Clients currently refused (for tests and diagnostics). */
  blockedClients(): string[] {
    const now = this.#now();
    return [...this.#clients].filter(([, w]) => w.blockedUntil > now).map(([k]) => k);
  }

  /** Write the lines of windows that have ended and forget them. Runs by itself while clients are tracked. */
  sweep(): void {
    const now = this.#now();
    for (const [key, w] of this.#clients) if (this.#ended(w, now)) this.#close(key, w);
    if (this.#clients.size === 0) this.#stopSweeping();
  }

  /** Write the lines still owed and stop the sweep timer. */
  close(): void {
    for (const [key, w] of this.#clients) this.#close(key, w);
    this.#stopSweeping();
  }

  #ended(w: ClientWindow, now: number): boolean {
    return now >= (w.blockedUntil > 0 ? w.blockedUntil : w.start + this.windowMs);
  }

  #close(key: string, w: ClientWindow): void {
    this.#clients.delete(key);
    if (!w.logged) {
      this.#log(`auth: ${key}: ${w.failures} failed authentication${w.failures === 1 ? '' : 's'} within ${seconds(this.windowMs)} (last: ${w.lastReason})`);
    } else if (w.refused > 0) {
      this.#log(`auth: ${key}: ${w.refused} request${w.refused === 1 ? '' : 's'} refused (429) while blocked; it may try again`);
    }
  }

  #dropOldest(): void {
    const first = this.#clients.entries().next();
    if (first.done !== true) this.#close(first.value[0], first.value[1]);
  }

  #startSweeping(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.sweep(), Math.min(this.windowMs, 5000));
    this.#timer.unref();
  }

  #stopSweeping(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`authThrottle.${name} must be a number >= 1, got ${value}`);
  return Math.floor(value);
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}

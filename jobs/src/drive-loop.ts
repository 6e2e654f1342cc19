/**
 * A drive worker's loop: look at the drive, fetch a copy when it holds a
 * usable blank, sleep until the next look.
 *
 * - A look reads the quarantine (one shared reading serves the agent's drives
 *   that look within a short while), then the drive's media, and publishes
 *   what the drive needs (`quarantined`, `offline`, `empty`, `wrong-media`,
 *   `blank`). Only a blank of a class the drive takes leads to a fetch.
 * - Fetching is by hand, with a fresh token, from the agent's processor-less
 *   BullMQ worker of the class (`AgentConnections.fetchCopy`): the drive never
 *   holds a job while it waits for a disc. When another drive of the agent
 *   just found the queue empty, the fetch asks nobody.
 * - An idle drive with a blank that found nothing waits for a hand-off until
 *   its next look (`AgentConnections.waiting`): a copy handed to it is taken
 *   at once, instead of after the sleep.
 * - The sleep is the poll interval ±10 %, cut short by `wake()` (new work, a
 *   disc inserted, a release).
 * - `hold()` gives the drive to someone else between two looks (an
 *   operator's eject): no look of the loop opens the device meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { DriveGoneError, mediaClassOf } from 'node-cdrecord-wrapper';
import type { MediaClass, MediaStatus } from 'node-cdrecord-wrapper';
import type { DriveContext } from './drive-context.js';

/** Options of a {@link DriveLoop}. */
export interface DriveLoopOptions {
  readonly ctx: DriveContext;
  /** Work on a fetched or handed copy; false when it went back to the queue for another drive instead. */
  /** Work on a copy with the disc this look found (the burn cycle's one media read). */
  readonly handle: (job: Job, token: string, cls: MediaClass, media: MediaStatus) => Promise<boolean>;
  /** Whether the drive is working on a copy now. */
  readonly busy: () => boolean;
  /** Whether the drive can take a copy at all (its capabilities, the runs it refused): it is handed no other. */
  readonly takes: (job: Job) => boolean;
  /** The drive was seen quarantined and then not: someone released it. */
  readonly onReleased: () => void;
}

/** A copy another drive of the agent drew and handed to this one. */
interface Handed {
  readonly job: Job;
  readonly token: string;
  readonly cls: MediaClass;
}

/** The look, fetch and sleep loop of one drive. */
export class DriveLoop {
  readonly #o: DriveLoopOptions;
  readonly #ctx: DriveContext;
  #running: Promise<void> | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;
  /** The disc refused by the last copy (its media key): not looked at again until it changes. */
  #refusedMedia: string | null = null;
  /** A copy handed to this drive while it waited, taken at its next look. */
  #handed: Handed | null = null;
  /** Withdraws this drive from the agent's waiting drives. */
  #withdraw: (() => void) | null = null;
  #quarantined = false;
  /** Aborted by stop(): cuts short a loader's move the loop waits for. */
  readonly #halt = new AbortController();
  /** Set while someone holds the drive ({@link hold}): the loop starts no look and fetches no copy until it settles. */
  #held: Promise<void> | null = null;
  /** Settles when the current look ends; null between looks. */
  #looking: Promise<void> | null = null;
  /** No look before this (`performance.now()`): a tray an operator opened is left alone ({@link hold}'s `quietMs`). */
  #quietUntil = 0;

  constructor(options: DriveLoopOptions) {
    this.#o = options;
    this.#ctx = options.ctx;
  }

  /** Start looking (once). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Cut the current sleep short: look now. */
  wake(): void {
    this.#wake?.();
  }

  /** The disc in the drive was refused for the copy (null: unknown): wait for another. */
  refuse(media: MediaStatus | null): void {
    this.#refusedMedia = media === null ? null : mediaKey(media);
  }

  /**
   * Run `fn` with the drive to itself: after the current look, before the
   * next, which comes at once after `fn` settles, or `quietMs` after it (an
   * operator's eject: a real drive's media query closes an open tray, so the
   * drive is not looked at while the person takes the disc or puts one in).
   * A look that would fetch a copy meanwhile does not (a copy it just drew
   * goes back to the queue), so a hold waits for a burn only when one had
   * begun (check `busy` first). Holds run one at a time.
   */
  async hold<T>(fn: () => Promise<T>, options: { readonly quietMs?: number } = {}): Promise<T> {
    while (this.#held !== null) await this.#held;
    let release: () => void = () => undefined;
    this.#held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await this.#looking;
      return await fn();
    } finally {
      this.#held = null;
      if (options.quietMs !== undefined && options.quietMs > 0) this.#quietUntil = performance.now() + options.quietMs;
      release();
      this.wake();
    }
  }

  /** Stop after the current look (a copy in flight is let finish), then give back a copy handed meanwhile. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#halt.abort();
    this.#wake?.();
    await this.#running;
    this.#withdraw?.();
    this.#withdraw = null;
    const handed = this.#handed;
    this.#handed = null;
    if (handed !== null) await this.#ctx.putBack(handed.job, handed.token, 'not-taken').catch((e: unknown) => this.#ctx.error(e));
  }

  async #run(): Promise<void> {
    const poll = this.#ctx.options.pollIntervalMs;
    while (!this.#stopping) {
      if (this.#held !== null) {
        await this.#held;
        continue;
      }
      const quiet = this.#quietUntil - performance.now();
      if (quiet > 0) {
        await this.#sleep(quiet);
        continue;
      }
      let wait = poll;
      let lookEnded: () => void = () => undefined;
      this.#looking = new Promise<void>((resolve) => {
        lookEnded = resolve;
      });
      try {
        wait = await this.#tick(poll);
      } catch (err) {
        this.#ctx.error(err);
      } finally {
        this.#looking = null;
        lookEnded();
      }
      // ±10 % so the drives of an agent, woken together, drift apart again: their looks
      // at Redis spread out (and share readings), and no drive always asks first.
      if (wait > 0 && !this.#stopping && this.#held === null) await this.#sleep(wait * (0.9 + 0.2 * Math.random()));
    }
  }

  /** One look at the drive and, when it holds a usable blank, at the queue. Returns ms to wait. */
  async #tick(poll: number): Promise<number> {
    this.#withdraw?.();
    this.#withdraw = null;
    const handed = this.#handed;
    this.#handed = null;
    if (handed === null) return this.#look(poll, null);
    let taken = false;
    try {
      return await this.#look(poll, (cls) => {
        taken = cls === handed.cls;
        return taken ? handed : null;
      });
    } finally {
      // The drive could not take what it was handed after all (quarantined, disc gone): back to the queue at once.
      if (!taken) await this.#ctx.putBack(handed.job, handed.token, 'not-taken').catch((e: unknown) => this.#ctx.error(e));
    }
  }

  /** The body of a look; `take` yields the copy handed to this drive, if it suits the blank's class. */
  async #look(poll: number, take: ((cls: MediaClass) => Handed | null) | null): Promise<number> {
    const ctx = this.#ctx;
    // One read of the quarantine hash serves the agent's drives that look within a tenth of a second (or a quarter poll).
    const q = await ctx.pool.quarantineOf(ctx.driveId, Math.min(100, poll / 4));
    if (q !== null) {
      this.#quarantined = true;
      ctx.set({ state: 'quarantined', message: `${q.reason}. Check the drive and its discs, then release it.` });
      return poll;
    }
    if (this.#quarantined) {
      this.#quarantined = false;
      this.#o.onReleased();
    }
    // The loader's stock, published with every state from now on.
    if (ctx.loader !== null && ctx.loader.facts === null) await ctx.loader.refresh();
    let media: MediaStatus;
    try {
      media = await ctx.drive.media();
    } catch (err) {
      if (!(err instanceof DriveGoneError)) throw err;
      ctx.set({ state: 'offline', message: 'the drive does not answer: check its cable and power' });
      return poll;
    }
    const last = ctx.status()?.state;
    if (media.status === 'none' || media.type === null) {
      this.#refusedMedia = null;
      if (ctx.loader !== null) return this.#fromLoader(poll);
      if (ctx.options.autoLoader) ctx.set({ state: 'empty', message: 'the auto-loader is putting in a blank disc' });
      else if (last !== 'done' && last !== 'failed') ctx.set({ state: 'empty', message: 'insert a blank disc' });
      return poll;
    }
    const cls = mediaClassOf(media.type);
    if (media.status !== 'blank' || cls === null || !ctx.options.classes.includes(cls)) {
      // A done disc the loader keeps in the drive for want of room: once a person made room, it moves it on.
      if (await this.#heldMoved()) return 0;
      const what = media.status !== 'blank' ? `the ${media.type} is not blank` : `this drive takes no ${media.type} copies`;
      if (last !== 'done' && last !== 'failed') ctx.set({ state: 'wrong-media', mediaType: media.type, written: media.status !== 'blank', message: `${what}: take it out and insert a blank disc` });
      return poll;
    }
    if (this.#refusedMedia === mediaKey(media)) return poll;
    ctx.set({ state: 'blank', mediaType: media.type });
    // Someone holds the drive (an eject): no copy now; a handed one goes back (#tick).
    if (this.#held !== null) return 0;
    const handed = take?.(cls) ?? null;
    const token = handed?.token ?? randomUUID();
    // When another drive of this agent just found the queue empty, this asks nobody (see AgentConnections.fetchCopy).
    const job = handed?.job ?? await ctx.pool.fetchCopy(cls, token, poll / 2);
    if (job === undefined) {
      this.#waitForHandOff(cls);
      return poll;
    }
    if (this.#held !== null && handed === null) {
      // Held while the fetch waited: the copy goes back for another drive, untouched.
      await ctx.putBack(job, token, 'not-taken');
      return 0;
    }
    if (await this.#o.handle(job, token, cls, media)) return 0;
    // A copy this drive may not take went back to the queue: step aside for a
    // poll interval so a drive that may take it gets it first, but take what
    // other drives of the agent hand over meanwhile.
    this.#waitForHandOff(cls);
    return poll;
  }

  /** An empty drive with a loader: it puts a blank in (look again at once), or says why it cannot. */
  async #fromLoader(poll: number): Promise<number> {
    const ctx = this.#ctx;
    const loader = ctx.loader;
    if (loader === null) return poll;
    const wasLoaded = loader.facts?.driveLoaded === true;
    // The load may take a while (a robot's move, a simulated loader's delay): say so first, unless a person was called.
    if (loader.facts?.needsPerson !== 'input-empty' && loader.facts?.error === undefined) ctx.set({ state: 'empty', message: 'the disc loader is putting in a blank disc' });
    const facts = await loader.fill(this.#halt.signal);
    const message = facts?.error !== undefined ? `the disc loader failed: ${facts.error.message}`
      : facts?.needsPerson === 'input-empty' ? 'the disc loader has no blank disc left: load blank discs into its input'
        : 'the disc loader is putting in a blank disc';
    ctx.set({ state: 'empty', message });
    if (facts?.driveLoaded !== true || facts.error !== undefined) return poll;
    if (!wasLoaded) return 0;
    // The changer says the drive holds a disc the drive does not see: its tray was opened (an operator's eject). Close it.
    await ctx.drive.load().catch((err: unknown) => ctx.error(err));
    return poll;
  }

  /** The loader held a done disc (output or reject full): ask it again; true when the disc has gone on. */
  async #heldMoved(): Promise<boolean> {
    const loader = this.#ctx.loader;
    const held = loader?.facts?.needsPerson;
    if (loader === null || (held !== 'output-full' && held !== 'reject-full')) return false;
    const after = await loader.fill(this.#halt.signal);
    return after?.needsPerson !== held && after?.error === undefined;
  }

  /** Until its next look, this idle drive with a blank of `cls` takes copies other drives of the agent hand it. */
  #waitForHandOff(cls: MediaClass): void {
    if (!this.#stopping) this.#withdraw = this.#ctx.pool.waiting.wait(cls, this.#ctx.driveId, (j, t) => this.#receive(j, t, cls), this.#o.takes);
  }

  /** Take a copy another drive of the agent drew; false when this drive cannot now. */
  #receive(job: Job, token: string, cls: MediaClass): boolean {
    if (this.#stopping || this.#held !== null || performance.now() < this.#quietUntil || this.#o.busy() || this.#handed !== null) return false;
    this.#handed = { job, token, cls };
    this.#withdraw = null;
    this.#wake?.();
    return true;
  }

  #sleep(ms: number): Promise<void> {
    // Handed a copy between the look and this sleep: take it now.
    if (this.#handed !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }
}

/** What identifies a disc for the refused-disc check. */
function mediaKey(m: MediaStatus): string {
  return `${m.type ?? ''}|${m.status}|${m.capacitySectors}|${m.freeSectors}`;
}

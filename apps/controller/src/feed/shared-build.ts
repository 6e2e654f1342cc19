/**
 * One build shared by everyone who asks while it is due: at most one build
 * runs, and those who ask while it runs share the next one, started when it
 * ends (a build that began before someone asked may miss what they asked
 * after, so they do not get it). However many ask, at most two builds are
 * in hand at a time.
 */

/** Shares the builds of a value. */
export class SharedBuild<T> {
  #running: Promise<T> | null = null;
  #next: Promise<T> | null = null;

  constructor(private readonly build: () => Promise<T>) {}

  /** A value built after this call began. */
  get(): Promise<T> {
    if (this.#next !== null) return this.#next;
    if (this.#running === null) return this.#start();
    const next = this.#running.then(noop, noop).then(() => {
      this.#next = null;
      return this.#start();
    });
    this.#next = next;
    return next;
  }

  #start(): Promise<T> {
    const p = this.build();
    this.#running = p;
    const clear = (): void => {
      if (this.#running === p) this.#running = null;
    };
    p.then(clear, clear);
    return p;
  }
}

function noop(): void {}

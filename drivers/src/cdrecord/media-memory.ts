/**
 * One media query serves a burn cycle. A tower's drive worker asks `media()`
 * when it looks for work, the copy processor asks again before it records an
 * attempt, and `burn()` checks the disc once more: on a real drive each is a
 * cdrskin `-minfo` run that scans the bus, opens the drive and reads the
 * disc's structures. Answers younger than `maxAgeMs` are shared, so those
 * three questions cost one tool run.
 *
 * Anything this drive object does to the disc (burn, blank, eject, load)
 * forgets the answer, so a question after it is asked of the drive again:
 * a verify or a status poll after a burn never sees the blank from before.
 */
import type { MediaStatus } from '../drive-contract.js';

/** Default reuse window; a drive worker's look and the copy it starts are well within it. */
export const DEFAULT_MEDIA_REUSE_MS = 2_000;

export class MediaMemory {
  private answer: { readonly at: number; readonly media: MediaStatus } | null = null;
  /** Bumped by `forget()`: a query started before it must not be remembered after it. */
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number = DEFAULT_MEDIA_REUSE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The remembered answer if it is at most `maxAgeMs` old, else a new
   * `query()` (remembered when it succeeds). Queries are not shared while in
   * flight: each caller's own AbortSignal cancels only its own question.
   */
  async get(query: () => Promise<MediaStatus>): Promise<MediaStatus> {
    const answer = this.answer;
    if (answer !== null && this.maxAgeMs > 0 && this.now() - answer.at <= this.maxAgeMs) return answer.media;
    const generation = this.generation;
    const media = await query();
    if (generation === this.generation) this.answer = { at: this.now(), media };
    return media;
  }

  /** The disc may have changed (this object burned, blanked, ejected or loaded): ask the drive next time. */
  forget(): void {
    this.generation += 1;
    this.answer = null;
  }
}

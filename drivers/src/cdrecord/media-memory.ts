/**
 * One media query serves a burn cycle. A tower's drive worker asks `media()`
 * when it looks for work, the copy processor asks again before it records an
 * attempt, and `burn()` checks the disc once more: on a real drive each is a
 * cdrskin `-minfo` run that scans the bus, opens the drive and reads the
 * disc's structures. Answers younger than `maxAgeMs` are shared, so those
 * three questions cost one tool run.
 *
 * An idle drive is looked at every second or so. Past `maxAgeMs`, and up to
 * `recheckWithinMs` after it was asked, an answer is kept when a cheap
 * recheck (see media-recheck.ts: the kernel's media change count) says it
 * still holds; it is then shared for `maxAgeMs` again.
 * Otherwise, and always once it is older than `recheckWithinMs`, the drive
 * is asked in full.
 *
 * Anything this drive object does to the disc (burn, blank, eject, load)
 * forgets the answer, so a question after it is asked of the drive again:
 * a verify or a status poll after a burn never sees the blank from before.
 */
import type { MediaStatus } from '../drive-contract.js';

/** Default reuse window; a drive worker's look and the copy it starts are well within it. */
export const DEFAULT_MEDIA_REUSE_MS = 2_000;

/** Default bound on an answer kept by rechecks: the drive is asked in full at least this often. */
export const DEFAULT_MEDIA_RECHECK_MS = 60_000;

/** A cheap look at whether a remembered answer still holds. */
export interface MediaRecheck {
  /** A mark of the drive's state taken before a full query (the kernel's media change count), null when there is none. */
  mark(): Promise<string | null>;
  /** Whether `remembered`, asked after `mark` was taken, still describes the disc. */
  holds(remembered: MediaStatus, mark: string | null): Promise<boolean>;
}

interface Answer {
  readonly media: MediaStatus;
  /** When the drive was asked in full. */
  readonly askedAt: number;
  /** When the answer was last asked or found to hold. */
  readonly checkedAt: number;
  /** The recheck's mark taken before the query. */
  readonly mark: string | null;
}

export class MediaMemory {
  private answer: Answer | null = null;
  /** Bumped by `forget()`: a query or recheck started before it must not be remembered after it. */
  private generation = 0;

  /**
   * @param maxAgeMs Answers this young are shared without asking anything; 0 asks the drive every time.
   * @param now Clock, ms.
   * @param recheckWithinMs Answers up to this old may be kept by a recheck; 0 never rechecks.
   */
  constructor(
    private readonly maxAgeMs: number = DEFAULT_MEDIA_REUSE_MS,
    private readonly now: () => number = Date.now,
    private readonly recheckWithinMs: number = 0,
  ) {}

  /**
   * The remembered answer if it is at most `maxAgeMs` old, or if `recheck`
   * says it still holds (within `recheckWithinMs`); else a new `query()`
   * (remembered when it succeeds). Queries are not shared while in flight:
   * each caller's own AbortSignal cancels only its own question.
   */
  async get(query: () => Promise<MediaStatus>, recheck?: MediaRecheck): Promise<MediaStatus> {
    const answer = this.answer;
    const rechecking = recheck !== undefined && this.recheckWithinMs > 0 && this.maxAgeMs > 0;
    if (answer !== null && this.maxAgeMs > 0) {
      const now = this.now();
      if (now - answer.checkedAt <= this.maxAgeMs) return answer.media;
      if (rechecking && now - answer.askedAt <= this.recheckWithinMs) {
        const generation = this.generation;
        const holds = await recheck.holds(answer.media, answer.mark);
        if (holds && generation === this.generation && this.answer === answer) {
          this.answer = { ...answer, checkedAt: this.now() };
          return answer.media;
        }
      }
    }
    const generation = this.generation;
    const mark = rechecking ? await recheck.mark() : null;
    const media = await query();
    if (generation === this.generation) {
      const at = this.now();
      this.answer = { media, askedAt: at, checkedAt: at, mark };
    }
    return media;
  }

  /** The disc may have changed (this object burned, blanked, ejected or loaded): ask the drive next time. */
  forget(): void {
    this.generation += 1;
    this.answer = null;
  }
}

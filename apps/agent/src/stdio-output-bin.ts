/**
 * The output bin of a `stdio:` pseudo drive (`outputDir` of its drive entry):
 * every disc the drive burned leaves the drive file for a file of its own, as
 * an auto-loader sorts discs into its output and reject bins. A passed disc
 * goes to the output folder, a failed, cancelled or interrupted one to its
 * `rejects/` folder, under a name that says run, copy slot, disc label
 * (serial), attempt and result:
 * `run-<run>_copy-0003_serial-01003_<attempt 8>_passed.iso`.
 *
 * The move is a hard link then an unlink of the drive file (same filesystem,
 * checked when the configuration is read): a link never replaces a file (a
 * name taken gets `~2`, `~3`...), so a kept disc is never overwritten, and
 * the drive file is gone before the next burn, which starts a new file (the
 * next blank). What a crash can leave is tidied before the drive works again:
 * a drive file that is also a kept disc (killed between link and unlink) is
 * unlinked from the drive only; a drive file with data nobody sorted is kept
 * as a reject (`unsorted`); a disc already kept as passed whose attempt was
 * then closed interrupted is moved to the rejects. A disc is never kept as
 * passed unless its drive's worker said so. A disc the folder will not take
 * (removed, replaced, read-only) stays in the drive file, which the pseudo
 * drive then shows as written so no burn overwrites it, and the stock says
 * the bin is full until a later `fill()` (the worker asks at each look) moves it.
 *
 * It implements the disc loader contract, so the drive's worker and the
 * coaster hold call it as they call a robot; its stock counts the files.
 */
import { link, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceAddress, DiscLoader, DiscVerdict, LeavingDisc, LoaderStock } from 'node-cdrecord-wrapper';

/** The folder of a bin's coasters, inside its output folder. */
export const REJECTS_FOLDER = 'rejects';

/** The file name (without folder) a disc is kept under, before any `~N` for a name already taken. */
export function keptDiscName(disc: LeavingDisc | undefined, verdict: DiscVerdict | 'unsorted', at: Date): string {
  if (disc === undefined) return `${verdict}_${at.toISOString().replace(/[:.]/g, '-')}.iso`;
  const parts = [`run-${safe(disc.runId)}`, `copy-${String(disc.copy).padStart(4, '0')}`];
  if (disc.label !== undefined) parts.push(safe(disc.label));
  parts.push(safe(disc.attemptId.slice(0, 8)), verdict);
  return `${parts.join('_')}.iso`;
}

/** A name part of letters, digits, dots and dashes only (no folder, nothing hidden), at most 80 characters. */
function safe(text: string): string {
  const s = text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[.-]+|-+$/g, '').slice(0, 80);
  return s === '' ? 'x' : s;
}

/** Keeps each disc of one `stdio:` pseudo drive as a file in its output folder. */
export class StdioOutputBin implements DiscLoader {
  readonly drive: DeviceAddress;
  readonly #target: string;
  readonly #outputDir: string;
  readonly #rejectsDir: string;
  readonly #now: () => Date;
  #tidied = false;
  /** A disc that could not be moved (its folder gone or not writable): it stays in the drive file until a later `fill()` moves it. */
  #held: { readonly verdict: DiscVerdict | 'unsorted'; readonly disc: LeavingDisc | undefined } | null = null;

  /**
   * `target` is the drive file (the path of `stdio:<path>`), `outputDir` the
   * folder on its filesystem the discs are kept in (it exists: the
   * configuration checked it).
   */
  constructor(options: { readonly drive: DeviceAddress; readonly target: string; readonly outputDir: string; readonly now?: () => Date }) {
    this.drive = options.drive;
    this.#target = options.target;
    this.#outputDir = options.outputDir;
    this.#rejectsDir = path.join(options.outputDir, REJECTS_FOLDER);
    this.#now = options.now ?? (() => new Date());
  }

  /** Where passed discs go. */
  get outputDir(): string {
    return this.#outputDir;
  }

  /** The drive file holds a disc that could not be moved yet: no burn may overwrite it (the drive shows it as written). */
  get holding(): boolean {
    return this.#held !== null;
  }

  /**
   * Discs kept so far (files in the output and rejects folders). The drive
   * always holds a disc: its file, or the blank a burn makes. The first call
   * (the worker's first look, before any burn) tidies what a crash left.
   */
  async stock(): Promise<LoaderStock> {
    await this.#tidy();
    const count = async (dir: string): Promise<number> =>
      (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile() && e.name.endsWith('.iso')).length;
    const held = this.#held === null ? null : this.#held.verdict === 'passed' ? 'output-full' : 'reject-full';
    return {
      blanks: null, driveLoaded: true, passed: await count(this.#outputDir), rejected: await count(this.#rejectsDir),
      outputFree: held === 'output-full' ? 0 : null, rejectFree: held === 'reject-full' ? 0 : null, needsPerson: held,
    };
  }

  /** Move a held disc (once its folder is back), then the stock (tidied once): the next blank is the drive file the next burn makes. */
  async fill(): Promise<LoaderStock> {
    const held = this.#held;
    if (held !== null) await this.#sort(held.verdict, held.disc);
    return this.stock();
  }

  /** Keep the drive's disc as `verdict` (a drive file without data is no disc: it is removed, nothing is kept). */
  async afterDisc(verdict: DiscVerdict, _signal?: AbortSignal, disc?: LeavingDisc): Promise<LoaderStock> {
    this.#tidied = true;
    await this.#sort(verdict, disc);
    return this.stock();
  }

  /** Keep the disc, or hold it in the drive file when the folder will not take it (the stock then says so). */
  async #sort(verdict: DiscVerdict | 'unsorted', disc: LeavingDisc | undefined): Promise<void> {
    try {
      await mkdir(this.#rejectsDir, { recursive: true });
      // An interrupted attempt's disc may already be kept as passed (the agent died before recording it passed).
      if (verdict === 'failed' && disc !== undefined) await this.#demote(disc);
      await this.#keep(verdict, disc);
      this.#held = null;
    } catch {
      this.#held = { verdict, disc };
    }
  }

  /** Move the drive file's disc into the bin, when it holds one. */
  async #keep(verdict: DiscVerdict | 'unsorted', disc: LeavingDisc | undefined): Promise<void> {
    const info = await stat(this.#target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (info === null || !info.isFile()) return;
    // No disc (nothing was written), but a writer still holding it (a killed agent's burner) must not share it with the next burn.
    if (info.size === 0) {
      await unlink(this.#target).catch(() => undefined);
      return;
    }
    // Killed between link and unlink: the disc is kept already, the drive's name is a second one.
    if (info.nlink > 1) {
      await unlink(this.#target);
      return;
    }
    const dir = verdict === 'passed' ? this.#outputDir : this.#rejectsDir;
    await linkUnique(this.#target, dir, keptDiscName(disc, verdict, this.#now()));
    await unlink(this.#target);
  }

  /** A disc of `disc`'s attempt kept as passed goes to the rejects (as failed). */
  async #demote(disc: LeavingDisc): Promise<void> {
    const prefix = `run-${safe(disc.runId)}_copy-${String(disc.copy).padStart(4, '0')}_`;
    const tail = new RegExp(`_${escapeRe(safe(disc.attemptId.slice(0, 8)))}_passed(~\\d+)?\\.iso$`);
    for (const name of await readdir(this.#outputDir)) {
      if (!name.startsWith(prefix) || !tail.test(name)) continue;
      const from = path.join(this.#outputDir, name);
      await linkUnique(from, this.#rejectsDir, keptDiscName(disc, 'failed', this.#now()));
      await unlink(from);
    }
  }

  /** Once, before the drive's first disc: what a process that stopped without sorting left in the drive file. */
  async #tidy(): Promise<void> {
    if (this.#tidied) return;
    this.#tidied = true;
    await this.#sort('unsorted', undefined);
  }
}

/** Hard-link `from` into `dir` as `name`, or `name` with `~2`, `~3`... when taken; never replaces a file. */
async function linkUnique(from: string, dir: string, name: string): Promise<string> {
  const base = name.replace(/\.iso$/, '');
  for (let n = 1; ; n++) {
    const to = path.join(dir, n === 1 ? name : `${base}~${n}.iso`);
    try {
      await link(from, to);
      return to;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 10_000) throw err;
    }
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

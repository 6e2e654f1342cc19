/**
 * A SCSI media changer (SMC: a jukebox's robot) driven with `mtx -f
 * /dev/sgN …` (Debian's `mtx`): inventory (`status`), a slot's disc into a
 * drive (`load`), a drive's disc into a slot (`unload`), a disc from slot to
 * slot (`transfer`). Every call spawns mtx with an argument array through
 * the library's tool runner (never a shell), with a deadline; a refusal or
 * failure is a `ChangerError` naming what the changer said.
 *
 * Numbers are mtx's: drives (data transfer elements) from 0, slots from 1
 * (storage elements, then import/export slots), as `mtx status` lists them.
 *
 * One robot serves all the drives of a jukebox: `exclusive` runs a sequence
 * of commands (look, then move) without another loader's moves in between.
 */
import { CancelledError, InvalidDeviceError } from '../errors.js';
import { runTool, toolFailure } from '../tool-process.js';
import type { Spawner, ToolRun } from '../tool-process.js';
import { ChangerError } from './changer-error.js';
import type { ChangerErrorKind } from './changer-error.js';
import { parseMtxStatus } from './mtx-status.js';
import type { MtxStatus } from './mtx-status.js';

/** Options of an {@link MtxChanger}. */
export interface MtxChangerOptions {
  /** The changer's SCSI generic node, e.g. `/dev/sg1` (a path under /dev). */
  readonly device: string;
  /** The mtx program; default `mtx` from PATH. */
  readonly program?: string;
  readonly spawner?: Spawner;
  readonly env?: NodeJS.ProcessEnv;
  /** Deadline of one mtx run, ms; a robot's move can take a minute. Default 180 000. */
  readonly timeoutMs?: number;
}

/** A device path under /dev: letters, digits and `._-/`, no `..`. */
const DEVICE = /^\/dev\/[A-Za-z0-9._/-]+$/;

/** What an mtx failure's words mean, first match wins (captures: tgt-mtx-*.txt). */
const FAILURES: ReadonlyArray<readonly [RegExp, ChangerErrorKind]> = [
  [/cannot open SCSI device '[^']*' - (No such file or directory|No such device|No such device or address)/, 'gone'],
  [/Source Element Address \d+ is Empty|Data Transfer Element \d+ is Empty/, 'source-empty'],
  [/(Storage|Destination) Element(?: Address)? \d+ is Already Full|Drive \d+ Full \(/, 'destination-full'],
  [/(?:Invalid|illegal) <(?:storage-element-number|drive-number|drive#)> argument/i, 'no-such-element'],
];

/** The sense mtx printed as `Request Sense:` lines, e.g. `5/20/00 Illegal Request`. */
export function mtxSense(text: string): { readonly senseKey: string; readonly asc: number; readonly ascq: number } | null {
  const key = /Request Sense: Sense Key=([^\n]+)/.exec(text)?.[1]?.trim();
  const asc = /Request Sense: Additional Sense Code = ([0-9A-Fa-f]{2})/.exec(text)?.[1];
  const ascq = /Request Sense: Additional Sense Qualifier = ([0-9A-Fa-f]{2})/.exec(text)?.[1];
  if (key === undefined || asc === undefined || ascq === undefined) return null;
  return { senseKey: key, asc: Number.parseInt(asc, 16), ascq: Number.parseInt(ascq, 16) };
}

/** The lines of an mtx run that say something (the `Request Sense:` detail left out). */
function said(run: ToolRun): string {
  return `${run.stderr}\n${run.stdout}`.split(/\r?\n/).map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('mtx: Request Sense:') && !/^(Usage:|mtx \[|mtx --version)/.test(l))
    .join('; ');
}

/**
 * The error of a failed mtx run: its kind from the words (see `FAILURES`); a
 * status the device refused as ILLEGAL REQUEST is `not-a-changer`.
 */
export function classifyMtxFailure(run: ToolRun, device: string, args: readonly string[]): ChangerError {
  const text = `${run.stderr}\n${run.stdout}`;
  const sense = mtxSense(text);
  const what = said(run) || (run.signal !== null ? `killed by ${run.signal}` : `exit code ${run.exitCode ?? '?'}`);
  const senseText = sense === null ? '' : ` (sense ${sense.senseKey} ${hex(sense.asc)}/${hex(sense.ascq)})`;
  const message = `${device}: mtx ${args.join(' ')}: ${what}${senseText}`;
  const options = { device, tool: toolFailure(run) };
  for (const [pattern, kind] of FAILURES) if (pattern.test(text)) return new ChangerError(kind, message, options);
  if (args[0] === 'status' && /READ ELEMENT STATUS Command Failed/.test(text) && /Illegal Request/i.test(sense?.senseKey ?? '')) {
    return new ChangerError('not-a-changer', `${message}: ${device} does not answer as a media changer`, options);
  }
  return new ChangerError('failed', message, options);
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function checkNumber(what: string, n: number, min: number): void {
  if (!(Number.isSafeInteger(n) && n >= min)) throw new RangeError(`${what} must be an integer >= ${min}, got ${n}`);
}

/** One media changer, driven with mtx. */
export class MtxChanger {
  readonly device: string;
  readonly #o: MtxChangerOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: MtxChangerOptions) {
    if (!DEVICE.test(options.device) || options.device.split('/').includes('..')) {
      throw new InvalidDeviceError(`'${options.device}' is not a changer device: give its SCSI generic node, e.g. /dev/sg1`, { device: options.device });
    }
    const timeout = options.timeoutMs ?? 180_000;
    if (!(Number.isFinite(timeout) && timeout > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeout}`);
    this.device = options.device;
    this.#o = options;
  }

  /** The changer's inventory: its drives and slots, full or empty, with volume tags. */
  async status(signal?: AbortSignal): Promise<MtxStatus> {
    const run = await this.#mtx(['status'], signal);
    try {
      return parseMtxStatus(run.stdout);
    } catch (err) {
      if (err instanceof ChangerError) throw new ChangerError('unreadable', `${this.device}: ${err.message}`, { device: this.device, tool: toolFailure(run), cause: err });
      throw err;
    }
  }

  /** Move slot `slot`'s disc into drive `drive`. */
  async load(slot: number, drive: number, signal?: AbortSignal): Promise<void> {
    checkNumber('slot', slot, 1);
    checkNumber('drive', drive, 0);
    await this.#mtx(['load', String(slot), String(drive)], signal);
  }

  /** Move drive `drive`'s disc into slot `slot` (open the drive first: a locked tray keeps its disc). */
  async unload(slot: number, drive: number, signal?: AbortSignal): Promise<void> {
    checkNumber('slot', slot, 1);
    checkNumber('drive', drive, 0);
    await this.#mtx(['unload', String(slot), String(drive)], signal);
  }

  /** Move slot `from`'s disc into slot `to`. */
  async transfer(from: number, to: number, signal?: AbortSignal): Promise<void> {
    checkNumber('from', from, 1);
    checkNumber('to', to, 1);
    await this.#mtx(['transfer', String(from), String(to)], signal);
  }

  /**
   * Run `work` with the changer to itself: calls of other `exclusive` blocks
   * on this object wait until it has settled (a loader's look-then-move is
   * not interleaved with another's).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Run mtx; resolves with a successful run, else throws the classified failure. */
  async #mtx(args: readonly string[], signal?: AbortSignal): Promise<ToolRun> {
    const timeoutMs = this.#o.timeoutMs ?? 180_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const both = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    let run: ToolRun;
    try {
      run = await runTool({
        program: this.#o.program ?? 'mtx',
        args: ['-f', this.device, ...args],
        signal: both,
        killGraceMs: 2000,
        ...(this.#o.spawner === undefined ? {} : { spawner: this.#o.spawner }),
        ...(this.#o.env === undefined ? {} : { env: this.#o.env }),
      });
    } catch (err) {
      if (err instanceof CancelledError && deadline.aborted && signal?.aborted !== true) {
        throw new ChangerError('failed', `${this.device}: mtx ${args.join(' ')} did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`, { device: this.device, cause: err });
      }
      throw err;
    }
    if (run.exitCode !== 0) throw classifyMtxFailure(run, this.device, args);
    return run;
  }
}

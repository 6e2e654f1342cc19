/**
 * A drive's one operation at a time: beginning one while another runs is
 * refused (`DriveBusyError`), and each has its own abort controller, aborted
 * by the caller's signal (`CancelledError`) or by the drive itself (gone,
 * disposed).
 */
import type { DeviceAddress } from '../drive-contract.js';
import { CancelledError, DriveBusyError } from '../errors.js';

/** The operation in progress. */
export interface Operation {
  readonly name: string;
  readonly controller: AbortController;
  unlink(): void;
}

/** Where a drive holds its operation in progress. */
export class OperationSlot {
  #op: Operation | null = null;

  constructor(private readonly device: DeviceAddress) {}

  /** The operation in progress, or null. */
  get current(): Operation | null {
    return this.#op;
  }

  /** Throw `DriveBusyError` while an operation runs (`what`: what could not be done). */
  checkIdle(what: string): void {
    if (this.#op !== null) throw new DriveBusyError(`cannot ${what} during ${this.#op.name}`, { device: this.device });
  }

  /** Begin operation `name`, aborted when `signal` is. */
  begin(name: string, signal: AbortSignal | undefined): Operation {
    this.checkIdle(name);
    if (signal?.aborted === true) throw new CancelledError(`${name} cancelled`, { device: this.device });
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(new CancelledError(`${name} cancelled`, { device: this.device }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const op: Operation = { name, controller, unlink: () => signal?.removeEventListener('abort', onAbort) };
    this.#op = op;
    return op;
  }

  /** End an operation begun here. */
  end(op: Operation): void {
    op.unlink();
    if (this.#op === op) this.#op = null;
  }
}

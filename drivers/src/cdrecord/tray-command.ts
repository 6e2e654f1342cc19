/**
 * A tray command (`eject`, `eject -t`, the burner's -eject/-load) run to the
 * end. The kernel refuses to move a tray while anyone else has the device
 * open, even for an instant (another program's media look: the agent's own
 * drive worker is held off by `DriveWorker.hold`), so a refusal as busy is
 * tried again a few times before it is reported.
 */
import { DriveBusyError } from '../errors.js';
import { classifyBurnFailure } from '../parse/burn-failure.js';
import type { ToolRun } from '../tool-process.js';

/** Tries of a tray command the kernel refuses as busy. */
export const TRAY_BUSY_TRIES = 5;
/** Wait between two tries, ms. */
export const TRAY_BUSY_RETRY_MS = 300;

/** Run `run` until it exits 0; throws its classified failure (a busy one after the last try). */
export async function runTrayCommand(run: () => Promise<ToolRun>, device: string, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    if (result.exitCode === 0) return;
    const err = classifyBurnFailure(result, { device });
    if (!(err instanceof DriveBusyError) || attempt >= TRAY_BUSY_TRIES || signal?.aborted === true) throw err;
    await new Promise((resolve) => setTimeout(resolve, TRAY_BUSY_RETRY_MS));
  }
}

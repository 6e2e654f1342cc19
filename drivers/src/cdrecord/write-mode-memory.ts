/**
 * What one drive object has learnt about write modes: a drive that refused
 * SAO before writing a byte (tgt's emulated DVD+R recorder has no RESERVE
 * TRACK) is burned in TAO from then on, without asking it again each burn.
 *
 * In memory, per `CdrecordDrive` (one device), for the object's life: a
 * firmware update or another drive at the same node is met by a new object.
 */
import type { WriteMode, WriteModeRefusal, WriteModeState } from '../drive-contract.js';
import type { ScsiFailure } from '../errors.js';
import { formatCommand, formatSense } from '../parse/scsi-sense.js';

/** The mode to try after `mode` was refused, or null when none is left. */
export function nextWriteMode(mode: WriteMode): WriteMode | null {
  return mode === 'sao' ? 'tao' : null;
}

export class WriteModeMemory {
  private readonly refusals = new Map<WriteMode, WriteModeRefusal>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Record that the drive refused `mode` with `failure` (the first refusal of a mode is kept). */
  remember(mode: WriteMode, failure: ScsiFailure): WriteModeRefusal {
    const known = this.refusals.get(mode);
    if (known) return known;
    const refusal: WriteModeRefusal = { mode, command: formatCommand(failure), sense: formatSense(failure), at: this.now() };
    this.refusals.set(mode, refusal);
    return refusal;
  }

  /** The refusal of `mode`, if the drive refused it. */
  refusal(mode: WriteMode): WriteModeRefusal | undefined {
    return this.refusals.get(mode);
  }

  /**
   * The mode a burn asking for `requested` runs in: SAO becomes TAO once SAO
   * was refused (unless TAO was refused too). TAO stays TAO.
   */
  modeFor(requested: WriteMode): WriteMode {
    let mode = requested;
    for (let next = nextWriteMode(mode); this.refusals.has(mode) && next !== null && !this.refusals.has(next); next = nextWriteMode(mode)) {
      mode = next;
    }
    return mode;
  }

  /** For `DriveInfo.writeMode` and status screens. */
  state(): WriteModeState {
    return { preferred: this.modeFor('sao'), refused: [...this.refusals.values()] };
  }
}

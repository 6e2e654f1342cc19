/**
 * Whether a drive can be the source of a master read now, from its state
 * and published facts: it must hold a readable disc with data on it (the
 * copy it just burned and ejected, without a loader to take it away; or a
 * written disc it refused for copies), be idle, and not be quarantined.
 * The mastering form lists only these and shows the others disabled with
 * the reason.
 */
import type { DriveStatus } from '@tower/jobs';
import type { DriveView } from '../../shared/api-types.js';

/** A drive's readiness to be mastered from: `canMaster`, and why not in words (null when it can). */
export interface MasterReadiness {
  readonly canMaster: boolean;
  readonly cannotMasterReason: string | null;
}

const NOT: Readonly<Partial<Record<DriveView['state'], string>>> = {
  offline: 'it is offline',
  quarantined: 'it is quarantined: release it first',
  burning: 'it is burning a copy',
  verifying: 'it is verifying a copy',
  busy: 'it is busy',
  empty: 'it holds no disc',
  blank: 'its disc is blank',
  failed: 'it holds a failed copy (a coaster)',
};

/** The readiness of a drive in view state `state` with published status `s`. */
export function masterReadiness(state: DriveView['state'], s: DriveStatus): MasterReadiness {
  const no = (reason: string): MasterReadiness => ({ canMaster: false, cannotMasterReason: reason });
  const reason = NOT[state];
  if (reason !== undefined) return no(reason);
  // A passed copy: without a loader it waits on the open tray (the master read closes it); a loader has taken it away.
  if (state === 'done') return s.autoLoader === true || s.loader !== undefined ? no('its loader took the copy out') : { canMaster: true, cannotMasterReason: null };
  if (state === 'wrong-media' && s.written === false) return no('its disc is blank');
  return { canMaster: true, cannotMasterReason: null };
}

/** True for a simulated drive (`sim:N`), which takes "insert disc" from an operator. */
export function isSimulatedDrive(driveId: string): boolean {
  return driveId.startsWith('sim:');
}

/**
 * An agent's jukeboxes: for each configured changer (`agent.changers`), one
 * `MtxChanger` on its device and, for each drive it feeds, a
 * `ChangerLoader` attached to that drive of the agent. A drive the
 * configuration names that the agent does not have (not listed, not
 * discovered) is an `AgentConfigError` naming the field and the drives it has.
 */
import { ChangerLoader, MtxChanger } from 'node-cdrecord-wrapper';
import { AgentConfigError } from './agent-config-error.js';
import type { ChangerSpec } from './drive-specs.js';
import type { AgentDrive } from './agent-drives.js';

/** The drives with their changers' loaders attached. Throws `AgentConfigError` for a drive the agent does not have. */
export function attachChangers(drives: readonly AgentDrive[], changers: readonly ChangerSpec[]): AgentDrive[] {
  const loaders = new Map<AgentDrive, ChangerLoader>();
  changers.forEach((c, i) => {
    const changer = new MtxChanger({ device: c.device });
    c.drives.forEach((served, k) => {
      const drive = drives.find((d) => d.spec.device === served.drive || d.id === served.drive);
      if (drive === undefined) {
        const have = drives.filter((d) => !d.spec.simulated).map((d) => d.spec.device);
        throw new AgentConfigError(`agent.changers[${i}].drives[${k}].drive`,
          `this agent has no drive ${served.drive} (its drives: ${have.length > 0 ? have.join(', ') : 'none but simulated ones'})`);
      }
      if (drive.spec.simulated || drive.spec.stdioMedia !== undefined) {
        throw new AgentConfigError(`agent.changers[${i}].drives[${k}].drive`, `${served.drive} is not a real drive: a changer feeds a drive on the SCSI bus`);
      }
      loaders.set(drive, new ChangerLoader({ changer, drive: drive.drive, element: served.element, slots: c.slots }));
    });
  });
  return drives.map((d) => {
    const loader = loaders.get(d);
    return loader === undefined ? d : { ...d, loader };
  });
}

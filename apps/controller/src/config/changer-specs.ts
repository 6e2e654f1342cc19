/**
 * The jukeboxes of an agent, from the configuration's `agent.changers`:
 * checked changer devices, slot roles and drive elements, each error naming
 * its field. Whether each named drive is one of the agent's drives is known
 * only once they are opened (`drives: "auto"` discovers them): the agent
 * checks that when it starts (agent/agent-changers.ts).
 */
import { checkLoaderSlots, InvalidDeviceError, MtxChanger } from 'node-cdrecord-wrapper';
import type { ConfigFile } from './config-schema.js';
import { ConfigError } from './tower-config.js';
import type { ChangerSpec } from './tower-config.js';

type ChangerEntry = NonNullable<NonNullable<ConfigFile['agent']>['changers']>[number];

/** Resolve and check `agent.changers`. Throws `ConfigError` naming the field. */
export function resolveChangers(entries: readonly ChangerEntry[] | undefined): ChangerSpec[] {
  const devices = new Map<string, number>();
  const fedBy = new Map<string, string>();
  return (entries ?? []).map((entry, i) => {
    const field = `agent.changers[${i}]`;
    try {
      // The changer object checks its device the way it will use it (nothing is spawned).
      void new MtxChanger({ device: entry.device });
    } catch (err) {
      if (err instanceof InvalidDeviceError) throw new ConfigError(`${field}.device`, err.message, { cause: err });
      throw err;
    }
    const twice = devices.get(entry.device);
    if (twice !== undefined) throw new ConfigError(`${field}.device`, `changer ${entry.device} is configured twice (also agent.changers[${twice}])`);
    devices.set(entry.device, i);
    try {
      checkLoaderSlots(entry.slots);
    } catch (err) {
      throw new ConfigError(`${field}.slots`, (err as Error).message, { cause: err });
    }
    const elements = new Set<number>();
    entry.drives.forEach((d, k) => {
      const at = `${field}.drives[${k}]`;
      if (/^(sim|stdio):/.test(d.drive)) {
        throw new ConfigError(`${at}.drive`, `'${d.drive}' is not a real drive: a changer feeds a drive on the SCSI bus (e.g. /dev/sr0)`);
      }
      if (elements.has(d.element)) throw new ConfigError(`${at}.element`, `drive element ${d.element} of ${entry.device} is given twice`);
      elements.add(d.element);
      const other = fedBy.get(d.drive);
      if (other !== undefined) throw new ConfigError(`${at}.drive`, `drive ${d.drive} is already fed by ${other}`);
      fedBy.set(d.drive, `${at} (${entry.device})`);
    });
    return {
      device: entry.device,
      label: entry.label ?? `Changer ${entry.device}`,
      drives: entry.drives.map((d) => ({ drive: d.drive, element: d.element })),
      slots: { input: [...entry.slots.input], output: [...entry.slots.output], reject: [...entry.slots.reject] },
    };
  });
}

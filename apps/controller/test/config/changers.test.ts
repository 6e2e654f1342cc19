/**
 * `agent.changers`: a jukebox's changer feeding drives of the agent. A good
 * entry resolves; each bad one is refused with the field at fault and what
 * is wrong; at the agent's start a drive it does not have is refused the
 * same way, and a drive it has gets the changer's loader.
 */
import { describe, expect, it } from 'vitest';
import { ChangerLoader, SimulatedDrive } from 'node-cdrecord-wrapper';
import { attachChangers } from '@tower/agent';
import type { AgentDrive } from '@tower/agent';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

const JUKEBOX = {
  device: '/dev/sg1',
  drives: [{ drive: '/dev/sr0', element: 0 }],
  slots: { input: [1, 2, 3, 4], output: [5, 6, 7], reject: [8] },
};

/** Resolve a configuration whose agent has these changers (and these drives). */
function resolve(changers: unknown, drives: unknown = [{ device: '/dev/sr0' }]) {
  return resolveConfig(parseConfigText(JSON.stringify({ agent: { drives, changers } })), { env: {}, cwd: '/tmp' });
}

function refusal(changers: unknown, drives?: unknown): ConfigError {
  try {
    resolve(changers, drives);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('agent.changers', () => {
  it('resolves a jukebox: its device, label, drives by element and slot roles', () => {
    const config = resolve([JUKEBOX]);
    expect(config.agent.changers).toEqual([{ ...JUKEBOX, label: 'Changer /dev/sg1' }]);
    expect(resolve(undefined).agent.changers).toEqual([]);
  });

  it.each([
    ['a device outside /dev', [{ ...JUKEBOX, device: '/tmp/sg1' }], 'config agent.changers[0].device: \'/tmp/sg1\' is not a changer device: give its SCSI generic node, e.g. /dev/sg1'],
    ['a slot in two roles', [{ ...JUKEBOX, slots: { input: [1, 2], output: [2], reject: [8] } }], 'config agent.changers[0].slots: slot 2 is both input and output'],
    ['no reject slot', [{ ...JUKEBOX, slots: { input: [1], output: [2], reject: [] } }], 'config agent.changers[0].slots.reject'],
    ['slot 0', [{ ...JUKEBOX, slots: { input: [0], output: [2], reject: [3] } }], 'config agent.changers[0].slots.input[0]'],
    ['one element twice', [{ ...JUKEBOX, drives: [{ drive: '/dev/sr0', element: 0 }, { drive: '/dev/sr1', element: 0 }] }], 'config agent.changers[0].drives[1].element: drive element 0 of /dev/sg1 is given twice'],
    ['a simulated drive', [{ ...JUKEBOX, drives: [{ drive: 'sim:0', element: 0 }] }], "config agent.changers[0].drives[0].drive: 'sim:0' is not a real drive"],
    ['one changer twice', [JUKEBOX, { ...JUKEBOX, drives: [{ drive: '/dev/sr1', element: 0 }] }], 'config agent.changers[1].device: changer /dev/sg1 is configured twice (also agent.changers[0])'],
    ['a drive fed by two changers', [JUKEBOX, { ...JUKEBOX, device: '/dev/sg2' }], 'config agent.changers[1].drives[0].drive: drive /dev/sr0 is already fed by agent.changers[0].drives[0] (/dev/sg1)'],
    ['an unknown key', [{ ...JUKEBOX, slot: { input: [1] } }], 'config agent.changers[0]'],
    ['no drives', [{ ...JUKEBOX, drives: [] }], 'config agent.changers[0].drives'],
  ])('refuses %s, naming the field', (_what, changers, words) => {
    expect(refusal(changers).message).toContain(words);
  });

  it('at the agent\'s start: the named drive gets the changer\'s loader; a drive the agent lacks is refused with the drives it has', () => {
    const [changer] = resolve([{ ...JUKEBOX, drives: [{ drive: '/dev/sr1', element: 0 }] }], [{ device: '/dev/sr0' }, { device: '/dev/sr1' }]).agent.changers;
    const real = (device: string): AgentDrive => ({
      spec: { device, id: device, label: device, position: 0, simulated: false },
      id: device,
      drive: { address: device } as AgentDrive['drive'],
    });
    const drives = [real('/dev/sr0'), real('/dev/sr1')];
    const attached = attachChangers(drives, [changer!]);
    expect(attached[0]?.loader).toBeUndefined();
    expect(attached[1]?.loader).toBeInstanceOf(ChangerLoader);
    expect((attached[1]?.loader as ChangerLoader).device).toBe('/dev/sg1');
    expect(() => attachChangers([drives[0]!], [changer!])).toThrow('config agent.changers[0].drives[0].drive: this agent has no drive /dev/sr1 (its drives: /dev/sr0)');
    const sim: AgentDrive = { spec: { device: 'sim:0', id: 'sim:0', label: 'Sim 0', position: 0, simulated: true }, id: 'sim:0', drive: new SimulatedDrive() };
    expect(() => attachChangers([sim], [changer!])).toThrow('this agent has no drive /dev/sr1 (its drives: none but simulated ones)');
  });
});

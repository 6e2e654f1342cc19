/**
 * A person's hand at a drive's loader, by command (loader-hands.ts): blanks
 * go into a simulated auto-loader and its reject bin is emptied; a drive the
 * agent lacks, a drive without a loader, a real changer and a bad count are
 * refused with their codes, and nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { ChangerLoader, MtxChanger, SimDiscLoader, SimulatedDrive } from 'node-cdrecord-wrapper';
import type { LoaderCommand } from '@tower/jobs';
import type { AgentDrive } from '../src/agent-drives.js';
import { handLoader } from '../src/loader-hands.js';

const spec = { device: 'sim:0', id: 'sim:0', label: 'Sim 0', position: 0, simulated: true };
const cmd = (extra: Partial<LoaderCommand>): LoaderCommand => ({ type: 'loader', requestId: 'r1', driveId: 'sim:0', action: 'load-blanks', count: 5, ...extra });

describe('a person\'s hand at a loader', () => {
  it('puts blanks into a simulated auto-loader and empties its reject bin', async () => {
    const sim = new SimulatedDrive({ timeScale: 0.001, media: null, autoLoader: { media: 'CD-R', stack: 0, loadDelayMs: 1000, binCapacity: { failed: 1 } } });
    const loader = new SimDiscLoader(sim);
    const drive: AgentDrive = { spec, id: 'sim:0', drive: sim, loader };
    expect(await loader.stock()).toMatchObject({ blanks: 0, needsPerson: 'input-empty' });
    expect(await handLoader(cmd({}), drive, 'a1')).toEqual({ requestId: 'r1', ok: true });
    expect(await loader.stock()).toMatchObject({ blanks: 5, needsPerson: null });
    await loader.fill();
    await loader.afterDisc('failed');
    expect(await loader.stock()).toMatchObject({ rejected: 1, rejectFree: 0 });
    expect(await handLoader(cmd({ action: 'empty-rejects', count: undefined }), drive, 'a1')).toEqual({ requestId: 'r1', ok: true });
    expect(await loader.stock()).toMatchObject({ rejected: 0, rejectFree: 1 });
    sim.dispose();
  });

  it('refuses an unknown drive, a drive without a loader, a real changer and a bad count', async () => {
    const sim = new SimulatedDrive({ timeScale: 0.001, autoLoader: { media: 'CD-R', stack: 2 } });
    const code = async (c: LoaderCommand, d: AgentDrive | undefined): Promise<string | undefined> => (await handLoader(c, d, 'a1')).error?.code;
    expect(await code(cmd({ driveId: 'sim:9' }), undefined)).toBe('NOT_FOUND');
    expect(await code(cmd({}), { spec, id: 'sim:0', drive: sim })).toBe('NO_LOADER');
    const changer = new ChangerLoader({ changer: new MtxChanger({ device: '/dev/sg9' }), drive: sim, element: 0, slots: { input: [1], output: [2], reject: [3] } });
    expect(await code(cmd({}), { spec, id: 'sim:0', drive: sim, loader: changer })).toBe('NOT_SIMULATED');
    const loader = new SimDiscLoader(sim);
    // Two on the stack, the first of them in the drive.
    expect(await loader.stock()).toMatchObject({ blanks: 1 });
    for (const count of [0, -1, 1.5, 100_001, undefined]) expect(await code(cmd({ count }), { spec, id: 'sim:0', drive: sim, loader })).toBe('BAD_REQUEST');
    expect(await loader.stock()).toMatchObject({ blanks: 1 });
    sim.dispose();
  });
});

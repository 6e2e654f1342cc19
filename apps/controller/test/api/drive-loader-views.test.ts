/**
 * Drive views of a drive fed by a disc loader (a jukebox's changer): the
 * stock the agent published comes back as the view's `loader` (checked
 * against the DriveView schema by `call`), and a loader that cannot go on
 * says what a person must do, with the slot numbers: an empty input, full
 * output or reject slots, a failing changer. A drive's own auto-loader (no
 * slot numbers) is named by its drive's label.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoaderFacts } from '@tower/jobs';
import { slotWords } from '../../src/api/views/loader-words.js';
import { call, heartbeat, publishState, startEnv } from './support.js';
import type { Env, Json } from './support.js';

let env: Env;

beforeAll(async () => {
  env = await startEnv({ deps: { driveLayout: { '/dev/sr0': { label: 'Loader A' } } } });
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await heartbeat(env, 'agent-a', ['/dev/sr0']);
});

const SLOTS = { input: [1, 2, 3, 4], output: [5, 6, 7], reject: [8] };
const stock = (extra: Partial<LoaderFacts> = {}): LoaderFacts => ({
  blanks: 2, driveLoaded: true, passed: 1, rejected: 0, outputFree: 2, rejectFree: 1, needsPerson: null, slots: SLOTS, ...extra,
});
const view = async (): Promise<Json> => {
  const res = await call(env, 'GET', `/api/drives/${encodeURIComponent('/dev/sr0')}`);
  expect(res.status).toBe(200);
  return res.body;
};

describe('drive views with a disc loader', () => {
  it('report the stock, and call nobody while the loader can go on', async () => {
    await publishState(env, '/dev/sr0', { state: 'blank', mediaType: 'DVD+R', autoLoader: true, loader: stock() });
    expect(await view()).toMatchObject({
      state: 'blank', needsAttention: false, message: null,
      loader: { blanks: 2, passed: 1, rejected: 0, outputFree: 2, rejectFree: 1, needsPerson: null, slots: SLOTS, error: null },
    });
    await publishState(env, '/dev/sr0', { state: 'done', mediaType: 'DVD+R', autoLoader: true, loader: stock({ passed: 2 }) });
    expect(await view()).toMatchObject({ state: 'done', needsAttention: false, message: 'Good disc: the auto-loader takes it out', loader: { passed: 2 } });
    // The list carries it too.
    const list = await call(env, 'GET', '/api/drives');
    expect(list.body.find((d: { id: string }) => d.id === '/dev/sr0')).toMatchObject({ loader: { passed: 2 } });
  });

  it('an empty input needs a person: load blanks into the input slots', async () => {
    await publishState(env, '/dev/sr0', {
      state: 'empty', autoLoader: true, message: 'the disc loader has no blank disc left: load blank discs into its input',
      loader: stock({ blanks: 0, driveLoaded: false, passed: 3, outputFree: 0, needsPerson: 'input-empty' }),
    });
    expect(await view()).toMatchObject({
      state: 'empty', needsAttention: true,
      message: 'Needs a person: no blank disc left in the loader: load blank discs into slots 1–4',
      loader: { blanks: 0, passed: 3, needsPerson: 'input-empty' },
    });
  });

  it('full output or reject slots need a person to take the discs out', async () => {
    await publishState(env, '/dev/sr0', { state: 'done', mediaType: 'DVD-ROM', autoLoader: true, loader: stock({ passed: 3, outputFree: 0, needsPerson: 'output-full' }) });
    expect(await view()).toMatchObject({ needsAttention: true, message: "Needs a person: the loader's output is full: take the good discs out of slots 5–7" });
    await publishState(env, '/dev/sr0', { state: 'failed', mediaType: 'DVD+R', autoLoader: true, loader: stock({ rejected: 1, rejectFree: 0, needsPerson: 'reject-full' }) });
    expect(await view()).toMatchObject({ needsAttention: true, message: "Needs a person: the loader's reject slot is full: take the coasters out of slot 8" });
  });

  it('a failing changer is said in its own words; a loader without slot numbers is worded without them', async () => {
    const error = { code: 'CHANGER_GONE', message: "/dev/sg1: mtx status: cannot open SCSI device '/dev/sg1' - No such file or directory" };
    await publishState(env, '/dev/sr0', { state: 'empty', autoLoader: true, loader: { ...stock({ driveLoaded: false }), error } });
    expect(await view()).toMatchObject({ needsAttention: true, message: `The disc loader failed: ${error.message}`, loader: { error } });
  });

  it('a loader without slot numbers (a drive\'s own auto-loader) is worded by its drive: load blanks into it, empty its reject bin', async () => {
    const { slots: _slots, ...bare } = stock({ blanks: 0, driveLoaded: false, needsPerson: 'input-empty' });
    await publishState(env, '/dev/sr0', { state: 'empty', autoLoader: true, message: 'the disc loader has no blank disc left: load blank discs into its input', loader: bare });
    expect(await view()).toMatchObject({
      state: 'empty', needsAttention: true, message: 'Load blanks into Loader A: its loader has no blank disc left', loader: { blanks: 0, slots: null, needsPerson: 'input-empty' },
    });
    await publishState(env, '/dev/sr0', { state: 'failed', mediaType: 'CD-R', autoLoader: true, loader: { ...bare, driveLoaded: true, blanks: 4, rejected: 1, rejectFree: 0, needsPerson: 'reject-full' } });
    expect(await view()).toMatchObject({ state: 'failed', needsAttention: true, message: 'Empty the reject bin of Loader A: it is full of coasters' });
    await publishState(env, '/dev/sr0', { state: 'done', mediaType: 'CD-R', autoLoader: true, loader: { ...bare, driveLoaded: true, blanks: 4, outputFree: 0, needsPerson: 'output-full' } });
    expect(await view()).toMatchObject({ state: 'done', needsAttention: true, message: 'Empty the output bin of Loader A: it is full of good discs' });
  });

  it('a burn in progress is never covered by the loader\'s words', async () => {
    await publishState(env, '/dev/sr0', { state: 'burning', mediaType: 'DVD+R', percent: 40, autoLoader: true, loader: stock({ blanks: 0, needsPerson: null }) });
    expect(await view()).toMatchObject({ state: 'burning', needsAttention: false, message: null });
  });

  it('slot lists in words', () => {
    expect(slotWords([8])).toBe('slot 8');
    expect(slotWords([4, 1, 3, 2])).toBe('slots 1–4');
    expect(slotWords([1, 3, 7])).toBe('slots 1, 3 and 7');
    expect(slotWords([5, 6])).toBe('slots 5 and 6');
  });
});

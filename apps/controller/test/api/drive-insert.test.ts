/**
 * "Insert disc" through the API (`POST /api/drives/:id/insert`) with a real
 * agent (TowerAgent, in this process) owning simulated drives: a blank, and
 * a pressed disc of a library image, end up in the drive and in its view
 * (which says whether it can be mastered from); a drive that is not
 * simulated, a busy one and an unknown image are refused with a clear
 * 404/409 and the disc left as it was.
 */
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TowerAgent } from '@tower/agent';
import type { AgentDrive } from '@tower/agent';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { call, startEnv, waitFor } from './support.js';
import type { Env, Json } from './support.js';

let env: Env;
let agent: TowerAgent;
const sim = new SimulatedDrive({ index: 0, timeScale: 0.001, media: null });
const busySim = new SimulatedDrive({ index: 1, timeScale: 1, media: 'CD-R' });
// A simulated drive under a real drive's id: the controller takes it for a real one.
const posing = new SimulatedDrive({ index: 2, timeScale: 0.001, media: null });

function agentDrive(drive: SimulatedDrive, id: string): AgentDrive {
  return { spec: { device: drive.address, id, label: id, position: drive.index, simulated: id.startsWith('sim:') }, id, drive };
}

beforeAll(async () => {
  env = await startEnv({ deps: { commandTimeoutMs: 5000 } });
  agent = new TowerAgent({
    agentId: 'agent-insert', redisUrl: env.redisServer.url, library: null,
    drives: [agentDrive(sim, 'sim:0'), agentDrive(busySim, 'sim:1'), agentDrive(posing, '/dev/sr7')],
    quarantineAfter: 3, heartbeatMs: 200, heartbeatTtlMs: 2000, lockDurationMs: 4000, pollIntervalMs: 100, sameDriveRetryDelayMs: 300,
  });
  await agent.start();
  await waitFor(async () => (await call(env, 'GET', '/api/drives')).body.length === 3, 10_000, 'the agent\'s drives');
});
afterAll(async () => {
  await agent?.stop();
  await env?.stop();
  for (const d of [sim, busySim, posing]) d.dispose();
});

const insert = (driveId: string, body: unknown): Promise<{ status: number; body: Json; text: string }> =>
  call(env, 'POST', `/api/drives/${encodeURIComponent(driveId)}/insert`, { body });

describe('POST /api/drives/:id/insert', () => {
  it('puts a blank into a simulated drive: the drive holds it and its view says blank, not masterable', async () => {
    const res = await insert('sim:0', { kind: 'blank', mediaType: 'DVD-R' });
    expect(res.status, res.text).toBe(200);
    expect(sim.disc).toMatchObject({ type: 'DVD-R', status: 'blank' });
    expect(res.body).toMatchObject({ id: 'sim:0', simulated: true, state: 'blank', mediaType: 'DVD-R', canMaster: false, cannotMasterReason: 'its disc is blank' });
  });

  it('puts a pressed disc of a library ISO in, referencing the image file: the view says it can be mastered', async () => {
    const res = await insert('sim:0', { kind: 'image', imageId: env.image.id });
    expect(res.status, res.text).toBe(200);
    expect(sim.disc).toMatchObject({ type: 'CD-ROM', status: 'complete', content: { format: 'iso', path: env.library.imagePath(env.image.id), recordedBytes: env.image.sizeBytes } });
    expect(res.body).toMatchObject({ id: 'sim:0', state: 'wrong-media', mediaType: 'CD-ROM', canMaster: true, cannotMasterReason: null });
    const audit = await call(env, 'GET', '/api/audit');
    expect(audit.body.some((e: Json) => e.action === 'drive.insert' && e.target === 'sim:0')).toBe(true);
  });

  it('refuses a drive that is not simulated with 409 NOT_SIMULATED, its disc untouched', async () => {
    const res = await insert('/dev/sr7', { kind: 'blank', mediaType: 'CD-R' });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'NOT_SIMULATED', message: expect.stringMatching(/not a simulated drive: put a disc into it by hand/) });
    expect(posing.disc).toBeNull();
  });

  it('refuses a drive busy reading with 409 DRIVE_BUSY, its disc untouched', async () => {
    // A real operation holds the drive: a read of its disc, not consumed.
    const reading: Readable = busySim.read(2048 * 100);
    await waitFor(() => busySim.busy === 'read', 2000, 'the read to begin');
    const res = await insert('sim:1', { kind: 'blank', mediaType: 'DVD-R' });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error.code).toBe('DRIVE_BUSY');
    expect(busySim.disc?.type).toBe('CD-R');
    reading.destroy();
  });

  it('refuses an unknown image with 404, and a blank of a pressed media type with 400', async () => {
    const unknown = await insert('sim:0', { kind: 'image', imageId: 'img-000000000000' });
    expect(unknown.status, unknown.text).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const rom = await insert('sim:0', { kind: 'blank', mediaType: 'DVD-ROM' });
    expect(rom.status, rom.text).toBe(400);
    expect(rom.body.error.code).toBe('INVALID_INPUT');
    expect(sim.disc?.type).toBe('CD-ROM');
  });
});

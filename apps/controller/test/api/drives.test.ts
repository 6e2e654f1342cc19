import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentCommand } from '@tower/jobs';
import { markAgentStopped } from '@tower/jobs';
import { call, heartbeat, publishState, startEnv, VIEWER, waitFor } from './support.js';
import type { Env, Json } from './support.js';
import { RedisSchema } from '@tower/jobs';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

let env: Env;
let agentConn: Redis;
let agentSub: Redis;
const commands: AgentCommand[] = [];
let replyWith: (cmd: AgentCommand) => { ok: boolean; error?: { code: string; message: string } } | null = () => ({ ok: true });

beforeAll(async () => {
  env = await startEnv({
    deps: {
      driveLayout: { 'sim:0': { label: 'Top left', position: 2 }, 'sim:1': { label: 'Top right', position: 1 }, 'sim:9': { label: 'Spare' } },
      commandTimeoutMs: 400,
    },
  });
  // A fake agent: answers commands on its channel.
  agentConn = new Redis(env.redisServer.url);
  agentSub = new Redis(env.redisServer.url);
  await agentSub.subscribe(SCHEMA.agentCommands('agent-a'));
  agentSub.on('message', (_channel: string, text: string) => {
    const cmd = JSON.parse(text) as AgentCommand;
    commands.push(cmd);
    const reply = replyWith(cmd);
    if (reply !== null) void agentConn.publish(SCHEMA.agentReplies(), JSON.stringify({ requestId: cmd.requestId, ...reply }));
  });
});
afterAll(async () => {
  await agentSub?.quit();
  await agentConn?.quit();
  await env?.stop();
});
beforeEach(async () => {
  commands.length = 0;
  replyWith = () => ({ ok: true });
  await heartbeat(env, 'agent-a', ['sim:0', 'sim:1']);
});

const drive = async (id: string): Promise<Json> => (await call(env, 'GET', `/api/drives/${encodeURIComponent(id)}`)).body;

describe('drive views', () => {
  it('shows published states with layout, messages for a person, and offline agents', async () => {
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
    await publishState(env, 'sim:1', { state: 'done', mediaType: 'CD-R', runId: 'r1', copy: 3 });
    await publishState(env, 'sim:5', { state: 'blank', mediaType: 'CD-R' }, 'agent-b');
    const res = await call(env, 'GET', '/api/drives', { token: VIEWER });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.map((d: { id: string }) => [d.id, d]));
    expect(byId['sim:0']).toMatchObject({ agentId: 'agent-a', label: 'Top left', position: 2, state: 'blank', mediaType: 'CD-R', needsAttention: false, message: null, passed: 0, failed: 0, quarantine: null });
    expect(byId['sim:1']).toMatchObject({ state: 'done', message: 'Take the disc out', needsAttention: true, runId: 'r1', copy: 3 });
    expect(byId['sim:5']).toMatchObject({ state: 'offline', needsAttention: true, message: expect.stringMatching(/agent-b/) });
    // The layout labels drives; it does not put one no agent has reported in the live list (its page says so).
    expect(byId['sim:9']).toBeUndefined();
    expect((await call(env, 'GET', '/api/drives/sim:9')).body).toMatchObject({ state: 'offline', label: 'Spare', message: 'No agent has reported this drive' });
    // Ordered by agent, then position.
    expect(res.body.map((d: { id: string }) => d.id).slice(0, 2)).toEqual(['sim:1', 'sim:0']);
    const agents = await call(env, 'GET', '/api/agents');
    expect(agents.body).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: 'agent-a', online: true, host: 'agent-a.local', driveIds: ['sim:0', 'sim:1'] }),
      expect.objectContaining({ id: 'agent-b', online: false }),
    ]));
  });

  it('places drives the layout does not name by id among their agent\'s drives', async () => {
    await publishState(env, 'sim:7', { state: 'blank', mediaType: 'CD-R' }, 'agent-c');
    await publishState(env, 'sim:6', { state: 'blank', mediaType: 'CD-R' }, 'agent-c');
    await publishState(env, 'sim:8', { state: 'blank', mediaType: 'CD-R' }, 'agent-d');
    const byId = Object.fromEntries((await call(env, 'GET', '/api/drives')).body.map((d: { id: string; position: number }) => [d.id, d.position]));
    expect([byId['sim:6'], byId['sim:7'], byId['sim:8']]).toEqual([0, 1, 0]);
    // One drive's view (a drive page, the feed) agrees with the list.
    expect((await drive('sim:7')).position).toBe(1);
  });

  it('calls nobody for a drive whose auto-loader handles its discs', async () => {
    await publishState(env, 'sim:0', { state: 'done', mediaType: 'CD-R', autoLoader: true });
    expect(await drive('sim:0')).toMatchObject({ state: 'done', needsAttention: false, message: 'Good disc: the auto-loader takes it out' });
    await publishState(env, 'sim:0', { state: 'failed', mediaType: 'CD-R', autoLoader: true });
    expect(await drive('sim:0')).toMatchObject({ state: 'failed', needsAttention: false });
    await publishState(env, 'sim:0', { state: 'empty', autoLoader: true });
    expect(await drive('sim:0')).toMatchObject({ state: 'empty', needsAttention: false });
  });

  it('says what to do: failed, wrong media, empty with runs waiting', async () => {
    await publishState(env, 'sim:0', { state: 'failed', mediaType: 'CD-R' });
    expect(await drive('sim:0')).toMatchObject({ state: 'failed', message: 'Coaster: take it out and discard it', needsAttention: true });
    await publishState(env, 'sim:0', { state: 'empty' });
    expect(await drive('sim:0')).toMatchObject({ state: 'empty', message: null, needsAttention: false });
    const run = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } });
    expect(await drive('sim:0')).toMatchObject({ state: 'empty', message: 'Insert a blank disc', needsAttention: true });
    await publishState(env, 'sim:0', { state: 'wrong-media', mediaType: 'DVD+R' });
    expect(await drive('sim:0')).toMatchObject({ state: 'wrong-media', message: 'Wrong disc: insert a blank CD', needsAttention: true });
    await call(env, 'POST', `/api/runs/${run.body.id}/cancel`);
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
  });

  it('an offline drive of an agent that answers: the drive, not the agent, is to be checked', async () => {
    await publishState(env, 'sim:0', { state: 'offline' });
    expect(await drive('sim:0')).toMatchObject({ state: 'offline', needsAttention: true, message: 'The drive does not answer: check its cable and power' });
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
  });

  it('goes offline at once when the agent stops', async () => {
    await markAgentStopped(env.redis, 'agent-a');
    expect(await drive('sim:0')).toMatchObject({ state: 'offline', needsAttention: true });
  });

  it('stays online when the agent\'s clock is an hour off: its beats count, not its clock', async () => {
    for (const offset of [-3_600_000, 3_600_000]) {
      await heartbeat(env, 'agent-a', ['sim:0', 'sim:1'], Date.now() + offset);
      expect(await drive('sim:0')).toMatchObject({ state: 'blank' });
      const agents = (await call(env, 'GET', '/api/agents')).body as Array<{ id: string; online: boolean }>;
      expect(agents.find((a) => a.id === 'agent-a')?.online).toBe(true);
    }
  });

  it('a drive its agent no longer reports leaves the live list, its detail and history stay', async () => {
    await publishState(env, 'sim:4', { state: 'offline' }, 'agent-c');
    await heartbeat(env, 'agent-c', ['sim:4']);
    const ids = async (): Promise<string[]> => (await call(env, 'GET', '/api/drives')).body.map((d: { id: string }) => d.id);
    expect(await ids()).toContain('sim:4');
    // agent-c restarted without sim:4 in its configuration.
    await heartbeat(env, 'agent-c', []);
    await heartbeat(env, 'agent-c', ['sim:7']);
    expect(await ids()).not.toContain('sim:4');
    expect((await call(env, 'GET', '/api/drives/sim:4')).status).toBe(200);
  });

  it('a drive of an offline agent is listed until no agent has reported it for the set time (Redis\'s clock)', async () => {
    await publishState(env, 'sim:6', { state: 'blank', mediaType: 'CD-R' }, 'agent-d');
    await heartbeat(env, 'agent-d', ['sim:6']);
    await markAgentStopped(env.redis, 'agent-d');
    const ids = async (): Promise<string[]> => (await call(env, 'GET', '/api/drives')).body.map((d: { id: string }) => d.id);
    expect(await ids()).toContain('sim:6');
    // Reported two hours ago by Redis's clock: past the default hour.
    const [sec] = await env.redis.time();
    await env.redis.hset('tower:drive-seen', 'sim:6', String((Number(sec) - 7200) * 1000));
    expect(await ids()).not.toContain('sim:6');
  });

  it('404 for an unknown drive', async () => {
    const res = await call(env, 'GET', '/api/drives/sim:77');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('quarantine', () => {
  it('round trip: quarantine with a reason and who, release, history and audit', async () => {
    const q = await call(env, 'POST', '/api/drives/sim:0/quarantine', { body: { reason: 'scratches every disc' } });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ state: 'quarantined', needsAttention: true, message: 'Quarantined: scratches every disc', quarantine: { reason: 'scratches every disc', by: 'olga' } });
    expect(JSON.parse((await env.redis.hget('tower:quarantine', 'sim:0')) ?? '{}')).toMatchObject({ reason: 'scratches every disc', failures: 0 });
    const r = await call(env, 'POST', '/api/drives/sim:0/release');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'blank', quarantine: null });
    expect(await env.redis.hget('tower:quarantine', 'sim:0')).toBeNull();
    expect((await call(env, 'POST', '/api/drives/sim:0/release')).status).toBe(409);
    const detail = await drive('sim:0');
    expect(detail.stats.quarantineHistory).toEqual([
      { reason: 'scratches every disc', at: expect.any(Number), by: 'olga', releasedAt: expect.any(Number), releasedBy: 'olga' },
    ]);
    const audit = (await call(env, 'GET', '/api/audit?limit=2')).body;
    expect(audit.map((e: { action: string; who: string; target: string }) => [e.action, e.who, e.target])).toEqual([
      ['drive.release', 'olga', 'sim:0'], ['drive.quarantine', 'olga', 'sim:0'],
    ]);
  });

  it('a release answers with what the drive\'s agent finds when it looks again, never "quarantined" without a quarantine', async () => {
    await call(env, 'POST', '/api/drives/sim:1/quarantine', { body: { reason: 'three write errors' } });
    // The agent's worker publishes the drive quarantined, as it does.
    await publishState(env, 'sim:1', { state: 'quarantined', message: 'three write errors. Check the drive and its discs, then release it.' });
    // This agent looks when told to (the run-control "work" message naming the drive) and finds a blank.
    const looks: string[] = [];
    const sub = env.redis.duplicate();
    await sub.subscribe(SCHEMA.runControl());
    sub.on('message', (_c: string, text: string) => {
      const msg = JSON.parse(text) as { action: string; drives?: string[] };
      if (msg.action === 'work' && msg.drives?.includes('sim:1')) {
        looks.push('sim:1');
        void publishState(env, 'sim:1', { state: 'blank', mediaType: 'CD-R' });
      }
    });
    try {
      const r = await call(env, 'POST', '/api/drives/sim:1/release');
      expect(r.status).toBe(200);
      expect(looks).toEqual(['sim:1']);
      expect(r.body).toMatchObject({ state: 'blank', quarantine: null, needsAttention: false });
    } finally {
      await sub.quit();
    }
    // An agent that does not look (yet): the drive is shown released, not quarantined.
    await call(env, 'POST', '/api/drives/sim:1/quarantine', { body: { reason: 'again' } });
    await publishState(env, 'sim:1', { state: 'quarantined', message: 'again. Check the drive and its discs, then release it.' });
    const r = await call(env, 'POST', '/api/drives/sim:1/release');
    expect(r.body).toMatchObject({ state: 'busy', quarantine: null, needsAttention: false, message: 'Released: waiting for its agent to look at the drive' });
    await publishState(env, 'sim:1', { state: 'blank', mediaType: 'CD-R' });
  });

  it('viewers cannot quarantine', async () => {
    expect((await call(env, 'POST', '/api/drives/sim:0/quarantine', { token: VIEWER, body: { reason: 'x' } })).status).toBe(403);
  });
});

describe('eject through the owning agent', () => {
  it('publishes the command and answers when the agent replies', async () => {
    const res = await call(env, 'POST', '/api/drives/sim:0/eject');
    expect(res.status, res.text).toBe(200);
    expect(res.body.id).toBe('sim:0');
    expect(commands).toEqual([{ type: 'eject', driveId: 'sim:0', requestId: expect.any(String) }]);
  });

  it('passes on the agent refusal as 409 with its code', async () => {
    replyWith = () => ({ ok: false, error: { code: 'TRAY_LOCKED', message: 'the tray is locked' } });
    const res = await call(env, 'POST', '/api/drives/sim:0/eject');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'TRAY_LOCKED', message: 'the tray is locked' });
  });

  it('gives up with 504 when the agent stays silent', async () => {
    replyWith = () => null;
    const res = await call(env, 'POST', '/api/drives/sim:0/eject');
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('AGENT_TIMEOUT');
  });

  it('refuses a drive whose agent is offline', async () => {
    const res = await call(env, 'POST', '/api/drives/sim:5/eject');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('AGENT_OFFLINE');
    expect(commands).toEqual([]);
  });
});

describe('masters', () => {
  it('starts a master read on the owning agent and shows its progress', async () => {
    const res = await call(env, 'POST', '/api/masters', { body: { driveId: 'sim:1', name: 'Customer master', allowDamaged: true } });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ driveId: 'sim:1', name: 'Customer master', status: 'queued', imageId: null });
    const id = res.body.id as string;
    await waitFor(() => commands.length > 0, 2000, 'master command');
    expect(commands[0]).toEqual({ type: 'master', masterId: id, driveId: 'sim:1', name: 'Customer master', allowDamaged: true, retries: 3, requestId: expect.any(String) });
    // The agent's side: progress in the hash, then an event.
    await agentConn.hset(`tower:master:${id}`, 'status', 'reading', 'bytesRead', '1000', 'bytesTotal', '4000', 'speedMBps', '2.5');
    await agentConn.publish(SCHEMA.masterEvents(), JSON.stringify({ masterId: id }));
    const got = await call(env, 'GET', `/api/masters/${id}`, { token: VIEWER });
    expect(got.body).toMatchObject({ id, status: 'reading', bytesRead: 1000, bytesTotal: 4000, speedMBps: 2.5 });
    expect((await call(env, 'GET', '/api/masters')).body.map((m: { id: string }) => m.id)).toContain(id);
    expect((await call(env, 'GET', '/api/masters/nope')).status).toBe(404);
  });

  it('refuses a drive of an agent that does not listen, and keeps nothing', async () => {
    await heartbeat(env, 'agent-c', ['sim:7']);
    await publishState(env, 'sim:7', { state: 'blank', mediaType: 'CD-R' }, 'agent-c');
    const before = (await call(env, 'GET', '/api/masters')).body.length;
    const res = await call(env, 'POST', '/api/masters', { body: { driveId: 'sim:7', name: 'x' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('AGENT_OFFLINE');
    expect((await call(env, 'GET', '/api/masters')).body.length).toBe(before);
  });
});

/**
 * `GET /api/audit` filtered and paged (action, who, time range, offset), and
 * `GET /api/agents` with each agent's state (serving, silent, stopped),
 * version and heartbeat age, against a real API and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markAgentStopped, writeAgentHeartbeat } from '@tower/jobs';
import { AuditLog } from '../../src/api/audit-log.js';
import type { AgentView, AuditEntry } from '../../src/shared/api-types.js';
import { call, startEnv, VIEWER, waitFor } from './support.js';
import type { Env } from './support.js';

let env: Env;
/** Times of the seeded entries. */
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  env = await startEnv({ deps: { agentTimeoutMs: 1500 } });
  // 30 entries a second apart, oldest first: run.create by olga, stock.receive by sam, drive.eject by olga, in turn.
  let t = T0;
  const log = new AuditLog(env.redis, env.runStore.keys, () => t);
  const kinds = [['run.create', 'olga'], ['stock.receive', 'sam'], ['drive.eject', 'olga']] as const;
  for (let i = 0; i < 30; i++) {
    const [action, who] = kinds[i % 3] ?? kinds[0];
    t = T0 + i * 1000;
    await log.append({ name: who, role: 'operator' }, action, `target-${i}`);
  }
});
afterAll(async () => env?.stop());

const targets = (body: AuditEntry[]): string[] => body.map((e) => e.target);
const audit = async (query: string): Promise<AuditEntry[]> => {
  const res = await call<AuditEntry[]>(env, 'GET', `/api/audit?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
};

describe('GET /api/audit', () => {
  it('filters by action (whole or its first word), by who and by time, newest first', async () => {
    expect(targets(await audit('action=stock.receive&limit=3'))).toEqual(['target-28', 'target-25', 'target-22']);
    expect((await audit('action=stock&limit=100')).length).toBe(10);
    // A first word matches up to a dot only: "stock.rec" is no action.
    expect(await audit('action=stock.rec')).toEqual([]);
    const olga = await audit('who=olga&limit=100');
    expect(olga.length).toBe(20);
    expect(olga.every((e) => e.who === 'olga')).toBe(true);
    expect(targets(await audit(`from=${T0 + 10_000}&to=${T0 + 12_000}`))).toEqual(['target-12', 'target-11', 'target-10']);
    expect(targets(await audit(`who=olga&action=drive&from=${T0 + 20_000}`))).toEqual(['target-29', 'target-26', 'target-23', 'target-20']);
  });

  it('pages with offset and a fixed to, and the pages add up to every match', async () => {
    const pages: string[] = [];
    for (let offset = 0; offset < 12; offset += 4) pages.push(...targets(await audit(`who=olga&to=${T0 + 15_000}&offset=${offset}&limit=4`)));
    expect(pages).toEqual(['target-15', 'target-14', 'target-12', 'target-11', 'target-9', 'target-8', 'target-6', 'target-5', 'target-3', 'target-2', 'target-0']);
    expect(targets(await audit('offset=28&limit=5'))).toEqual(['target-1', 'target-0']);
  });

  it('records an action through the API with who did it, found by its action', async () => {
    const res = await call(env, 'POST', '/api/stock/received', { body: { mediaType: 'CD-R', count: 25 } });
    expect(res.status, res.text).toBeLessThan(300);
    const [entry] = await audit('action=stock.receive&limit=1');
    expect(entry).toMatchObject({ who: 'olga', role: 'operator', action: 'stock.receive', target: 'CD-R' });
    expect(entry?.at).toBeGreaterThan(T0 + 30_000);
  });

  it.each([
    ['from=5&to=4', 'from'],
    ['action=Run', 'action'],
    ['action=run..create', 'action'],
    ['who=', 'who'],
    ['offset=-1', 'offset'],
    ['limit=0', 'limit'],
    ['colour=red', 'colour'],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const res = await call(env, 'GET', `/api/audit?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
    expect(`${res.body.error.field ?? ''} ${res.body.error.message}`).toContain(field);
  });

  it('is for operators only', async () => {
    expect((await call(env, 'GET', '/api/audit', { token: VIEWER })).status).toBe(403);
  });
});

describe('GET /api/agents', () => {
  const agents = async (): Promise<Map<string, AgentView>> => {
    const res = await call<AgentView[]>(env, 'GET', '/api/agents', { token: VIEWER });
    expect(res.status, res.text).toBe(200);
    return new Map(res.body.map((a) => [a.id, a]));
  };

  it('shows serving, silent and stopped agents with their version, drives and heartbeat age', async () => {
    const beat = (agentId: string, driveIds: string[]): Promise<unknown> =>
      writeAgentHeartbeat(env.redis, { agentId, host: `${agentId}.local`, driveIds, at: Date.now(), version: '1.2.3' });
    await beat('agent-live', ['sim:0', 'sim:1']);
    await beat('agent-quiet', ['sim:2']);
    await beat('agent-gone', ['sim:3']);
    await markAgentStopped(env.redis, 'agent-gone');
    const first = await agents();
    expect(first.get('agent-live')).toMatchObject({ state: 'serving', online: true, version: '1.2.3', host: 'agent-live.local', driveIds: ['sim:0', 'sim:1'] });
    expect(first.get('agent-live')?.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(first.get('agent-gone')).toMatchObject({ state: 'stopped', online: false, heartbeatAgeMs: null });
    // agent-quiet beats no more: silent after the timeout (1.5 s), its age still counting; agent-live goes on beating.
    const silent = await waitFor(async () => {
      await beat('agent-live', ['sim:0', 'sim:1']);
      const a = (await agents()).get('agent-quiet');
      return a?.state === 'silent' ? a : null;
    }, 10_000, 'agent-quiet silent');
    expect(silent).toMatchObject({ online: false, driveIds: ['sim:2'] });
    expect(silent.heartbeatAgeMs).toBeGreaterThanOrEqual(1500);
    expect((await agents()).get('agent-live')?.state).toBe('serving');
  });
});

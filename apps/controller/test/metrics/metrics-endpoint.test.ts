/**
 * `GET /metrics` after real simulated runs: a real agent (TowerAgent, in
 * this process) with three simulated drives (two CD-R, one of which fails
 * every burn until it is quarantined, and one DVD-R) burns a CD run and a
 * DVD run, and a BD run waits with no drive for it. The scrape, read with a
 * strict parser of the exposition format, must agree with the run store's
 * records and the API's own views: discs per drive, media type and outcome,
 * burn and verify duration counts, queue depth per media class, drive
 * states, agent heartbeats and stock. The scrape token is required (401
 * without it, with a wrong one, or with an API token; wrong ones are
 * throttled like API tokens, 429); a new app on the
 * same Redis (a controller restart) shows the same counts, and scraping
 * again counts nothing twice. The Grafana dashboard queries only metrics
 * the endpoint exposes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeAgentDrive, openAgentDrives, TowerAgent } from '@tower/agent';
import type { AgentDrive } from '@tower/agent';
import { isMediaRefusal } from '@tower/jobs';
import type { AttemptRecord } from '@tower/jobs';
import { createApp } from '../../src/app.js';
import type { App } from '../../src/app.js';
import { call, OPERATOR, startEnv, VIEWER, waitFor } from '../api/support.js';
import type { Env, Json } from '../api/support.js';
import { parseExposition, samplesOf, valueOf } from './exposition.js';
import type { Family } from './exposition.js';

const SCRAPE = 'prometheus-scrape-token-0123456789';
const AGENT = 'agent-metrics';
const DASHBOARD = new URL('../../grafana/tower-dashboard.json', import.meta.url);

let env: Env;
let agent: TowerAgent;
let drives: AgentDrive[];
let cdRun: string;
let dvdRun: string;

const sim = (n: number, query: string): { device: string; id: string; label: string; position: number; simulated: true } =>
  ({ device: `sim:${n}?timeScale=0.002&loadDelayMs=200&autoload=1&${query}`, id: `sim:${n}`, label: `sim ${n}`, position: n, simulated: true });

async function scrape(target: { url?: string; app?: App }, token: string | null = SCRAPE): Promise<{ status: number; text: string; headers: Headers }> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  if (target.app !== undefined) {
    const res = await target.app.fastify.inject({ method: 'GET', url: '/metrics', headers });
    return { status: res.statusCode, text: res.body, headers: new Headers(res.headers as Record<string, string>) };
  }
  const res = await fetch(`${target.url ?? ''}/metrics`, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function families(target: { url?: string; app?: App } = { url: env.url }): Promise<Map<string, Family>> {
  const res = await scrape(target);
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.text);
}

/** The families that count discs and durations, as text: equal before and after a restart. */
function countedPart(f: Map<string, Family>): string {
  return JSON.stringify(['tower_discs_total', 'tower_burn_duration_seconds', 'tower_verify_duration_seconds']
    .map((n) => f.get(n)?.samples.slice().sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))));
}

beforeAll(async () => {
  env = await startEnv({ deps: { metrics: { enabled: true, token: SCRAPE }, agentTimeoutMs: 5000 } });
  drives = await openAgentDrives({
    kind: 'list',
    drives: [sim(0, 'media=CD-R'), sim(1, 'media=CD-R&writeErrorAt=30&sticky=1'), sim(2, 'media=DVD-R')],
  });
  agent = new TowerAgent({
    agentId: AGENT, redisUrl: env.redisServer.url, library: null, drives,
    quarantineAfter: 2, heartbeatMs: 200, heartbeatTtlMs: 2000, lockDurationMs: 4000, pollIntervalMs: 50, sameDriveRetryDelayMs: 200,
  });
  await agent.start();
  await waitFor(async () => (await call(env, 'GET', '/api/drives')).body.length === 3, 10_000, 'the agent\'s drives');
  expect((await call(env, 'POST', '/api/stock/received', { body: { mediaType: 'CD-R', count: 20 } })).status).toBe(200);
  expect((await call(env, 'POST', '/api/stock/threshold', { body: { mediaType: 'CD-R', threshold: 18 } })).status).toBe(200);
  const create = async (media: string, copies: number): Promise<string> => {
    const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies, media, verify: 'all', maxAttemptsPerCopy: 5 } });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  cdRun = await create('cd', 4);
  dvdRun = await create('dvd', 2);
  for (const id of [cdRun, dvdRun]) {
    await waitFor(async () => (await call(env, 'GET', `/api/runs/${id}`)).body.status === 'completed', 60_000, `run ${id} to complete`);
  }
  // A run no drive can burn: its copies stay queued.
  await create('bd', 3);
  await waitFor(async () => (await call(env, 'GET', '/api/drives/sim:1')).body.state === 'quarantined', 20_000, 'sim:1 quarantined');
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await env?.stop();
  for (const d of drives ?? []) disposeAgentDrive(d);
});

describe('GET /metrics after simulated runs', () => {
  it('counts discs per drive, media type and outcome as the attempt records and the drive views do', async () => {
    const f = await families();
    const attempts: AttemptRecord[] = await env.runStore.listAttemptsBetween();
    const closed = attempts.filter((a) => a.outcome !== undefined && !(a.outcome === 'failed' && isMediaRefusal(a.error)));
    expect(closed.some((a) => a.outcome === 'passed' && a.mediaType === 'DVD-R')).toBe(true);
    expect(closed.some((a) => a.outcome === 'failed' && a.driveId === 'sim:1')).toBe(true);
    const expected = new Map<string, number>();
    for (const a of closed) {
      const key = JSON.stringify({ drive: a.driveId, media_type: a.mediaType ?? 'unknown', outcome: a.outcome });
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const got = new Map(samplesOf(f, 'tower_discs_total').map((s) => [JSON.stringify({ drive: s.labels.drive, media_type: s.labels.media_type, outcome: s.labels.outcome }), s.value]));
    expect(got).toEqual(expected);
    // The drive views count through another path (the drive counts hash of the Lua scripts): the same discs.
    const views = (await call(env, 'GET', '/api/drives')).body as Json[];
    for (const v of views) {
      const of = (outcomes: string[]): number => samplesOf(f, 'tower_discs_total', { drive: v.id })
        .filter((s) => outcomes.includes(s.labels.outcome ?? '')).reduce((n, s) => n + s.value, 0);
      expect(of(['passed']), v.id).toBe(v.passed);
      expect(of(['failed', 'interrupted']), v.id).toBe(v.failed);
    }
    expect(valueOf(f, 'tower_discs_total', { drive: 'sim:2', media_type: 'DVD-R', outcome: 'passed' })).toBeGreaterThanOrEqual(2);
  });

  it('has a burn duration for every finished burn and a verify duration for every verify that passed', async () => {
    const f = await families();
    const closed = (await env.runStore.listAttemptsBetween()).filter((a) => a.outcome !== undefined);
    for (const media of ['CD-R', 'DVD-R']) {
      const ofMedia = closed.filter((a) => a.mediaType === media);
      const burns = ofMedia.filter((a) => a.durationMs !== undefined);
      const verifies = ofMedia.filter((a) => a.verifyResult === 'passed');
      expect(verifies.length, media).toBeGreaterThan(0);
      // verify: 'all': every good disc was read back, and timed.
      expect(verifies.length).toBe(ofMedia.filter((a) => a.outcome === 'passed').length);
      expect(verifies.every((a) => typeof a.verifyDurationMs === 'number')).toBe(true);
      expect(valueOf(f, 'tower_burn_duration_seconds_count', { media_type: media })).toBe(burns.length);
      expect(valueOf(f, 'tower_verify_duration_seconds_count', { media_type: media })).toBe(verifies.length);
      const sum = valueOf(f, 'tower_burn_duration_seconds_sum', { media_type: media }) ?? NaN;
      expect(sum).toBeCloseTo(burns.reduce((s, a) => s + (a.durationMs ?? 0), 0) / 1000, 6);
    }
  });

  it('shows the queue depth per media class, each drive\'s state, the agent\'s heartbeat and the stock', async () => {
    const f = await families();
    expect(valueOf(f, 'tower_copy_queue_depth', { media_class: 'bd' })).toBe(3);
    expect(valueOf(f, 'tower_copy_queue_depth', { media_class: 'cd' })).toBe(0);
    expect(valueOf(f, 'tower_copy_queue_depth', { media_class: 'dvd' })).toBe(0);
    expect(valueOf(f, 'tower_copy_jobs_active', { media_class: 'bd' })).toBe(0);

    // The drives' states as the API shows them, read before and after a scrape until they did not change meanwhile.
    const states = async (): Promise<string> => JSON.stringify(((await call(env, 'GET', '/api/drives')).body as Json[]).map((v) => [v.id, v.state]));
    const seen = await waitFor(async () => {
      const before = await states();
      const scraped = await families();
      return before === await states() ? { views: JSON.parse(before) as [string, string][], scraped } : null;
    }, 20_000, 'drive states that hold still over a scrape');
    expect(seen.views.length).toBe(3);
    expect(seen.views).toContainEqual(['sim:1', 'quarantined']);
    for (const [id, state] of seen.views) {
      const all = samplesOf(seen.scraped, 'tower_drive_state', { drive: id });
      expect(all.length).toBe(10);
      // Each drive is in exactly one state: the one the API shows.
      expect(all.filter((s) => s.value === 1).map((s) => s.labels.state)).toEqual([state]);
    }

    expect(valueOf(f, 'tower_agent_up', { agent: AGENT })).toBe(1);
    const age = valueOf(f, 'tower_agent_heartbeat_age_seconds', { agent: AGENT });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(valueOf(f, 'tower_agent_last_heartbeat_timestamp_seconds', { agent: AGENT })).toBeGreaterThan(1_600_000_000);

    const stock = ((await call(env, 'GET', '/api/stock')).body as Json[]).find((l) => l.mediaType === 'CD-R');
    expect(stock.used).toBeGreaterThan(4);
    expect(valueOf(f, 'tower_stock_on_hand', { media_type: 'CD-R' })).toBe(stock.onHand);
    expect(valueOf(f, 'tower_stock_used_total', { media_type: 'CD-R' })).toBe(stock.used);
    expect(valueOf(f, 'tower_stock_wasted_total', { media_type: 'CD-R' })).toBe(stock.wasted);
    expect(valueOf(f, 'tower_stock_low_threshold', { media_type: 'CD-R' })).toBe(18);
    expect(valueOf(f, 'tower_stock_low', { media_type: 'CD-R' })).toBe(stock.low ? 1 : 0);
    expect(stock.onHand).toBe(20 - stock.used);
  });

  it('needs the scrape token: 401 without it, with a wrong one and with an API token', async () => {
    for (const token of [null, 'wrong-token-0123456789abcdef', OPERATOR, VIEWER]) {
      const res = await scrape({ url: env.url }, token);
      expect(res.status, String(token)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.parse(res.text).error.code).toBe('UNAUTHENTICATED');
      expect(res.text).not.toContain('tower_discs_total');
    }
    expect((await scrape({ url: env.url })).status).toBe(200);
  });

  it('is in the OpenAPI document as text/plain, outside the API tokens', async () => {
    const doc = (await call(env, 'GET', '/api/openapi.json', { token: null })).body as Json;
    const op = doc.paths['/metrics'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/plain']);
    expect(op.responses['401']).toBeDefined();
    expect(op.security).toEqual([{ bearer: [] }, {}]);
  });

  it('a dashboard query names only metrics the endpoint exposes', async () => {
    const f = await families();
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(5);
    const names = new Set(exprs.flatMap((e) => e.match(/\btower_[a-z_]+/g) ?? []));
    const exposed = (n: string): boolean => f.has(n) || ['_bucket', '_sum', '_count'].some((s) => n.endsWith(s) && f.get(n.slice(0, -s.length))?.type === 'histogram');
    expect([...names].filter((n) => !exposed(n))).toEqual([]);
    // And every family the endpoint has appears on the dashboard.
    expect([...f.keys()].filter((n) => ![...names].some((q) => q === n || q.startsWith(`${n}_`)))).toEqual([]);
  });

  it('counts the same after a restart (a new app on the same Redis), and scraping again counts nothing twice', async () => {
    const before = countedPart(await families());
    expect(countedPart(await families())).toBe(before);
    await env.app.close();
    const again = await createApp({
      redis: env.redis, redisUrl: env.redisServer.url, library: env.library, runStore: env.runStore, planner: env.planner,
      tokens: [{ token: OPERATOR, name: 'olga', role: 'operator' }], metrics: { enabled: true, token: SCRAPE },
    });
    try {
      expect(countedPart(await families({ app: again }))).toBe(before);
      expect(countedPart(await families({ app: again }))).toBe(before);
    } finally {
      await again.close();
    }
  });
});

describe('the metrics option', () => {
  it('serves /metrics to anyone without a token configured, and nothing when disabled', async () => {
    const deps = { redis: env.redis, redisUrl: env.redisServer.url, library: env.library, runStore: env.runStore, planner: env.planner, tokens: [{ token: OPERATOR, name: 'olga', role: 'operator' as const }] };
    const open = await createApp(deps);
    const off = await createApp({ ...deps, metrics: { enabled: false, token: null } });
    try {
      const res = await scrape({ app: open }, null);
      expect(res.status).toBe(200);
      expect(parseExposition(res.text).get('tower_discs_total')?.type).toBe('counter');
      // Disabled: /metrics is an unknown URL like any other (a token is needed even to learn that).
      expect((await scrape({ app: off }, null)).status).toBe(401);
      expect((await scrape({ app: off }, OPERATOR)).status).toBe(404);
    } finally {
      await open.close();
      await off.close();
    }
  });

  it('counts wrong scrape tokens as failed authentications: 429 with Retry-After once the client is refused', async () => {
    const app = await createApp({
      redis: env.redis, redisUrl: env.redisServer.url, library: env.library, runStore: env.runStore, planner: env.planner,
      tokens: [], metrics: { enabled: true, token: SCRAPE }, authThrottle: { maxFailures: 2 },
    });
    try {
      expect((await scrape({ app }, null)).status).toBe(401); // a missing token is no guess
      expect((await scrape({ app }, 'wrong-token-0123456789abcdef')).status).toBe(401);
      expect((await scrape({ app }, 'wrong-token-0123456789abcdef')).status).toBe(401);
      const refused = await scrape({ app });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(JSON.parse(refused.text).error.code).toBe('TOO_MANY_ATTEMPTS');
    } finally {
      await app.close();
    }
  });
});

/**
 * The process logger (server/process-logger.ts): JSON lines on a pipe,
 * readable lines on a terminal, the configured level; and, on a real
 * controller (API, planner, Redis) with a real agent burning a copy on a
 * simulated drive, every request as one line without its tokens, and every
 * line a drive worker writes carrying its agent and drive.
 */
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TowerAgent } from '@tower/agent';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { createProcessLogger } from '../../src/server/process-logger.js';
import type { ProcessLogger } from '../../src/server/process-logger.js';
import { OPERATOR, call, startEnv, waitFor } from '../api/support.js';
import type { Env } from '../api/support.js';

/** A stream standing in for stderr: what was written, and whether it says it is a terminal. */
function capture(isTTY: boolean): { stream: PassThrough & { isTTY: boolean }; text: () => string; lines: () => Record<string, unknown>[] } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString('utf8')));
  return {
    stream,
    text: () => text,
    lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Let the PassThrough hand on what was written. */
const flushed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

describe('createProcessLogger', () => {
  it('writes JSON lines (pino\'s, ISO time) when its stream is not a terminal', async () => {
    const out = capture(false);
    const logger = createProcessLogger({ level: 'info', stream: out.stream });
    logger.child({ agent: 'a1' }).child({ drive: 'sim:0' }).warn({ runId: 'run-1' }, 'quarantined: 3 failures in a row');
    await flushed();
    const [line, ...more] = out.lines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 40, agent: 'a1', drive: 'sim:0', runId: 'run-1', msg: 'quarantined: 3 failures in a row', pid: process.pid });
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes one readable line per event on a terminal: time, level, [agent drive], message', async () => {
    const out = capture(true);
    const logger = createProcessLogger({ level: 'info', stream: out.stream });
    logger.child({ agent: 'a1', drive: 'sim:0' }).info({ runId: 'run-1', copy: 2 }, 'run run-1 copy 2 passed');
    logger.error({ err: new Error('connection refused') }, 'feed');
    await flushed();
    const lines = out.text().replace(ANSI, '').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO: \[a1 sim:0\] run run-1 copy 2 passed$/);
    expect(lines[1]).toMatch(/ ERROR: feed: connection refused$/);
    expect(out.text()).not.toMatch(/^\{/);
    // Colours on a terminal.
    expect(out.text()).toMatch(ANSI);
  });

  it('pretty or not may be forced; the level leaves the less severe lines out', async () => {
    const out = capture(true);
    const logger = createProcessLogger({ level: 'warn', stream: out.stream, pretty: false });
    logger.info('not written');
    logger.debug('not written either');
    logger.warn('written');
    await flushed();
    expect(out.lines().map((l) => l.msg)).toEqual(['written']);
    const debug = capture(false);
    const verbose = createProcessLogger({ level: 'debug', stream: debug.stream });
    verbose.debug('a detail');
    await flushed();
    expect(debug.lines().map((l) => [l.level, l.msg])).toEqual([[20, 'a detail']]);
  });

  it('writes the JSON lines of one turn of the event loop in one write, in order', async () => {
    const out = capture(false);
    let writes = 0;
    const write = out.stream.write.bind(out.stream);
    out.stream.write = ((...args: Parameters<typeof write>) => {
      writes += 1;
      return write(...args);
    }) as typeof out.stream.write;
    const logger = createProcessLogger({ level: 'info', stream: out.stream });
    // A tower's drives ending their discs together: a line each.
    for (let i = 1; i <= 100; i++) logger.info({ copy: i }, `copy ${i} passed`);
    await flushed();
    expect(out.lines().map((l) => l.copy)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(writes).toBe(1);
    logger.warn('later');
    await flushed();
    expect(writes).toBe(2);
    expect(out.lines().at(-1)?.msg).toBe('later');
  });

  it('writes a line logged just before the process exits', () => {
    // The built module, in a process of its own that exits in the same turn it logs.
    const built = fileURLToPath(new URL('../../dist/server/process-logger.js', import.meta.url));
    const script = `import { createProcessLogger } from ${JSON.stringify(built)};
      createProcessLogger({ level: 'info', stream: process.stderr }).error({ code: 'X' }, 'last words');
      process.exit(3);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(3);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ level: 50, code: 'X', msg: 'last words' })]);
  });

  it('censors authorization and cookie headers and token fields in any line', async () => {
    const out = capture(false);
    const logger = createProcessLogger({ level: 'info', stream: out.stream });
    logger.warn({ headers: { authorization: 'Bearer s3cr3t-1', cookie: 'session=s3cr3t-2', accept: 'text/html' }, token: 's3cr3t-3' }, 'webhook refused');
    await flushed();
    expect(out.text()).not.toMatch(/s3cr3t/);
    expect(out.lines()[0]).toMatchObject({ headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'text/html' }, token: '[redacted]' });
  });
});

describe('a controller and an agent on the process logger', () => {
  let env: Env;
  let agent: TowerAgent;
  let logger: ProcessLogger;
  const out = capture(false);
  const sim = new SimulatedDrive({ index: 0, timeScale: 0.001, media: 'CD-R', autoLoader: { media: 'CD-R', stack: 5 } });

  beforeAll(async () => {
    logger = createProcessLogger({ level: 'info', stream: out.stream });
    env = await startEnv({ deps: { logger } });
    agent = new TowerAgent({
      agentId: 'agent-log', redisUrl: env.redisServer.url, library: null,
      drives: [{ spec: { device: sim.address, id: 'sim:0', label: 'sim:0', position: 0, simulated: true }, id: 'sim:0', drive: sim }],
      quarantineAfter: 3, heartbeatMs: 200, heartbeatTtlMs: 2000, lockDurationMs: 4000, pollIntervalMs: 100, sameDriveRetryDelayMs: 300,
      log: logger,
    });
    await agent.start();
  });
  afterAll(async () => {
    await agent?.stop();
    await env?.stop();
    sim.dispose();
  });

  it('logs each request once, with its method, path and status and none of its tokens', async () => {
    const res = await env.app.fastify.inject({
      method: 'GET',
      url: '/api/runs?limit=5&token=query-s3cr3t',
      headers: { authorization: `Bearer ${OPERATOR}`, cookie: 'tower=cookie-s3cr3t' },
    });
    // The API takes no token in a URL: refused, and the line still does not carry it.
    expect(res.statusCode, res.body).toBe(400);
    const listed = await env.app.fastify.inject({ method: 'GET', url: '/api/runs?limit=5', headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(listed.statusCode, listed.body).toBe(200);
    const refused = await env.app.fastify.inject({ method: 'GET', url: '/api/runs', headers: { authorization: 'Bearer wrong-s3cr3t-token' } });
    expect(refused.statusCode).toBe(401);
    await flushed();
    const requests = out.lines().filter((l) => l.req !== undefined);
    expect(requests.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^GET \/api\/runs\?limit=5&token=%5Bredacted%5D 400 \d+ ms$/),
      expect.stringMatching(/^GET \/api\/runs\?limit=5 200 \d+ ms$/),
      expect.stringMatching(/^GET \/api\/runs 401 \d+ ms$/),
    ]);
    expect(requests[0]).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/runs?limit=5&token=%5Bredacted%5D' }, res: { statusCode: 400 } });
    expect(requests[1]).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/runs?limit=5' }, res: { statusCode: 200 }, responseTime: expect.any(Number) });
    expect(out.text()).not.toContain(OPERATOR);
    expect(out.text()).not.toMatch(/s3cr3t/);
  });

  it('a drive worker\'s lines carry its agent and drive; the agent\'s own carry the agent', async () => {
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } });
    expect(created.status, created.text).toBe(201);
    const runId = created.body.id as string;
    await waitFor(async () => (await call(env, 'GET', `/api/runs/${runId}`)).body.status === 'completed', 30_000, 'the run to complete');
    await waitFor(() => out.lines().some((l) => typeof l.msg === 'string' && l.msg.startsWith(`run ${runId} copy 1 passed`)), 5000, 'the copy\'s line');
    const lines = out.lines();
    const passed = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith(`run ${runId} copy 1 passed`));
    expect(passed).toMatchObject({ level: 30, agent: 'agent-log', drive: 'sim:0', runId, copy: 1, outcome: 'passed' });
    expect(lines.find((l) => l.msg === 'agent agent-log serving 1 drive(s): sim:0')).toMatchObject({ agent: 'agent-log' });
    // No line names a drive without its agent.
    expect(lines.filter((l) => l.drive !== undefined && l.agent !== 'agent-log')).toEqual([]);
  });
});

/**
 * The feed under a viewer's flood (security issue: 20,000 `snapshot:request`
 * from one socket took the controller from 106 MB to 1 GB and /api/health to
 * 2.5–4.3 s, each snapshot carrying every run ever made), and the cap on
 * connections per token.
 *
 * The attacker is a separate Node process, so this process's memory is the
 * controller's (plus the test's), not the attacker's receive buffers.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, FeedError, FeedSnapshot, ServerToClientEvents } from '../../src/shared/api-types.js';
import { openSocketFeed } from '../../src/cli/feed-client.js';
import { DEFAULT_MAX_CONNECTIONS_PER_TOKEN } from '../../src/feed/connection-cap.js';
import { RECENT_FINISHED_RUNS } from '../../src/feed/feed-snapshot.js';
import { DEFAULT_SOCKET_RATE_LIMIT } from '../../src/feed/socket-rate-limit.js';
import { seedRunHistory } from '../api/run-history.js';
import { OPERATOR, startEnv, VIEWER, waitFor } from '../api/support.js';
import type { Env } from '../api/support.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const FINISHED = 205;
const ACTIVE = 5;
const FLOOD = 20_000;
const MB = 1024 * 1024;
/** The old feed grew ~900 MB under this flood; a bounded one stays far below. */
const MAX_GROWTH_BYTES = 100 * MB;
/** The old feed kept /api/health waiting 2.5–4.3 s. */
const MAX_HEALTH_MS = 1000;

let env: Env;
let seeded: string[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  env = await startEnv();
  seeded = await seedRunHistory(env, { prefix: 'hist', finished: FINISHED, active: ACTIVE, base: Date.now() - 1_000_000 });
});
afterAll(async () => env?.stop());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** Connect; resolves with the first snapshot, rejects with the connect error. */
function open(token: string): Promise<{ socket: Client; snapshot: FeedSnapshot }> {
  const socket: Client = connect(env.url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('snapshot', (snapshot) => resolve({ socket, snapshot }));
    socket.once('connect_error', reject);
  });
}

/** A full garbage collection, when V8 lets us have one (settles the baseline). */
function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Without it, the baseline is a little noisier; the bound is far from the noise.
  }
}

/** What the attacker saw. */
interface FloodReport {
  readonly snapshots: number;
  readonly snapshotBytes: number;
  readonly feedError: FeedError | null;
  readonly disconnect: string | null;
  readonly connectError: string | null;
  readonly ended: string;
}

/**
 * The attacking process: connect as a viewer, wait for the first snapshot,
 * emit `count` snapshot:requests at once, then report once disconnected, or
 * after 2 s without a snapshot, or after 60 s.
 */
const ATTACKER = `
import { io } from 'socket.io-client';
const [url, token, count] = process.argv.slice(1);
const socket = io(url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false });
const r = { snapshots: 0, snapshotBytes: 0, feedError: null, disconnect: null, connectError: null, ended: '' };
let quiet;
const end = (why) => { r.ended = why; process.stdout.write(JSON.stringify(r) + '\\n', () => process.exit(0)); };
const rearm = () => { clearTimeout(quiet); quiet = setTimeout(() => end('quiet'), 2000); };
setTimeout(() => end('deadline'), 60000);
socket.on('snapshot', (s) => {
  r.snapshots++;
  if (r.snapshots <= 3) r.snapshotBytes = JSON.stringify(s).length;
  if (r.snapshots === 1) { for (let i = 0; i < Number(count); i++) socket.emit('snapshot:request'); }
  rearm();
});
socket.on('feed:error', (e) => { r.feedError = e; });
socket.on('disconnect', (reason) => { r.disconnect = reason; setTimeout(() => end('disconnected'), 300); });
socket.on('connect_error', (e) => { r.connectError = e.message; end('connect_error'); });
`;

function runAttacker(count: number): Promise<FloodReport> {
  const cwd = path.dirname(fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, ['--input-type=module', '-e', ATTACKER, env.url, VIEWER, String(count)], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as FloodReport);
      } catch {
        reject(new Error(`attacker gave no report: ${out} ${err}`));
      }
    });
  });
}

describe('feed under a flood of snapshot:request', () => {
  it('sends active runs and the newest finished ones, and counts the rest', async () => {
    const { snapshot } = await open(VIEWER);
    const newestFirst = [...seeded].reverse();
    const active = newestFirst.slice(0, ACTIVE);
    const finished = newestFirst.slice(ACTIVE);
    expect(snapshot.runs.map((r) => r.id)).toEqual([...active, ...finished.slice(0, RECENT_FINISHED_RUNS)]);
    expect(snapshot.olderRuns).toBe(FINISHED - RECENT_FINISHED_RUNS);
    expect(snapshot.runs.slice(0, ACTIVE).every((r) => r.status === 'queued')).toBe(true);
  });

  it(`stays bounded in memory and answers /api/health while one viewer emits ${FLOOD} requests with ${FINISHED + ACTIVE} runs in history`, async () => {
    collectGarbage();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 10);
    let attacking = true;
    const healthMs: number[] = [];
    const health = (async () => {
      while (attacking) {
        const t0 = performance.now();
        const res = await fetch(`${env.url}/api/health`);
        await res.text();
        healthMs.push(performance.now() - t0);
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    let report: FloodReport;
    try {
      report = await runAttacker(FLOOD);
    } finally {
      attacking = false;
      await health;
      clearInterval(sampler);
    }
    const after = process.memoryUsage();
    peakRss = Math.max(peakRss, after.rss);
    peakHeap = Math.max(peakHeap, after.heapUsed);
    const figures = {
      rssBeforeMB: +(before.rss / MB).toFixed(1), rssPeakGrowthMB: +((peakRss - before.rss) / MB).toFixed(1),
      heapBeforeMB: +(before.heapUsed / MB).toFixed(1), heapPeakGrowthMB: +((peakHeap - before.heapUsed) / MB).toFixed(1),
      healthRequests: healthMs.length, healthMaxMs: +Math.max(...healthMs).toFixed(1), snapshots: report.snapshots,
      snapshotBytes: report.snapshotBytes, ended: report.ended,
    };
    console.info(`feed flood: ${JSON.stringify(figures)}`);

    expect(report.connectError).toBeNull();
    // The first snapshot, then at most the burst of the rate limit and one coalesced after it: never thousands.
    expect(report.snapshots).toBeGreaterThanOrEqual(1);
    expect(report.snapshots).toBeLessThanOrEqual(2 + DEFAULT_SOCKET_RATE_LIMIT.burst);
    // The flood is far past the hard limit: the controller says why and closes the connection.
    expect(report.feedError?.code).toBe('RATE_LIMITED');
    expect(report.disconnect).toBe('io server disconnect');
    // A snapshot no longer grows with the history (210 runs were 92 KB, every run in it).
    expect(report.snapshotBytes).toBeLessThan(40_000);
    expect(peakRss - before.rss).toBeLessThan(MAX_GROWTH_BYTES);
    expect(peakHeap - before.heapUsed).toBeLessThan(MAX_GROWTH_BYTES);
    expect(healthMs.length).toBeGreaterThan(0);
    expect(Math.max(...healthMs)).toBeLessThan(MAX_HEALTH_MS);

    // The feed still serves others, and the attacker's place is given back.
    const { snapshot } = await open(VIEWER);
    expect(snapshot.runs.length).toBe(ACTIVE + RECENT_FINISHED_RUNS);
  });

  it('answers a burst within the limit with few snapshots and keeps the connection', async () => {
    const { socket } = await open(VIEWER);
    let snapshots = 0;
    let error: FeedError | null = null;
    socket.on('snapshot', () => snapshots++);
    socket.on('feed:error', (e) => (error = e));
    for (let i = 0; i < 50; i++) socket.emit('snapshot:request');
    await new Promise((r) => setTimeout(r, 1500));
    expect(snapshots).toBeGreaterThanOrEqual(1);
    expect(snapshots).toBeLessThanOrEqual(DEFAULT_SOCKET_RATE_LIMIT.burst + 1);
    expect(error).toBeNull();
    expect(socket.connected).toBe(true);
  });
});

describe('the tower CLI on a rate-limited feed', () => {
  it('asks once while a snapshot is awaited, so 1,000 asks (one per drive it cannot place) bring one snapshot and keep the feed', async () => {
    const snapshots: FeedSnapshot[] = [];
    const lost: (string | undefined)[] = [];
    const feed = await openSocketFeed({ url: env.url, token: OPERATOR }, {
      snapshot: (s) => snapshots.push(s),
      driveUpdate: () => undefined,
      runUpdate: () => undefined,
      connection: (connected, reason) => {
        if (!connected) lost.push(reason);
      },
    });
    try {
      await waitFor(() => snapshots.length === 1, 5000, 'the first snapshot');
      for (let i = 0; i < 1000; i++) feed.requestSnapshot();
      await waitFor(() => snapshots.length === 2, 5000, 'the snapshot asked for');
      await new Promise((r) => setTimeout(r, 500));
      expect(snapshots).toHaveLength(2);
      expect(lost).toEqual([]);
      // Once it came, the next ask goes out.
      feed.requestSnapshot();
      await waitFor(() => snapshots.length === 3, 5000, 'a later snapshot');
    } finally {
      feed.close();
    }
  });
});

describe('feed connections per token', () => {
  it(`refuses connection ${DEFAULT_MAX_CONNECTIONS_PER_TOKEN + 1} of one token with a clear error, not another token's`, async () => {
    const held = await Promise.all(Array.from({ length: DEFAULT_MAX_CONNECTIONS_PER_TOKEN }, () => open(VIEWER)));
    const refused = await open(VIEWER).then(() => null, (e: Error & { data?: { code?: string } }) => e);
    expect(refused?.message).toMatch(/too many live feed connections for this token \(at most 20\)/);
    expect(refused?.data?.code).toBe('TOO_MANY_CONNECTIONS');
    // Another token is counted apart.
    await expect(open(OPERATOR)).resolves.toMatchObject({ snapshot: expect.objectContaining({ at: expect.any(Number) }) });
    // A place given back can be taken again.
    const first = held[0]?.socket;
    const gone = new Promise<void>((r) => first?.once('disconnect', () => r()));
    first?.close();
    await gone;
    await new Promise((r) => setTimeout(r, 100));
    await expect(open(VIEWER)).resolves.toBeDefined();
  });
});

#!/usr/bin/env node
// Benchmark: live-view latency, from an agent publishing a drive's status
// (its `updatedAt`, agent clock) to the drive's tile showing it in the DOM
// of the tower page in headless Chromium (a MutationObserver in the page,
// `Date.now()`; same machine, same clock).
//
// `tower start` (embedded Redis, controller, agent) with D simulated drives
// reporting progress every 250 ms (4 updates a second each), one long run
// keeping them busy. This script subscribes to the agents' Redis channel to
// get every publication; the page records every change of a tile's
// `data-state` or percent text. A DOM change is matched to the first
// publication of the drive showing that state and percent (the one that
// caused it; later ones with the same text change nothing on screen).
//
//   npm run build && node bench/live-view-latency.mjs [--drives 256] [--seconds 30] [--time-scale 0.25] [--warmup 8] [--verify all|off]
/* global document, window, MutationObserver, Node -- the page-side code runs in Chromium */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Redis } from 'ioredis';
import { DRIVE_EVENTS_CHANNEL } from '../jobs/dist/index.js';
import { Api, TOKENS, TowerChild, VIEWER_TOKEN, machineLine, parseArgs, percentile, readMetrics, sleep, summarizeMetrics } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 256);
const seconds = Number(args.get('--seconds') ?? 30);
const warmup = Number(args.get('--warmup') ?? 8);
const timeScale = Number(args.get('--time-scale') ?? 0.25);
const progressMs = Number(args.get('--progress-ms') ?? 250);
const verify = args.get('--verify') ?? 'all';
// --split 1: the controller (`tower serve`) and the agent (`tower agent`) in their own processes, as on a real tower.
const split = args.get('--split') === '1';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-live-'));
const metricsFile = path.join(dir, 'metrics.jsonl');
const configFile = path.join(dir, 'tower.json');
const agentSection = { id: 'bench-live', simulated: { count: driveCount, media: 'CD-R', timeScale, progressMs, autoLoader: true } };
const agentConfigFile = path.join(dir, 'agent.json');
writeFileSync(configFile, JSON.stringify({
  http: { bind: '127.0.0.1', port: 0 },
  dataDir: 'data',
  tokens: TOKENS,
  controller: { demoRunCopies: 0 },
  ...(split ? {} : { agent: agentSection }),
}, null, 2));
writeFileSync(agentConfigFile, JSON.stringify({ dataDir: 'data', library: { dir: 'data/library' }, agent: agentSection }, null, 2));

const formatPercent = (p) => (typeof p === 'number' && Number.isFinite(p) ? `${Math.floor(Math.min(100, Math.max(0, p)))}%` : '—');

const tower = new TowerChild([split ? 'serve' : 'start', '--config', configFile], { TOWER_METRICS_FILE: metricsFile }, { cwd: dir });
let agentChild = null;
let browser = null;
let sub = null;
let exitCode = 0;
try {
  const url = await tower.url();
  const redisUrl = (await tower.waitFor(/embedded Redis at (redis:\/\/\S+)/))[1];
  if (split) agentChild = new TowerChild(['agent', '--config', agentConfigFile], { REDIS_URL: redisUrl }, { cwd: dir });
  else await tower.waitFor(/press Ctrl-C to stop/);
  const api = new Api(url);
  const home = await fetch(`${url}/`);
  if (!(home.headers.get('content-type') ?? '').includes('text/html')) throw new Error('the controller does not serve the UI: npm run build -w @tower/ui');
  await api.waitFor(async () => (await api.get('/api/drives')).filter((d) => d.state === 'blank').length === driveCount, 120_000, `${driveCount} blank drives`);

  // Every publication of the agent, with the time this script got it.
  const pubs = new Map();
  let pubCount = 0;
  sub = new Redis(redisUrl);
  await sub.subscribe(DRIVE_EVENTS_CHANNEL);
  sub.on('message', (_channel, text) => {
    const s = JSON.parse(text);
    pubCount++;
    let list = pubs.get(s.driveId);
    if (!list) pubs.set(s.driveId, (list = []));
    list.push({ state: s.state, pct: formatPercent(s.percent), updatedAt: s.updatedAt, at: Date.now() });
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  // The feed's arrival in the page (before the app's own handler): splits the latency into server side and browser side.
  await page.addInitScript(() => {
    const arrivals = [];
    window.__towerWs = arrivals;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...a) {
        super(...a);
        this.addEventListener('message', (e) => {
          if (typeof e.data !== 'string' || !e.data.startsWith('42["drive:update"')) return;
          const now = Date.now();
          try {
            const d = JSON.parse(e.data.slice(2))[1];
            arrivals.push([now, d.id, d.updatedAt ?? null]);
          } catch {
            // not a frame of ours
          }
        });
      }
    };
  });
  await page.goto(`${url}/?token=${encodeURIComponent(VIEWER_TOKEN)}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-drive-id]').length >= n, driveCount, { timeout: 60_000 });
  await page.evaluate(() => {
    const last = new Map();
    const seen = [];
    window.__towerBench = seen;
    const look = (tile) => {
      const id = tile.getAttribute('data-drive-id');
      const state = tile.getAttribute('data-state');
      const pct = tile.querySelector('.tile-pct')?.textContent ?? null;
      const key = `${state}|${pct}`;
      if (last.get(id) === key) return;
      last.set(id, key);
      seen.push([id, state, pct, Date.now()]);
    };
    for (const tile of document.querySelectorAll('[data-drive-id]')) look(tile);
    new MutationObserver((records) => {
      const tiles = new Set();
      for (const r of records) {
        const node = r.target.nodeType === Node.ELEMENT_NODE ? r.target : r.target.parentElement;
        const tile = node?.closest?.('[data-drive-id]');
        if (tile) tiles.add(tile);
        for (const added of r.addedNodes) if (added.nodeType === Node.ELEMENT_NODE) for (const t of added.matches('[data-drive-id]') ? [added] : added.querySelectorAll('[data-drive-id]')) tiles.add(t);
      }
      for (const tile of tiles) look(tile);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'], characterData: true });
  });

  const [image] = await api.get('/api/images');
  const run = await api.post('/api/runs', { imageId: image.id, copies: 10_000, verify, label: 'live view bench' });
  await sleep(warmup * 1000);
  const from = Date.now();
  const pubsBefore = pubCount;
  await sleep(seconds * 1000);
  const to = Date.now();
  const pubsInWindow = pubCount - pubsBefore;
  const seen = await page.evaluate(() => window.__towerBench.slice());
  const arrivals = await page.evaluate(() => window.__towerWs.slice());
  await api.post(`/api/runs/${run.id}/cancel`, {}).catch(() => undefined);

  // Match every DOM change in the window to the publication that caused it.
  const latencies = [];
  const redisHop = [];
  let unmatched = 0;
  let observed = 0;
  for (const [id, state, pct, t] of seen) {
    if (t < from || t > to) continue;
    observed++;
    const list = pubs.get(id) ?? [];
    const matches = (p) => p.state === state && (pct === null || p.pct === pct);
    let i = -1;
    for (let k = list.length - 1; k >= 0; k--) {
      if (list[k].at <= t && matches(list[k])) {
        i = k;
        break;
      }
    }
    if (i < 0) {
      unmatched++;
      continue;
    }
    while (i > 0 && matches(list[i - 1])) i--;
    latencies.push(t - list[i].updatedAt);
    redisHop.push(list[i].at - list[i].updatedAt);
  }
  const feedHop = arrivals.filter(([t, , u]) => t >= from && t <= to && typeof u === 'number').map(([t, , u]) => t - u).sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  redisHop.sort((a, b) => a - b);
  const m = summarizeMetrics(readMetrics(metricsFile, from, to));

  console.log(machineLine());
  console.log(`# ${split ? 'tower serve + tower agent (two processes)' : 'tower start'}, ${driveCount} simulated drives (progress every ${progressMs} ms, time scale ${timeScale}), verify ${verify}, tower page in headless Chromium ${browser.version()}; window ${seconds} s after ${warmup} s of warm-up`);
  console.log('drives\tpublications_per_s\tper_drive_per_s\tdom_changes\tmatched\tunmatched\tp50_ms\tp95_ms\tp99_ms\tmax_ms\tpublish_to_redis_sub_p95_ms\tpublish_to_page_ws_p95_ms');
  console.log([driveCount, (pubsInWindow / seconds).toFixed(0), (pubsInWindow / seconds / driveCount).toFixed(2), observed, latencies.length, unmatched,
    percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99), latencies.at(-1), percentile(redisHop, 95), feedHop.length > 0 ? percentile(feedHop, 95) : '-'].join('\t'));
  console.log(`# load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (m) console.log(`# ${split ? 'tower serve' : 'tower start'} process in the window: lag p99 ${m.lagP99Ms.toFixed(1)} ms (median second ${m.lagP50OfP99Ms.toFixed(1)}), max ${m.lagMaxMs.toFixed(1)} ms, RSS max ${m.rssMaxMB.toFixed(0)} MB, CPU ${m.cpuPercent.toFixed(1)}% of a core`);
  const hist = [0, 25, 50, 100, 150, 250, 500, 1000, Infinity];
  console.log(`# latency histogram (ms): ${hist.slice(0, -1).map((lo, k) => `${lo}-${hist[k + 1] === Infinity ? '' : hist[k + 1]}: ${latencies.filter((x) => x >= lo && x < hist[k + 1]).length}`).join(', ')}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  sub?.disconnect();
  await agentChild?.stop();
  await tower.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

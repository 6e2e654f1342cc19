#!/usr/bin/env node
// Benchmark: live-view latency, from an agent publishing a drive's status
// (its `updatedAt`, agent clock) to the drive's tile showing it in the DOM
// of the tower page in headless Chromium (a MutationObserver in the page,
// `Date.now()`; same machine, same clock).
//
// `tower start` (embedded Redis, controller, agent) with D simulated CD-R
// drives reporting progress every 250 ms (4 updates a second each), one long
// run keeping them busy. The run's image is generated here (genisoimage over
// a sparse file of --image-mb MiB, default 600, in the temp dir, imported with
// `tower images import`), so the drives spend most of their time writing —
// where progress changes — rather than in lead-in, fixation and the loader.
// This script subscribes to the agents' Redis channel to get every
// publication (a message is one status or an array of them) and reports how
// many a drive made per second in the window; the page records every change
// of a tile's `data-state` or percent text (the time in the phase, for a
// phase that moves no data). A DOM change is matched to the first
// publication of the drive showing that state and text (the one that caused
// it; later ones with the same text change nothing on screen).
// Hops: the publication as this script's Redis subscriber, a Node socket.io
// client of its own (the controller's share) and the page's WebSocket (before
// the app's handler) got it; state changes are also reported on their own.
// The page's main thread (busy, script, style, layout) comes from Chrome's
// Performance domain. At --time-scale 0.25 a 600 MiB disc takes ~35 s, so a
// 15 s window is all progress; --time-scale 0.1 puts the drives' burn end,
// reload and next burn start (together: they started together) in the window,
// one burst of state changes about every 15 s: a window of 60 s holds three or
// four, each reported on its own (its p95 and its hops' p95s) besides the
// window's whole p95.
//
//   npm run build && node bench/live-view-latency.mjs [--drives 256] [--seconds 30] [--time-scale 0.25] [--warmup 8]
//       [--verify all|off] [--split 1] [--image-mb 600 (0: the small sample image)]
//       [--cpu-profile page.cpuprofile (diagnostics: the page's JavaScript over the window, for DevTools)]
//       [--trace page-trace.json (diagnostics: Chrome's trace of the page over the window, for DevTools' Performance panel)]
//       [--pin 1 (diagnostics: the tower's processes on CPU 0, Chromium's on CPU 1, so each side's share of the
//        latency shows without the other's CPU in the way; this script itself stays on every CPU)]
/* global document, window, MutationObserver, Node -- the page-side code runs in Chromium */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Redis } from 'ioredis';
import { io as ioClient } from 'socket.io-client';
import { RedisSchema } from '../jobs/dist/index.js';
// The tile's own units: the bench reads a publication as the tile shows it.
import { formatDuration, formatPercent } from '../apps/controller/dist/shared/units.js';
import { Api, OPERATOR_TOKEN, TOKENS, TowerChild, VIEWER_TOKEN, machineLine, parseArgs, percentile, pinSelf, readMetrics, sleep, summarizeMetrics, towerCli } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 256);
const seconds = Number(args.get('--seconds') ?? 30);
const warmup = Number(args.get('--warmup') ?? 8);
const timeScale = Number(args.get('--time-scale') ?? 0.25);
const progressMs = Number(args.get('--progress-ms') ?? 250);
const verify = args.get('--verify') ?? 'all';
// --split 1: the controller (`tower serve`) and the agent (`tower agent`) in their own processes, as on a real tower.
const split = args.get('--split') === '1';
const imageMb = Number(args.get('--image-mb') ?? 600);
const cpuProfile = args.get('--cpu-profile') ?? null;
const traceFile = args.get('--trace') ?? null;
const pin = args.get('--pin') === '1';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-live-'));
const metricsFile = path.join(dir, 'metrics.jsonl');
const agentMetricsFile = path.join(dir, 'agent-metrics.jsonl');
const configFile = path.join(dir, 'tower.json');
const agentSection = { id: 'bench-live', simulated: { count: driveCount, media: 'CD-R', timeScale, progressMs, autoLoader: true } };
const agentConfigFile = path.join(dir, 'agent.json');
const srcDir = path.join(dir, 'src');
/**
 * The window's state changes grouped into bursts: runs of changes with no gap of 2 s or more, of at
 * least a quarter of the drives (a burst is all of them changing together; a lone change is not one).
 * `times` (ms into the window, in DOM order), `latencies` and `redisHops` (publish to this script's
 * Redis subscriber) are parallel arrays.
 */
function burstsOf(times, latencies, redisHops) {
  const order = times.map((t, i) => i).sort((a, b) => times[a] - times[b]);
  const groups = [];
  for (const i of order) {
    const last = groups.at(-1);
    if (last !== undefined && times[i] - last.end < 2000) {
      last.end = times[i];
      last.latencies.push(latencies[i]);
      last.redisHops.push(redisHops[i]);
    } else groups.push({ at: times[i], end: times[i], latencies: [latencies[i]], redisHops: [redisHops[i]] });
  }
  const bursts = groups.filter((g) => g.latencies.length >= driveCount / 4);
  for (const b of bursts) {
    b.latencies.sort((x, y) => x - y);
    b.redisHops.sort((x, y) => x - y);
  }
  return bursts;
}

/** An ISO of `megabytes` MiB of zeros from a sparse file: quick to make, nothing to read but holes. */
function makeSparseIso(megabytes) {
  const content = path.join(srcDir, 'content');
  mkdirSync(content, { recursive: true });
  const r1 = spawnSync('truncate', ['-s', `${megabytes}M`, path.join(content, 'data.bin')]);
  if (r1.status !== 0) throw new Error(`truncate failed: ${r1.stderr}`);
  const iso = path.join(srcDir, 'image.iso');
  const r2 = spawnSync('genisoimage', ['-quiet', '-o', iso, content]);
  if (r2.status !== 0) throw new Error(`genisoimage failed: ${r2.stderr}`);
  rmSync(content, { recursive: true, force: true });
  return { path: iso, bytes: statSync(iso).size };
}
const image = imageMb > 0 ? makeSparseIso(imageMb) : null;
writeFileSync(configFile, JSON.stringify({
  http: { bind: '127.0.0.1', port: 0 },
  dataDir: 'data',
  tokens: TOKENS,
  controller: { demoRunCopies: 0 },
  ...(image ? { library: { importRoots: [srcDir], sampleImage: false } } : {}),
  ...(split ? {} : { agent: agentSection }),
}, null, 2));
writeFileSync(agentConfigFile, JSON.stringify({ dataDir: 'data', library: { dir: 'data/library' }, agent: agentSection }, null, 2));


const towerCpus = pin ? { cpus: '0' } : {};
const tower = new TowerChild([split ? 'serve' : 'start', '--config', configFile], { TOWER_METRICS_FILE: metricsFile }, { cwd: dir, ...towerCpus });
let agentChild = null;
let browser = null;
let sub = null;
let feedClient = null;
let exitCode = 0;
try {
  const url = await tower.url();
  const redisLine = await tower.waitFor(/embedded Redis at redis:\/\/(\S+) .*password in (\S+), mode/);
  // The banner leaves the password out; agents read it from the 0600 file beside the data.
  const redisUrl = `redis://:${encodeURIComponent(readFileSync(redisLine[2], 'utf8').trim())}@${redisLine[1]}`;
  if (split) agentChild = new TowerChild(['agent', '--config', agentConfigFile], { REDIS_URL: redisUrl, TOWER_METRICS_FILE: agentMetricsFile }, { cwd: dir, ...towerCpus });
  else await tower.waitFor(/press Ctrl-C to stop/);
  const api = new Api(url);
  const home = await fetch(`${url}/`);
  if (!(home.headers.get('content-type') ?? '').includes('text/html')) throw new Error('the controller does not serve the UI: npm run build -w @tower/ui');
  await api.waitFor(async () => (await api.get('/api/drives')).filter((d) => d.state === 'blank').length === driveCount, 120_000, `${driveCount} blank drives`);

  let imageId;
  if (image) {
    const cliEnv = { TOWER_URL: url, TOWER_TOKEN: OPERATOR_TOKEN };
    imageId = JSON.parse((await towerCli(['images', 'import', image.path, '--name', `bench ${imageMb} MiB`, '--json'], cliEnv)).stdout).id;
  } else {
    imageId = (await api.get('/api/images'))[0].id;
  }

  // The benchmark's own clients only record what arrives (the time and the message as received) and read it after the
  // window: parsing and keeping tens of thousands of objects as they came made this script's own CPU and garbage
  // collection (about a tenth of a burst's CPU) compete with the tower and Chromium on the same cores.
  // Every publication of the agent (a message is one status or an array of them), flat: time, text.
  const rawPubs = [];
  sub = new Redis(redisUrl);
  await sub.subscribe(new RedisSchema().driveEvents());
  sub.on('message', (_channel, text) => rawPubs.push(Date.now(), text));

  // The feed as a Node client sees it (no browser): splits the controller's part from the page's. Its frames are
  // recorded as engine.io delivers them (before socket.io decodes them), flat: time, text.
  const rawFrames = [];
  feedClient = ioClient(url, { path: '/socket.io', auth: { token: VIEWER_TOKEN }, transports: ['websocket'] });
  feedClient.io.on('open', () => feedClient.io.engine.on('packet', (packet) => {
    if (packet.type === 'message' && typeof packet.data === 'string' && packet.data.startsWith('2["drive:updates"')) rawFrames.push(Date.now(), packet.data);
  }));
  await new Promise((resolve, reject) => {
    feedClient.once('snapshot', resolve);
    feedClient.once('connect_error', reject);
  });

  // Pinned: Chromium's processes inherit CPU 1 from this one while it starts them.
  const cpusBefore = pin ? pinSelf('1') : null;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  if (cpusBefore !== null) pinSelf(cpusBefore);
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
        // Recorded as it came (time, text), read after the window: no parsing on the page's main thread before the app's.
        this.addEventListener('message', (e) => {
          if (typeof e.data === 'string' && e.data.startsWith('42["drive:updates"')) arrivals.push(Date.now(), e.data);
        });
      }
    };
  });
  await page.goto(`${url}/?token=${encodeURIComponent(VIEWER_TOKEN)}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-drive-id]').length >= n, driveCount, { timeout: 60_000 });
  await page.evaluate(() => {
    const last = new Map();
    // Flat (id, state, text, time per change): one array in the page's heap, not one per change.
    const seen = [];
    window.__towerBench = seen;
    const look = (tile) => {
      const id = tile.getAttribute('data-drive-id');
      const state = tile.getAttribute('data-state');
      const pct = tile.querySelector('.tile-pct')?.textContent ?? null;
      const key = `${state}|${pct}`;
      if (last.get(id) === key) return;
      last.set(id, key);
      seen.push(id, state, pct, Date.now());
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

  // The page's main thread over the window (Chrome's Performance domain): busy time, script, style, layout.
  // Enabled before the run: enabling it stalls the page for a moment, and at the window's start that fell on the
  // drives' first burst (their first burns end about then at --time-scale 0.1), delaying its tiles by 100+ ms.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const perf = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
  if (cpuProfile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  }
  const run = await api.post('/api/runs', { imageId, copies: 10_000, verify, label: 'live view bench' });
  await sleep(warmup * 1000);
  const perfBefore = await perf();
  if (cpuProfile) await cdp.send('Profiler.start');
  if (traceFile) await browser.startTracing(page, { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink', 'cc', 'toplevel'] });
  const from = Date.now();
  const messagesBefore = rawPubs.length / 2;
  await sleep(seconds * 1000);
  const to = Date.now();
  const messagesAfter = rawPubs.length / 2;
  const messagesInWindow = messagesAfter - messagesBefore;
  const perfAfter = await perf();
  if (cpuProfile) writeFileSync(cpuProfile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
  if (traceFile) await browser.stopTracing();
  const busy = (k) => (100 * ((perfAfter[k] ?? 0) - (perfBefore[k] ?? 0))) / ((to - from) / 1000);
  const seenFlat = await page.evaluate(() => window.__towerBench.slice());
  const pageFrames = await page.evaluate(() => window.__towerWs.slice());
  await api.post(`/api/runs/${run.id}/cancel`, {}).catch(() => undefined);

  // What the clients recorded, read now.
  const seen = [];
  for (let k = 0; k < seenFlat.length; k += 4) seen.push(seenFlat.slice(k, k + 4));
  // Every publication with the time this script got it, by drive; and that time by drive and updatedAt.
  const pubs = new Map();
  const pubAt = new Map();
  let pubsInWindow = 0;
  for (let k = 0; k < rawPubs.length; k += 2) {
    const at = rawPubs[k];
    let v;
    try {
      v = JSON.parse(rawPubs[k + 1]);
    } catch {
      continue;
    }
    for (const s of Array.isArray(v) ? v : [v]) {
      if (!s || typeof s.driveId !== 'string') continue;
      if (k / 2 >= messagesBefore && k / 2 < messagesAfter) pubsInWindow++;
      let list = pubs.get(s.driveId);
      if (!list) pubs.set(s.driveId, (list = []));
      // What the tile's percent box shows: the time in a phase that moves no data (states.ts isTimedPhase), else the percent.
      const timed = s.phase === 'preparing' || s.phase === 'fixating';
      list.push({ state: s.state, pct: timed ? formatDuration(s.phaseSeconds) : formatPercent(s.percent), updatedAt: s.updatedAt, at });
      pubAt.set(`${s.driveId}@${s.updatedAt}`, at);
    }
  }
  /** Deltas of recorded `drive:updates` frames (flat: time, socket.io packet text) as [time, delta]. */
  const deltasOf = (frames) => {
    const out = [];
    for (let k = 0; k < frames.length; k += 2) {
      const text = frames[k + 1];
      try {
        for (const d of JSON.parse(text.slice(text.indexOf('[')))[1]) out.push([frames[k], d]);
      } catch {
        // not a frame of ours
      }
    }
    return out;
  };
  // [time, updatedAt, is a state change, drive id] per delta, as the Node client and the page's WebSocket got them.
  const nodeArrivals = deltasOf(rawFrames).map(([t, d]) => [t, d.updatedAt ?? null, d.state !== undefined, d.id]);
  const arrivals = deltasOf(pageFrames).map(([t, d]) => [t, d.updatedAt ?? null, d.state !== undefined, d.id]);

  // Match every DOM change in the window to the publication that caused it.
  const latencies = [];
  const redisHop = [];
  const stateLatencies = [];
  const stateRedisHop = [];
  const stateTimes = [];
  let unmatched = 0;
  let observed = 0;
  const lastState = new Map();
  for (const [id, state, pct, t] of seen) {
    const stateChanged = lastState.has(id) && lastState.get(id) !== state;
    lastState.set(id, state);
    if (t < from || t > to) continue;
    observed++;
    const list = pubs.get(id) ?? [];
    const matches = (p) => p.state === state && (pct === null || p.pct === pct);
    let i = -1;
    for (let k = list.length - 1; k >= 0; k--) {
      if (list[k].updatedAt <= t && matches(list[k])) {
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
    if (stateChanged) {
      stateTimes.push(t - from);
      stateLatencies.push(t - list[i].updatedAt);
      stateRedisHop.push(list[i].at - list[i].updatedAt);
    }
    redisHop.push(list[i].at - list[i].updatedAt);
  }
  /**
   * Sorted latencies of the deltas of `list` (an arrivals array) that came between `lo` and `hi` (the window by
   * default): from their publication, or (`sinceRedis`) from the same publication's arrival at this script's
   * Redis subscriber, which leaves the controller's and the page's share.
   */
  const hopOf = (list, { stateOnly = false, sinceRedis = false, lo = from, hi = to } = {}) => list
    .filter(([t, u, st]) => (!stateOnly || st) && t >= lo && t <= hi && typeof u === 'number')
    .map(([t, u, , id]) => t - (sinceRedis ? pubAt.get(`${id}@${u}`) ?? NaN : u))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const hops = (list) => (list.length > 0 ? `${percentile(list, 50)}/${percentile(list, 95)}` : '-');
  // Here, before the sorts below, stateTimes, stateLatencies and stateRedisHop are still parallel.
  const bursts = burstsOf(stateTimes, stateLatencies, stateRedisHop);
  latencies.sort((a, b) => a - b);
  stateLatencies.sort((a, b) => a - b);
  redisHop.sort((a, b) => a - b);
  stateRedisHop.sort((a, b) => a - b);
  // Publications of a drive in the window: every one, and those that change what its tile shows (state or whole percent).
  let visiblePubs = 0;
  for (const list of pubs.values()) {
    let prev = null;
    for (const p of list) {
      const key = `${p.state}|${p.pct}`;
      if (p.updatedAt >= from && p.updatedAt <= to && key !== prev) visiblePubs++;
      prev = key;
    }
  }
  const m = summarizeMetrics(readMetrics(metricsFile, from, to));
  const am = split ? summarizeMetrics(readMetrics(agentMetricsFile, from, to)) : null;

  console.log(machineLine());
  const imageWords = image ? `a ${(image.bytes / 1048576).toFixed(0)} MiB image` : 'the sample image';
  console.log(`# ${split ? 'tower serve + tower agent (two processes)' : 'tower start'}, ${driveCount} simulated CD-R drives (progress every ${progressMs} ms, time scale ${timeScale}), ${imageWords}, verify ${verify}, tower page in headless Chromium ${browser.version()}${pin ? ' (pinned: the tower on CPU 0, Chromium on CPU 1)' : ''}; window ${seconds} s after ${warmup} s of warm-up`);
  console.log('drives\tpublications_per_s\tper_drive_per_s\tvisible_per_drive_per_s\tredis_messages_per_s\tdom_changes\tmatched\tunmatched\tp50_ms\tp95_ms\tp99_ms\tmax_ms\tstate_changes\tstate_p95_ms\tpublish_to_redis_sub_p50/p95_ms\tpublish_to_node_ws_p50/p95_ms\tpublish_to_page_ws_p50/p95_ms');
  console.log([driveCount, (pubsInWindow / seconds).toFixed(0), (pubsInWindow / seconds / driveCount).toFixed(2), (visiblePubs / seconds / driveCount).toFixed(2), (messagesInWindow / seconds).toFixed(0),
    observed, latencies.length, unmatched,
    percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99), latencies.at(-1),
    stateLatencies.length, stateLatencies.length > 0 ? `${percentile(stateLatencies, 95)} (redis sub ${hops(stateRedisHop)}, node ws ${hops(hopOf(nodeArrivals, { stateOnly: true }))}, page ws ${hops(hopOf(arrivals, { stateOnly: true }))}, redis sub to node ws ${hops(hopOf(nodeArrivals, { stateOnly: true, sinceRedis: true }))}, to page ws ${hops(hopOf(arrivals, { stateOnly: true, sinceRedis: true }))})` : '-',
    hops(redisHop), hops(hopOf(nodeArrivals)), hops(hopOf(arrivals))].join('\t'));
  console.log(`# load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (stateTimes.length > 0) console.log(`# state changes on the page from ${(Math.min(...stateTimes) / 1000).toFixed(1)} s to ${(Math.max(...stateTimes) / 1000).toFixed(1)} s into the window`);
  // Per burst, the hops of its state changes: at the Redis subscriber (matched to the DOM change), and the
  // state deltas the Node client and the page's WebSocket got within 1 s of the burst's first and last change.
  const burstHops = (b) => {
    const span = { stateOnly: true, lo: from + b.at - 1000, hi: from + b.end + 1000 };
    return `redis sub ${percentile(b.redisHops, 95)}, node ws ${percentile(hopOf(nodeArrivals, span), 95)}, page ws ${percentile(hopOf(arrivals, span), 95)}`;
  };
  if (bursts.length > 0) console.log(`# bursts of state changes: ${bursts.length}; p95 per burst ${bursts.map((b) => `${percentile(b.latencies, 95)} ms (${b.latencies.length} at ${(b.at / 1000).toFixed(1)} s; ${burstHops(b)})`).join(', ')}`);
  if (m) console.log(`# ${split ? 'tower serve' : 'tower start'} process in the window: lag p99 ${m.lagP99Ms.toFixed(1)} ms (median second ${m.lagP50OfP99Ms.toFixed(1)}), max ${m.lagMaxMs.toFixed(1)} ms, RSS max ${m.rssMaxMB.toFixed(0)} MB, CPU ${m.cpuPercent.toFixed(1)}% of a core`);
  console.log(`# page main thread in the window: busy ${busy('TaskDuration').toFixed(0)}% (script ${busy('ScriptDuration').toFixed(0)}%, style ${busy('RecalcStyleDuration').toFixed(0)}%, layout ${busy('LayoutDuration').toFixed(0)}%); ${((perfAfter.LayoutCount - perfBefore.LayoutCount) / seconds).toFixed(0)} layouts/s`);
  if (am) console.log(`# tower agent process in the window: lag p99 ${am.lagP99Ms.toFixed(1)} ms (median second ${am.lagP50OfP99Ms.toFixed(1)}), max ${am.lagMaxMs.toFixed(1)} ms, RSS max ${am.rssMaxMB.toFixed(0)} MB, CPU ${am.cpuPercent.toFixed(1)}% of a core`);
  const hist = [0, 25, 50, 100, 150, 250, 500, 1000, Infinity];
  console.log(`# latency histogram (ms): ${hist.slice(0, -1).map((lo, k) => `${lo}-${hist[k + 1] === Infinity ? '' : hist[k + 1]}: ${latencies.filter((x) => x >= lo && x < hist[k + 1]).length}`).join(', ')}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  sub?.disconnect();
  feedClient?.close();
  await agentChild?.stop();
  await tower.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

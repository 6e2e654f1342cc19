#!/usr/bin/env node
// Diagnostic: what a burst of state changes costs the tower page's tiles in
// Chromium, without the tower. 256 real `DriveTile`s (apps/ui/src, bundled
// alone with React) in the tower's grid and the UI's built stylesheet; each
// round is three frames in which 85 tiles move to their next state (burning
// → done → blank → burning) and 40 others tick, then three frames of 60
// ticks. A Chrome trace of the rounds gives each thread's CPU per round:
// the renderer's main thread (React, the fits, style, layout, paint,
// layerizing) and its raster and compositor threads, in a 1600×1000 page.
// The README's "replay" figures come from here; compare two UI trees with
// `--ui` (the stylesheet is the built one, apps/ui/out).
//
//   npm run build -w @tower/ui && node bench/tile-replay.mjs [--rounds 20] [--ui apps/ui/src]
/* global window -- the evaluated callbacks run in Chromium */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { rolldown } from 'rolldown';
import { REPO_ROOT, machineLine, parseArgs } from './lib/tower.mjs';

const args = parseArgs();
const rounds = Number(args.get('--rounds') ?? 20);
const uiSrc = path.resolve(args.get('--ui') ?? path.join(REPO_ROOT, 'apps', 'ui', 'src'));
const cssDir = path.join(REPO_ROOT, 'apps', 'ui', 'out', '_next', 'static', 'chunks');

/** The page: the tower's structure around 256 tiles, and `frame(k, ticks)` to play one frame of a burst. */
const PAGE = `
import { createElement as h, useLayoutEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { DriveTile } from 'UI/components/DriveTile';
import { tileUnitPx } from 'UI/lib/tile-unit';

const N = 256;
const base = (i) => ({
  id: 'sim:' + i, agentId: 'bench', label: 'Sim ' + i, position: i, state: 'burning', mediaType: 'CD-R', percent: 90, speedX: 48, speedMBps: 7.2,
  etaSeconds: 12, bufferPercent: null, runId: 'r1', copy: i + 1, discLabel: null, phase: 'writing', activity: 'Writing', phaseSeconds: 30,
  message: null, needsAttention: false, passed: 3, failed: 0, quarantine: null, updatedAt: 0,
});
const next = (d) => {
  if (d.state === 'burning') return { ...d, state: 'done', percent: null, speedX: null, speedMBps: null, etaSeconds: null, phase: null, activity: null, phaseSeconds: null, passed: d.passed + 1 };
  if (d.state === 'done') return { ...d, state: 'blank', runId: null, copy: null };
  return { ...d, state: 'burning', runId: 'r1', copy: d.position + 300, percent: 0, phase: 'preparing', activity: 'Preparing', phaseSeconds: 0 };
};
const tick = (d) => (d.state === 'burning' ? { ...d, percent: Math.min(100, (d.percent ?? 0) + 0.4), etaSeconds: Math.max(0, (d.etaSeconds ?? 20) - 1), phaseSeconds: d.phaseSeconds + 1 } : d);

let drives = Array.from({ length: N }, (_, i) => base(i));
let setDrives = () => undefined;
function Grid() {
  const [ds, set] = useState(drives);
  setDrives = set;
  const [unit, setUnit] = useState(null);
  useLayoutEffect(() => {
    const t = document.querySelector('.tile');
    setUnit(t ? tileUnitPx(t) : null);
  }, []);
  return h('div', { className: 'tower', style: unit === null ? undefined : { '--cq': unit + 'px' }, 'data-tile-unit': unit === null ? undefined : '' },
    h('section', { className: 'agent-group' }, h('h2', { className: 'agent-head' }, h('span', null, 'bench')),
      h('div', { className: 'tile-grid' }, ds.map((d) => h(DriveTile, { key: d.id, drive: d, stale: false, runName: 'replay', href: '/drive/?id=' + encodeURIComponent(d.id) })))));
}
const root = createRoot(document.getElementById('root'));
flushSync(() => root.render(h(Grid)));
let cursor = 0;
// One frame as the live store plays it (the deltas applied in an animation frame callback), then the frame drawn.
window.frame = (k, ticks) => new Promise((resolve) => {
  requestAnimationFrame(() => {
    const out = drives.slice();
    for (let j = 0; j < k; j++) { const i = (cursor + j) % N; out[i] = next(out[i]); }
    for (let j = 0; j < ticks; j++) { const i = (cursor + k + j * 3) % N; out[i] = tick(out[i]); }
    cursor = (cursor + k) % N;
    drives = out;
    flushSync(() => setDrives(out));
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });
});
`;

const dir = mkdtempSync(path.join(tmpdir(), 'tower-tile-replay-'));
let browser = null;
try {
  writeFileSync(path.join(dir, 'page.js'), PAGE);
  const bundle = await rolldown({
    input: path.join(dir, 'page.js'),
    resolve: { modules: [path.join(REPO_ROOT, 'node_modules'), 'node_modules'], alias: { UI: uiSrc } },
    transform: { jsx: 'react-jsx', define: { 'process.env.NODE_ENV': '"production"' } },
    platform: 'browser',
    logLevel: 'silent',
  });
  // React's production build is chosen by the define above (without it the bundle ran React's development build: 2.5 times the CPU); the banner serves what else reads process.env.
  await bundle.write({ file: path.join(dir, 'bundle.js'), format: 'iife', banner: 'var process = { env: { NODE_ENV: "production" } };' });
  const css = readdirSync(cssDir).filter((f) => f.endsWith('.css')).map((f) => readFileSync(path.join(cssDir, f), 'utf8')).join('\n');
  writeFileSync(path.join(dir, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><main class="main"><div id="root"></div></main><script src="bundle.js"></script></body></html>`);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  await page.waitForFunction(() => typeof window.frame === 'function', undefined, { timeout: 30_000 }).catch(() => {
    throw new Error(`the replay page did not start: ${errors.join('; ') || 'no error reported'}`);
  });
  const play = async (n) => {
    for (let r = 0; r < n; r++) {
      for (let f = 0; f < 3; f++) await page.evaluate(() => window.frame(85, 40));
      for (let f = 0; f < 3; f++) await page.evaluate(() => window.frame(0, 60));
    }
  };
  await play(2); // warm-up: the first rounds compile and fill caches
  const trace = path.join(dir, 'trace.json');
  await browser.startTracing(page, { path: trace, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'toplevel', 'viz'] });
  await play(rounds);
  await browser.stopTracing();

  const parsed = JSON.parse(readFileSync(trace, 'utf8'));
  const events = parsed.traceEvents ?? parsed;
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const cpu = new Map();
  const add = (k, us) => cpu.set(k, (cpu.get(k) ?? 0) + us);
  const PHASES = ['FireAnimationFrame', 'UpdateLayoutTree', 'Layout', 'Paint', 'Layerize', 'PrePaint'];
  for (const e of events) {
    if (e.ph !== 'X' || typeof e.tdur !== 'number') continue;
    const thread = threads.get(`${e.pid}:${e.tid}`) ?? '?';
    if (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'ThreadPool_RunTask') add(thread, e.tdur);
    if (thread === 'CrRendererMain' && PHASES.includes(e.name)) add(e.name, e.tdur);
  }
  const perRound = (k) => ((cpu.get(k) ?? 0) / 1000 / rounds).toFixed(1);
  console.log(machineLine());
  console.log(`# UI tree ${path.relative(REPO_ROOT, uiSrc) || uiSrc}; ${rounds} rounds (3 frames of 85 state changes and 40 ticks, 3 frames of 60 ticks each); CPU ms per round`);
  console.log('main_thread\traster\tcompositor\tviz\tanimation_frames\tstyle\tlayout\tpaint\tlayerize\tprepaint');
  console.log([perRound('CrRendererMain'), perRound('ThreadPoolForegroundWorker'), perRound('Compositor'), perRound('VizCompositorThread'),
    ...PHASES.map(perRound)].join('\t'));
  console.log('# style and layout forced by the fits inside the animation frames count in both columns');
} finally {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
}

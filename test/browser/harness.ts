/**
 * Browser-test harness: a real `tower start` (embedded Redis, controller,
 * agent, simulated drives) as a child process on a free port with a temp data
 * dir, the UI's static export on the same origin, and Debian's Chromium
 * driven by playwright-core (never a downloaded browser).
 *
 * Same origin: if the controller serves apps/ui/out itself (`GET /` is HTML)
 * the tests use it directly; otherwise a small static server here serves
 * apps/ui/out and passes /api and /socket.io (HTTP and WebSocket) through.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT, TOWER_CLI } from '../support/repo-paths.js';

export const CHROMIUM = '/usr/bin/chromium';
export const UI_OUT = path.join(REPO_ROOT, 'apps', 'ui', 'out');
export const OPERATOR_TOKEN = 'ui-operator-token-0123456789';
export const VIEWER_TOKEN = 'ui-viewer-token-0123456789ab';

/** Why the browser suite cannot run here, or null. */
export function missingPrerequisite(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed`;
  if (!existsSync(path.join(UI_OUT, 'index.html'))) return 'apps/ui/out is missing: run `npm run build -w @tower/ui`';
  if (!existsSync(path.join(REPO_ROOT, 'apps', 'controller', 'dist', 'cli', 'tower.js'))) return 'the controller is not built: run `npm run build`';
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface SimTowerOptions {
  readonly drives: number;
  /** Sim faults by drive number, e.g. `{ 3: { writeErrorAt: 40, sticky: true } }`. */
  readonly faults?: Readonly<Record<number, Readonly<Record<string, string | number | boolean>>>>;
  readonly timeScale?: number;
  readonly quarantineAfter?: number;
}

/** A `tower start` child process that can be stopped and started again on the same port and data dir. */
export class TowerProcess {
  readonly dir: string;
  readonly port: number;
  readonly configFile: string;
  #child: ChildProcess | null = null;
  #log: string[] = [];

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.configFile = path.join(dir, 'tower.json');
  }

  static async create(opts: SimTowerOptions): Promise<TowerProcess> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tower-ui-e2e-'));
    const t = new TowerProcess(dir, await freePort());
    const faults: Record<string, Record<string, string | number | boolean>> = {};
    for (const [k, v] of Object.entries(opts.faults ?? {})) faults[k] = { ...v };
    const config = {
      http: { bind: '127.0.0.1', port: t.port },
      dataDir: path.join(dir, 'data'),
      tokens: [
        { token: OPERATOR_TOKEN, name: 'ui-test operator', role: 'operator' },
        { token: VIEWER_TOKEN, name: 'ui-test wall', role: 'viewer' },
      ],
      controller: { demoRunCopies: 0, retryBackoffMs: 200, agentTimeoutMs: 4000 },
      agent: {
        id: 'bench-a',
        heartbeatMs: 500,
        pollIntervalMs: 200,
        sameDriveRetryDelayMs: 200,
        quarantineAfter: opts.quarantineAfter ?? 3,
        simulated: { count: opts.drives, media: 'CD-R', timeScale: opts.timeScale ?? 0.01, progressMs: 150, autoLoader: true, faults },
      },
    };
    await writeFile(t.configFile, JSON.stringify(config, null, 2));
    return t;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.#log.join('');
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.#child) throw new Error('already running');
    this.#log = [];
    const child = spawn(process.execPath, [TOWER_CLI, 'start', '--config', this.configFile], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TOWER_CONFIG: '', REDIS_URL: '' },
    });
    this.#child = child;
    child.stdout?.on('data', (b: Buffer) => this.#log.push(b.toString()));
    child.stderr?.on('data', (b: Buffer) => this.#log.push(b.toString()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`tower start exited with ${child.exitCode}:\n${this.log}`);
      if (/press Ctrl-C to stop/.test(this.log)) {
        const ok = await fetch(`${this.url}/api/health`).then((r) => r.ok, () => false);
        if (ok) return;
      }
      await sleep(200);
    }
    throw new Error(`tower start did not come up within ${timeoutMs} ms:\n${this.log}`);
  }

  /** SIGTERM, then SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A REST call with a token (for setup and checks beside the UI). */
  async api<T>(pathName: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
    const res = await fetch(`${this.url}/api${pathName}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? OPERATOR_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${pathName}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Serves apps/ui/out and passes /api and /socket.io through to the controller (which may come and go). */
export class UiFrontDoor {
  readonly #server: http.Server;
  readonly port: number;
  private constructor(server: http.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async open(controllerPort: number): Promise<UiFrontDoor> {
    const server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url.startsWith('/api/') || url.startsWith('/socket.io/')) {
        const up = http.request({ host: '127.0.0.1', port: controllerPort, path: url, method: req.method, headers: req.headers }, (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        });
        up.on('error', () => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('controller unreachable');
        });
        req.pipe(up);
        return;
      }
      void serveStatic(url, res);
    });
    server.on('upgrade', (req, socket, head) => {
      const up = net.connect(controllerPort, '127.0.0.1', () => {
        const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i] ?? ''}: ${req.rawHeaders[i + 1] ?? ''}`);
        up.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return new UiFrontDoor(server, port);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

async function serveStatic(url: string, res: http.ServerResponse): Promise<void> {
  const pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  let file = path.normalize(path.join(UI_OUT, pathname));
  if (!file.startsWith(UI_OUT)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
  } catch {
    if (!pathname.endsWith('/') && existsSync(path.join(UI_OUT, pathname, 'index.html'))) {
      res.writeHead(308, { location: `${pathname}/${new URL(url, 'http://x').search}` }).end();
      return;
    }
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end(await readFile(path.join(UI_OUT, '404.html')).catch(() => 'not found'));
  }
}

/** Where the browser finds the UI. */
export interface UiOrigin {
  readonly url: string;
  close(): Promise<void>;
  /** The controller serves the UI's export itself (else a front door here does). */
  readonly servedByController: boolean;
}

/** The UI's origin: the controller itself if it serves the UI, else a front door here. */
export async function uiOrigin(tower: TowerProcess): Promise<UiOrigin> {
  const res = await fetch(`${tower.url}/`).catch(() => null);
  const html = res?.ok === true && (res.headers.get('content-type') ?? '').includes('text/html');
  if (html) return { url: tower.url, close: async () => undefined, servedByController: true };
  const door = await UiFrontDoor.open(tower.port);
  return { url: door.url, close: () => door.close(), servedByController: false };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Debian's Chromium, headless; every launch gets a fresh temporary profile (user-data dir). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A browser context signed in with `token` (through `?token=`, like a wall screen). */
export async function signedInPage(browser: Browser, origin: string, token: string, pathName = '/', viewport = { width: 1600, height: 1000 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, reducedMotion: 'no-preference' });
  const page = await context.newPage();
  const sep = pathName.includes('?') ? '&' : '?';
  await page.goto(`${origin}${pathName}${sep}token=${encodeURIComponent(token)}`);
  return { context, page };
}

/** A simulated tower, its UI and Chromium, as {@link useSimTower} gives them to a describe block. */
export interface BrowserTower {
  readonly tower: TowerProcess;
  readonly origin: UiOrigin;
  readonly browser: Browser;
}

/**
 * A simulated tower, the UI's origin and Chromium for one describe block:
 * started in its `beforeAll` and closed in its `afterAll`; the fields are
 * set from its first test on. The prerequisites are part of the setup: a
 * missing one fails the block, never skips it. `prepare` may rewrite the
 * tower's configuration before it starts.
 */
export function useSimTower(options: SimTowerOptions, prepare?: (tower: TowerProcess) => Promise<void>): BrowserTower {
  const t: { tower?: TowerProcess; origin?: UiOrigin; browser?: Browser } = {};
  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing !== null) throw new Error(missing);
    t.tower = await TowerProcess.create(options);
    await prepare?.(t.tower);
    await t.tower.start();
    t.origin = await uiOrigin(t.tower);
    t.browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await t.browser?.close();
    await t.origin?.close();
    await t.tower?.dispose();
  }, 60_000);
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the ${what} is not up: use it inside a test`);
    return v;
  };
  return {
    get tower() { return need(t.tower, 'tower'); },
    get origin() { return need(t.origin, 'UI origin'); },
    get browser() { return need(t.browser, 'browser'); },
  };
}

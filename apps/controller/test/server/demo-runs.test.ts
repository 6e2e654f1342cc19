/**
 * DemoRuns against a fake API: a demo run follows the last one only when it
 * has ended and nobody acted since the demo began (the demo's own runs and
 * wall screen pairings do not count, nor what happened before), at most
 * `repeats` times; an API that fails is tried again.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_RUN_LABEL, DemoRuns } from '../../src/server/demo-runs.js';
import type { AuditEntry } from '../../src/shared/api-types.js';

/** An API of runs (ended when `end(id)` is called) and an audit log, newest first. */
class FakeApi {
  runs = new Map<string, string>();
  audit: AuditEntry[] = [];
  created: string[] = [];
  failing = 0;
  /** GET requests answered: the demo's looks. */
  gets = 0;
  #next = 1;

  readonly call = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ statusCode: number; body: string }> => {
    if (method === 'GET') this.gets++;
    if (this.failing > 0) {
      this.failing--;
      return { statusCode: 503, body: '{"error":"REDIS_UNAVAILABLE"}' };
    }
    if (method === 'POST' && url === '/api/runs') {
      expect(body).toMatchObject({ label: DEMO_RUN_LABEL, verify: 'all' });
      const id = `run-${this.#next++}`;
      this.runs.set(id, 'running');
      this.created.push(id);
      this.act('run.create', id);
      return { statusCode: 201, body: JSON.stringify({ id }) };
    }
    if (url.startsWith('/api/audit')) return { statusCode: 200, body: JSON.stringify(this.audit) };
    const id = decodeURIComponent(url.replace('/api/runs/', ''));
    return { statusCode: 200, body: JSON.stringify({ id, status: this.runs.get(id) }) };
  };

  act(action: string, target: string, at = Date.now()): void {
    this.audit.unshift({ at, who: 'op', role: 'operator', action, target, detail: '' });
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Wait until the demo has looked at the API `n` more times. */
async function looks(api: FakeApi, n = 3): Promise<void> {
  const from = api.gets;
  await until(() => api.gets >= from + n, `${n} looks`);
}

function demo(api: FakeApi, repeats: number, log: string[] = []): DemoRuns {
  return new DemoRuns({ api: api.call, image: { id: 'img', name: 'Sample image' }, copies: 2, repeats, out: () => undefined, log: (l) => log.push(l), pollMs: 5 });
}

describe('DemoRuns', () => {
  it('starts another run only when the last has ended, while nobody acted, up to the limit', async () => {
    const api = new FakeApi();
    api.act('image.upload', 'before-the-demo', Date.now() - 60_000);
    const log: string[] = [];
    const d = demo(api, 2, log);
    expect(await d.start()).toBe('run-1');
    api.act('screen.pair', 'scr-1');
    await looks(api);
    expect(api.created).toEqual(['run-1']);
    api.runs.set('run-1', 'completed');
    await until(() => api.created.length === 2, 'run-2');
    api.runs.set('run-2', 'failed');
    await until(() => api.created.length === 3, 'run-3');
    api.runs.set('run-3', 'cancelled');
    await until(() => log.some((l) => l.includes('no more')), 'the end of the demo');
    expect(api.created).toEqual(['run-1', 'run-2', 'run-3']);
    expect(log[log.length - 1]).toBe('demo: 3 demo runs done; no more');
    await d.stop();
  });

  it('starts none after an operator acted', async () => {
    const api = new FakeApi();
    const log: string[] = [];
    const d = demo(api, 10, log);
    await d.start();
    api.act('drive.quarantine', 'sim:0');
    api.runs.set('run-1', 'completed');
    await until(() => log.length > 0, 'the end of the demo');
    expect(api.created).toEqual(['run-1']);
    expect(log).toEqual(['demo: op acted (drive.quarantine sim:0); no more demo runs']);
    await d.stop();
  });

  it('tries again when the API fails, saying so once', async () => {
    const api = new FakeApi();
    const log: string[] = [];
    const d = demo(api, 1, log);
    await d.start();
    api.runs.set('run-1', 'completed');
    api.failing = 3;
    await until(() => api.created.length === 2, 'run-2');
    expect(log.filter((l) => l.includes('503'))).toHaveLength(1);
    await d.stop();
  });

  it('stops watching when stopped', async () => {
    const api = new FakeApi();
    const d = demo(api, 5);
    await d.start();
    await looks(api, 1);
    await d.stop();
    const gets = api.gets;
    api.runs.set('run-1', 'completed');
    await new Promise((r) => setTimeout(r, 50));
    expect(api.gets).toBe(gets);
    expect(api.created).toEqual(['run-1']);
  });
});

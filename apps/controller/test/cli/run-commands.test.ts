import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../src/cli/api-call-error.js';
import { EXIT } from '../../src/cli/cli-output.js';
import type { RunView } from '../../src/shared/api-types.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { fakeClient } from './fake-client.js';
import { makeDrive, makeRun } from './fixtures.js';

// Dates and numbers follow the locale and zone; pin them so the expected lines hold on any host.
beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

describe('tower run: local validation', () => {
  it.each(['0', '-1', '1.5', 'ten', '100001'])('refuses --copies %s with one line, exit 2, nothing sent', async (copies) => {
    const { fetch, sent } = fakeFetch(() => json(201, makeRun()));
    const result = await runCli(['run', 'img-1', '--copies', copies], { fetch });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toBe(`tower: --copies must be a whole number from 1 to 10000, got '${copies}'\n`);
    expect(result.stdout).toBe('');
    expect(sent).toHaveLength(0);
  });

  it('needs --copies', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, makeRun()));
    const result = await runCli(['run', 'img-1'], { fetch });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toBe("tower: required option '--copies <n>' not specified (or give --template NAME, --serials FIRST-LAST or --merge-csv FILE)\n");
    expect(sent).toHaveLength(0);
  });

  it('refuses a bad --verify', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, makeRun()));
    const result = await runCli(['run', 'img-1', '--copies', '3', '--verify', 'sometimes'], { fetch });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^tower: --verify must be 'all', 'first-per-drive', 'off' or 'every-nth:N' .*got 'sometimes'\n$/);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });

  it('refuses to run without a token, sending nothing', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, makeRun()));
    const result = await runCli(['run', 'img-1', '--copies', '3'], { fetch, env: { TOWER_URL: 'http://x:1' } });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toBe("tower: no API token: set TOWER_TOKEN or pass --token-file <path> (ask the controller's operator for one)\n");
    expect(sent).toHaveLength(0);
  });

  it('refuses a URL that is not http(s)', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, []));
    const result = await runCli(['runs', '--url', 'ftp://tower'], { fetch });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^tower: --url must be an http\(s\) URL/);
    expect(sent).toHaveLength(0);
  });
});

describe('tower run: requests and answers', () => {
  it('posts the run with every option and prints it', async () => {
    const { fetch, sent } = fakeFetch((req) => json(201, makeRun({ id: 'r-9', copies: 25, ...JSON.parse(req.body ?? '{}') as object })));
    const result = await runCli(
      ['run', 'img-1', '--copies', '25', '--verify', 'every-nth:5', '--speed', '16', '--dummy-first', '--drives', 'sim:0,sim:1', '--priority', '5', '--label', 'Batch 7', '--json'],
      { fetch },
    );
    expect(result.code).toBe(EXIT.ok);
    expect(sent).toHaveLength(1);
    const [req] = sent;
    expect(req?.method).toBe('POST');
    expect(req?.url.href).toBe('http://controller.test:8080/api/runs');
    expect(req?.headers.authorization).toBe('Bearer test-token');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      imageId: 'img-1', copies: 25, verify: { everyNth: 5 }, speed: 16, dummyFirst: true, drives: ['sim:0', 'sim:1'], priority: 5, label: 'Batch 7',
    });
    expect((JSON.parse(result.stdout) as RunView).id).toBe('r-9');
  });

  it('warns on stderr when no drive in service can serve the run it created', async () => {
    const reason = 'needs a person: no drive in service takes DVD discs: add a DVD writer';
    const { fetch } = fakeFetch(() => json(201, makeRun({ id: 'r-7', statusReason: reason })));
    const result = await runCli(['run', 'img-1', '--copies', '2'], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe(`warning: ${reason}\n`);
    expect(result.stdout).toMatch(/^created run r-7/);
  });

  it('--url and --token override the environment', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, []));
    await runCli(['runs', '--url', 'http://other:9000/', '--token', 'op'], { fetch });
    expect(sent[0]?.url.href).toBe('http://other:9000/api/runs');
    expect(sent[0]?.headers.authorization).toBe('Bearer op');
  });

  it('maps an API error body to one line with its code, exit 1', async () => {
    const { fetch } = fakeFetch(() => json(403, { error: { code: 'FORBIDDEN', message: 'this needs an operator token' } }));
    const result = await runCli(['run', 'img-1', '--copies', '2'], { fetch });
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toBe('tower: this needs an operator token [FORBIDDEN]\n');
  });

  it('reports a response without an error body by its status', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const result = await runCli(['runs'], { fetch });
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toBe('tower: HTTP 502 Bad Gateway: <html>bad gateway</html> [HTTP_502]\n');
  });

  it('says so when the controller cannot be reached', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    }) as typeof globalThis.fetch;
    const result = await runCli(['drives'], { fetch });
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toBe('tower: cannot reach the controller at http://controller.test:8080 (ECONNREFUSED); check --url or TOWER_URL [UNREACHABLE]\n');
  });

  it('with --json, a failure is also one JSON object on stdout', async () => {
    const { fetch } = fakeFetch(() => json(404, { error: { code: 'NOT_FOUND', message: 'no run r-x' } }));
    const result = await runCli(['runs', 'show', 'r-x', '--json'], { fetch });
    expect(result.code).toBe(EXIT.failed);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { message: 'no run r-x [NOT_FOUND]' } });
  });

  it('runs show says the speed the run asked for, or that each drive burns at its maximum', async () => {
    const { fetch } = fakeFetch((req) => json(200, makeRun(req.url.pathname.endsWith('/slow') ? { id: 'slow', speed: 8 } : { id: 'fast' })));
    expect((await runCli(['runs', 'show', 'slow'], { fetch })).stdout).toMatch(/^Speed:\s+8×$/m);
    expect((await runCli(['runs', 'show', 'fast'], { fetch })).stdout).toMatch(/^Speed:\s+each drive’s maximum$/m);
  });

  it('pause, resume and cancel post to the run', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, makeRun({ status: 'paused' })));
    for (const action of ['pause', 'resume', 'cancel']) {
      const result = await runCli(['runs', action, 'run/1'], { fetch });
      expect(result.code).toBe(EXIT.ok);
      expect(result.stdout).toContain('run run-1 Install disc: paused');
    }
    await runCli(['runs', 'cancel', 'run-1', '--in-flight', 'finish'], { fetch });
    expect(sent.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /api/runs/run%2F1/pause', 'POST /api/runs/run%2F1/resume', 'POST /api/runs/run%2F1/cancel', 'POST /api/runs/run-1/cancel',
    ]);
    expect(JSON.parse(sent[3]?.body ?? '')).toEqual({ inFlight: 'finish' });
    const bad = await runCli(['runs', 'cancel', 'run-1', '--in-flight', 'later'], { fetch });
    expect(bad.code).toBe(EXIT.usage);
  });

  it('lists runs as a table', async () => {
    const { fetch } = fakeFetch(() => json(200, [makeRun({ passed: 1, failed: 2, discsPerHour: 12.5, etaSeconds: 330 })]));
    const result = await runCli(['runs'], { fetch });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN\s+IMAGE\s+LABEL\s+STATUS\s+PASSED\s+FAILED\s+ACTIVE\s+PRIO\s+DISCS\/H\s+ETA\s+CREATED$/);
    expect(lines[1]).toMatch(/^run-1\s+Install disc\s+-\s+running\s+1\/2\s+2\s+1\s+100\s+13\s+5:30\s+14\/11\/2023, 22:13:20$/);
  });
});

describe('tower run --wait', () => {
  function sequence(runs: RunView[]): () => Promise<RunView> {
    let i = 0;
    return async () => runs[Math.min(i++, runs.length - 1)] as RunView;
  }

  it('follows the run and exits 0 when exactly N passed', async () => {
    const client = fakeClient({
      createRun: async () => makeRun(),
      getRun: sequence([makeRun(), makeRun({ passed: 1 }), makeRun({ status: 'completed', passed: 2, inProgress: 0, remaining: 0 })]),
      listDrives: async () => [makeDrive({ state: 'burning', percent: 42, speedX: 24, runId: 'run-1', copy: 2 }), makeDrive({ id: 'sim:1', label: 'sim:1' })],
    });
    const result = await runCli(['run', 'img-1', '--copies', '2', '--wait'], { client });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toContain('created run run-1');
    expect(result.stderr).toMatch(/Top left \(sim:0\)\s+burning\s+\[#{8}-{12}\]\s+42%\s+24×/);
    expect(result.stderr).not.toContain('sim:1 ');
    expect(result.stdout).toBe('run run-1 Install disc: completed, 2/2 passed, 0 failed, 0 in progress\n');
  });

  it('exits 1 when the run fails', async () => {
    const client = fakeClient({
      createRun: async () => makeRun(),
      getRun: sequence([makeRun({ status: 'failed', statusReason: 'failure budget spent', failed: 6 })]),
      listDrives: async () => [],
    });
    const result = await runCli(['run', 'img-1', '--copies', '2', '--wait', '--json'], { client });
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toBe('tower: run run-1 failed (failure budget spent): 0/2 passed, 6 failed [RUN_FAILED]\n');
    expect(client.calls).not.toContain('listDrives');
  });

  it('exits 1 when the run is cancelled', async () => {
    const client = fakeClient({ createRun: async () => makeRun(), getRun: async () => makeRun({ status: 'cancelled' }), listDrives: async () => [] });
    const result = await runCli(['run', 'img-1', '--copies', '2', '--wait'], { client });
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toMatch(/\[RUN_CANCELLED\]\n$/);
  });

  it('Ctrl-C stops waiting without cancelling the run', async () => {
    const abort = new AbortController();
    let polls = 0;
    const client = fakeClient({
      createRun: async () => makeRun(),
      getRun: async () => {
        if (++polls === 3) abort.abort();
        return makeRun();
      },
      listDrives: async () => [],
    });
    const result = await runCli(['run', 'img-1', '--copies', '2', '--wait'], { client, signal: abort.signal });
    expect(result.code).toBe(EXIT.cancelled);
    expect(result.stderr).toMatch(/tower: stopped waiting; run run-1 goes on \(see: tower runs show run-1\) \[CANCELLED\]\n$/);
    expect(client.calls).not.toContain('cancelRun');
  });

  it('keeps polling through a controller restart', async () => {
    let polls = 0;
    const client = fakeClient({
      createRun: async () => makeRun(),
      getRun: async () => {
        polls++;
        if (polls === 2) throw new ApiCallError(0, 'UNREACHABLE', 'down');
        return polls >= 3 ? makeRun({ status: 'completed', passed: 2 }) : makeRun();
      },
      listDrives: async () => [],
    });
    const result = await runCli(['run', 'img-1', '--copies', '2', '--wait'], { client });
    expect(result.code).toBe(EXIT.ok);
    expect(polls).toBe(3);
  });
});

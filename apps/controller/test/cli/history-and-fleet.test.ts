import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { makeAttempt, makeDrive, makeStats } from './fixtures.js';

// Dates and numbers follow the locale and zone; pin them so the expected lines hold on any host.
beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

const CSV = 'id,runId,copy,driveId,outcome\r\natt-1,run-1,1,sim:0,passed\r\n';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tower-cli-history-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tower history', () => {
  it('passes the filters as the API query', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, [makeAttempt()]));
    const result = await runCli(['history', '--run', 'run-1', '--drive', 'sim:0', '--outcome', 'failed', '--since', '2024-05-01', '--limit', '50'], { fetch });
    expect(result.code).toBe(EXIT.ok);
    const q = sent[0]?.url.searchParams;
    expect(Object.fromEntries(q ?? [])).toEqual({ runId: 'run-1', driveId: 'sim:0', outcome: 'failed', from: String(Date.parse('2024-05-01')), limit: '50', format: 'json' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+RUN\s+COPY\s+DRIVE\s+MEDIA\s+TIME\s+SPEED\s+VERIFY\s+OUTCOME\s+ERROR$/);
    expect(lines[1]).toMatch(/^14\/11\/2023, 22:13:20\s+run-1\s+1\s+sim:0\s+CD-R\s+5:00\s+24×\s+match\s+passed\s+-$/);
  });

  it('follows the locale and time zone of the process (LANG, TZ), as the UI follows the browser’s', async () => {
    const { fetch } = fakeFetch((req) => json(200, req.url.pathname === '/api/stats/drives' ? [makeStats()] : [makeAttempt()]));
    setUnitDefaults({ locale: 'de-DE', timeZone: 'Europe/Berlin' });
    try {
      const history = (await runCli(['history'], { fetch })).stdout.trimEnd().split('\n');
      expect(history[1]).toMatch(/^14\.11\.2023, 23:13:20\s+run-1\s+1\s+sim:0\s+CD-R\s+5:00\s+24×/);
      const stats = (await runCli(['stats'], { fetch })).stdout.trimEnd().split('\n');
      expect(stats[1]).toMatch(/^sim:0\s+10\s+9\s+1\s+10,0%\s+7,34 GB\s+0\s+14\.11\.2023, 23:13:20 write failed/);
    } finally {
      setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' });
    }
  });

  it('prints the CSV exactly as the API returns it', async () => {
    const { fetch, sent } = fakeFetch(() => new Response(CSV, { status: 200, headers: { 'content-type': 'text/csv' } }));
    const result = await runCli(['history', '--csv'], { fetch });
    expect(result.stdout).toBe(CSV);
    expect(sent[0]?.url.search).toBe('?format=csv');
  });

  it('writes --output whole, leaving no temporary file', async () => {
    const { fetch } = fakeFetch(() => new Response(CSV, { status: 200 }));
    const file = path.join(dir, 'history.csv');
    const result = await runCli(['history', '--csv', '--output', file], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`wrote history to ${file}\n`);
    expect(await readFile(file, 'utf8')).toBe(CSV);
    expect(await readdir(dir)).toEqual(['history.csv']);
  });

  it('refuses bad filters locally', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, []));
    for (const args of [['--outcome', 'ok'], ['--since', 'last week'], ['--csv', '--json'], ['--since', '2024-05-02', '--until', '2024-05-01'], ['--limit', '0']]) {
      const result = await runCli(['history', ...args], { fetch });
      expect(result.code, args.join(' ')).toBe(EXIT.usage);
      expect(result.stderr.split('\n')).toHaveLength(2);
    }
    expect(sent).toHaveLength(0);
  });
});

describe('drive commands', () => {
  it('lists drives in tower order with what needs attention', async () => {
    const { fetch } = fakeFetch(() => json(200, [
      makeDrive({ id: 'sim:1', label: 'sim:1', position: 1, state: 'burning', percent: 42.4, speedX: 24, runId: 'run-1', copy: 3, passed: 5, failed: 1, writesCdText: true }),
      makeDrive({ id: 'sim:0', position: 0, state: 'wrong-media', needsAttention: true, message: 'Remove the DVD-R; this run needs CD-R' }),
      makeDrive({ id: 'sim:2', label: 'sim:2', position: 2, state: 'blank', writesCdText: false }),
    ]));
    const result = await runCli(['drives'], { fetch });
    const lines = result.stdout.trimEnd().split('\n');
    expect(result.stderr).toBe('');
    expect(lines[0]).toMatch(/^DRIVE\s+AGENT\s+STATE\s+MEDIA\s+PROGRESS\s+SPEED\s+RUN\/COPY\s+PASS\/FAIL\s+CD-TEXT\s+NOTE$/);
    expect(lines[1]).toMatch(/^Top left \(sim:0\)\s+host-a\s+wrong-media\s+CD-R\s+-\s+-\s+-\s+0\/0\s+-\s+! Remove the DVD-R; this run needs CD-R$/);
    expect(lines[2]).toMatch(/^sim:1\s+host-a\s+burning\s+CD-R\s+42%\s+24×\s+run-1 #3\s+5\/1\s+writes\s+-$/);
    // Declared CD-TEXT writing: `writes`, `no` (a real drive offered no copy with CD-TEXT), `-` (not said).
    expect(lines[3]).toMatch(/^sim:2\s+host-a\s+blank\s+CD-R\s+-\s+-\s+-\s+0\/0\s+no\s+-$/);
    const listed = JSON.parse((await runCli(['drives', '--json'], { fetch })).stdout) as Array<{ id: string; writesCdText?: boolean }>;
    expect(listed.map((d) => [d.id, d.writesCdText])).toEqual([['sim:1', true], ['sim:0', undefined], ['sim:2', false]]);
  });

  it('quarantines with a reason, and requires one', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, makeDrive({ state: 'quarantined', quarantine: { reason: 'noisy', at: 1, by: 'op' } })));
    const ok = await runCli(['quarantine', 'sim:0', '--reason', 'noisy'], { fetch });
    expect(ok.stdout).toBe('quarantined sim:0: noisy\n');
    expect(sent[0]?.url.pathname).toBe('/api/drives/sim%3A0/quarantine');
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ reason: 'noisy' });
    const missing = await runCli(['quarantine', 'sim:0'], { fetch });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toBe("tower: required option '--reason <text>' not specified\n");
    const blank = await runCli(['quarantine', 'sim:0', '--reason', '  '], { fetch });
    expect(blank.stderr).toBe('tower: --reason must be 1 to 500 characters, got 0\n');
    expect(sent).toHaveLength(1);
  });

  it('ejects and releases', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, makeDrive({ state: 'empty' })));
    expect((await runCli(['eject', 'sim:0'], { fetch })).stdout).toBe('ejected sim:0 (now empty)\n');
    expect((await runCli(['release', 'sim:0', '--json'], { fetch })).stdout).toContain('"state": "empty"');
    expect(sent.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /api/drives/sim%3A0/eject', 'POST /api/drives/sim%3A0/release']);
  });

  it('renders per-drive statistics', async () => {
    const { fetch } = fakeFetch(() => json(200, [makeStats()]));
    const lines = (await runCli(['stats'], { fetch })).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DRIVE\s+DISCS\s+PASSED\s+FAILED\s+FAIL%\s+WRITTEN\s+QUARANTINES\s+LAST ERROR$/);
    expect(lines[1]).toMatch(/^sim:0\s+10\s+9\s+1\s+10\.0%\s+7\.34 GB\s+0\s+14\/11\/2023, 22:13:20 write failed at sector 1234 \[WRITE_ERROR\]$/);
  });
});

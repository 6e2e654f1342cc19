/**
 * `tower report` and `tower runs certificate` against a real controller
 * (the API test harness: real Redis, real HTTP), run in-process as tower
 * runs them: the report as a table, JSON and the API's CSV; the
 * certificate saved as a PDF that `pdftotext` reads; bad arguments refused
 * with one line and the usage exit code, before anything is asked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { DEFAULT_SHIFTS } from '../../src/config/reports-config.js';
import { call, OPERATOR, startEnv } from '../api/support.js';
import type { Env } from '../api/support.js';
import { runCli } from './cli-harness.js';

let env: Env;
let runId = '';
const T = Date.parse('2026-04-07T09:00:00Z');
const tower = (argv: string[]) => runCli(argv, { env: { TOWER_TOKEN: OPERATOR, TOWER_URL: env.url } });

beforeAll(async () => {
  // Numbers follow the locale: pin it so the expected lines hold on any host.
  setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' });
  env = await startEnv({ deps: { reports: { timeZone: 'UTC', shifts: DEFAULT_SHIFTS } } });
  const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, label: 'CLI batch' } });
  runId = res.body.id;
  const start = { runId, copy: 1, jobId: `${runId}/1`, agentId: 'agent-a', mediaType: 'DVD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
  await env.runStore.beginAttempt({ ...start, id: 'cli-1', driveId: 'sim:0', driveLabel: 'Left bay', startedAt: T });
  await env.runStore.endAttempt('cli-1', { outcome: 'interrupted', endedAt: T + 1000 });
  await env.runStore.beginAttempt({ ...start, id: 'cli-2', driveId: 'sim:0', driveLabel: 'Left bay', startedAt: T + 2000 });
  await env.runStore.endAttempt('cli-2', { outcome: 'passed', endedAt: T + 3000, verifyResult: 'passed' });
});
afterAll(async () => {
  setUnitDefaults({});
  await env?.stop();
});

describe('tower report', () => {
  it('prints the report as a table, JSON and CSV', async () => {
    const table = await tower(['report', '--by', 'shift', '--from', '2026-04-07', '--to', '2026-04-07']);
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^shift\s+good\s+coasters\s+yield\s+blanks\s+drives \(good\/coasters\)$/);
    expect(lines[1]).toMatch(/^2026-04-07 early \(06:00–14:00\)\s+1\s+1\s+50\.0%\s+DVD-R 2\s+Left bay 1\/1$/);
    expect(lines[2]).toMatch(/^total\s+1\s+1\s+50\.0%\s+DVD-R 2/);
    const json = await tower(['report', '--by', 'drive', '--from', '2026-04-07', '--to', '2026-04-07', '--json']);
    expect(JSON.parse(json.stdout).rows[0]).toMatchObject({ key: 'sim:0', label: 'Left bay', passed: 1, coasters: 1, runLabels: ['CLI batch'] });
    const csv = await tower(['report', '--from', '2026-04-07', '--to', '2026-04-07', '--csv']);
    expect(csv.stdout.split('\r\n')[1]).toBe('day,2026-04-07,2026-04-07,,,1,0,1,0.5,DVD-R 2,CLI batch');
  });

  it('refuses bad arguments with one line and the usage exit code', async () => {
    for (const [argv, message] of [
      [['report', '--by', 'week'], /--by must be one of day, shift, operator, drive, got 'week'/],
      [['report', '--from', '2026-02-30'], /--from must be a day YYYY-MM-DD, got '2026-02-30'/],
      [['report', '--from', '2026-04-08', '--to', '2026-04-07'], /--to is before --from/],
      [['report', '--csv', '--json'], /choose one of --csv and --json/],
    ] as const) {
      const r = await tower([...argv]);
      expect(r.code, argv.join(' ')).toBe(EXIT.usage);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('tower runs certificate', () => {
  it('saves the PDF, and refuses to replace a file without --force', async () => {
    const file = path.join(env.dir, 'cli-cert.pdf');
    const r = await tower(['runs', 'certificate', runId, '-o', file]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(new RegExp(`wrote the certificate of run ${runId} to ${file} \\(\\d+ bytes\\)`));
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain('CLI batch');
    expect(text).toContain('Left bay');
    expect(text).toContain('coaster: interrupted');
    writeFileSync(file, 'keep me');
    const again = await tower(['runs', 'certificate', runId, '-o', file]);
    expect(again.code).toBe(EXIT.usage);
    expect(again.stderr).toMatch(/exists; use --force to replace it/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect((await tower(['runs', 'certificate', runId, '-o', file, '--force'])).code).toBe(EXIT.ok);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('tower run takes the customer and order for the certificate', async () => {
    const r = await tower(['run', env.image.id, '--copies', '1', '--customer', 'Initech', '--order', 'TPS-42', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout)).toMatchObject({ customer: { name: 'Initech', order: 'TPS-42' } });
    const bad = await tower(['run', env.image.id, '--copies', '1', '--customer', ' ']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/--customer must be 1 to 200 characters, got 0/);
  });

  it('says so when the run does not exist, and writes nothing', async () => {
    const file = path.join(env.dir, 'none.pdf');
    const r = await tower(['runs', 'certificate', 'no-such-run', '-o', file]);
    expect(r.code).not.toBe(EXIT.ok);
    expect(r.stderr).toMatch(/no run with id no-such-run/);
    expect(existsSync(file)).toBe(false);
    expect((await tower(['runs', 'certificate', runId])).stderr).toMatch(/--output <file>' not specified/);
  });
});

/**
 * Disc labels end to end: `tower start` with simulated drives (one with a
 * one-shot write fault, so one disc fails) and `printing` on a real, private
 * cupsd with the cups-pdf virtual printer (../labels/cups-server.ts). A
 * label template saved with `tower label save` (a broken one refused in one
 * line), a run of 3 copies with serials and `printLabels`: cups-pdf writes 3
 * label PDFs, whose text (pdftotext) is the run's label, copy 1, 2 and 3 of 3
 * and the disc's serial, and a REJECT PDF for the failed disc. A run whose template was deleted, and then
 * a run while the printer is gone (cupsd stopped), complete all the same:
 * their prints are logged as failed (after the bounded retries for the
 * printer) and alerted.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertsOverviewView } from '../../src/shared/alert-schemas.js';
import type { LabelPrint, LabelTemplateViewType } from '../../src/shared/label-schemas.js';
import { startCups } from '../labels/cups-server.js';
import { Api, FAST, OPERATOR_TOKEN, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const TEMPLATE = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm" viewBox="0 0 120 120">',
  '<circle cx="60" cy="60" r="59" fill="none" stroke="black"/>',
  '<text x="15" y="50" font-size="6">{{runLabel}}</text>',
  '<text x="15" y="62" font-size="6">Copy {{copy}} of {{copies}}</text>',
  '<text x="15" y="74" font-size="4">{{date}} {{serial}}</text>',
  '</svg>',
].join('\n');

/** `tower <args> --url <url> --json` with the operator's token; its exit code and output. */
async function cli(url: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new TowerProcess([...args, '--url', url, '--json'], { TOWER_TOKEN: OPERATOR_TOKEN });
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

async function call(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${route}`, {
    method, headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

describe('disc labels on CUPS (cups-pdf) with simulated drives', () => {
  it('prints copy n of N for each good disc and REJECT for a failed one; a missing template or printer stops no run', { timeout: 180_000 }, async () => {
    const cups = await startCups();
    cleanups.push(() => cups.stop());
    const tmp = tempDir('tower-e2e-labels-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      printing: { server: cups.server, queue: cups.queue, rejectLabels: true, retry: { attempts: 3, backoffMs: 200 }, timeoutMs: 20_000 },
      agent: {
        id: 'e2e-labels', ...FAST.agentTiming,
        simulated: { count: 3, media: 'CD-R', timeScale: 0.01, autoLoader: true, faults: { 0: { writeErrorAt: 30 } } },
      },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const url = await tower.url();
    const api = new Api(url);

    // The template through the CLI: a broken one refused in one line, a good one saved with its fields.
    const broken = path.join(tmp.dir, 'broken.svg');
    writeFileSync(broken, TEMPLATE.replace('</text>', '</txt>'));
    const refused = await cli(url, ['label', 'save', 'disc', broken]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/the SVG does not render: .*tag mismatch.*\[LABEL_TEMPLATE_INVALID\]/);
    writeFileSync(path.join(tmp.dir, 'unknown.svg'), TEMPLATE.replace('{{serial}}', '{{customer}}'));
    expect((await cli(url, ['label', 'save', 'disc', path.join(tmp.dir, 'unknown.svg')])).stderr).toMatch(/unknown merge field \{\{customer\}\}/);
    writeFileSync(path.join(tmp.dir, 'disc.svg'), TEMPLATE);
    const saved = await cli(url, ['label', 'save', 'disc', path.join(tmp.dir, 'disc.svg'), '--description', 'round CD label']);
    expect(saved.code).toBe(0);
    expect((JSON.parse(saved.stdout) as LabelTemplateViewType).fields).toEqual(['runLabel', 'copy', 'copies', 'date', 'serial']);

    // A run's printing is checked when it is made.
    const [image] = await api.images();
    const base = { imageId: image?.id, copies: 3, verify: 'all', label: 'Order 4711 & Sons' };
    expect(await call(url, 'POST', '/api/runs', { ...base, printLabels: true })).toMatchObject({ status: 400, body: { error: { field: 'labelTemplate' } } });
    expect(await call(url, 'POST', '/api/runs', { ...base, printLabels: true, labelTemplate: 'nope' })).toMatchObject({ status: 404, body: { error: { field: 'labelTemplate' } } });

    // A run of 3 with labels and serials: 3 label PDFs, copy 1, 2 and 3 of 3, each with its disc's serial, and one REJECT per failed disc.
    const run = await api.createRun({ ...base, printLabels: true, labelTemplate: 'disc', merge: { serials: { first: 1001, pad: 5, prefix: 'SN-' } } });
    await waitForRun(api, run.id, 'completed', 60_000);
    const failed = (await api.history(run.id)).filter((a) => a.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    const prints = await waitFor(async () => {
      const l = await api.get<LabelPrint[]>(`/api/labels/prints?runId=${run.id}`);
      return l.filter((p) => p.status === 'printed').length === 3 + failed.length ? l : null;
    }, 60_000, 'the labels printed');
    expect(prints.filter((p) => p.kind === 'label').map((p) => p.copy).sort()).toEqual([1, 2, 3]);
    expect(prints.every((p) => p.status === 'printed' && p.queue === cups.queue && p.jobId?.startsWith(`${cups.queue}-`))).toBe(true);
    const texts = [...(await cups.waitForPdfs(3 + failed.length)).values()];
    expect(texts).toHaveLength(3 + failed.length);
    const labels = texts.filter((t) => !t.includes('REJECT'));
    expect(labels).toHaveLength(3);
    for (const n of [1, 2, 3]) expect(labels.filter((t) => t.includes('Order 4711 & Sons') && t.includes(`Copy ${n} of 3`))).toHaveLength(1);
    expect(labels.map((t) => /SN-\d{5}/.exec(t)?.[0]).sort()).toEqual(['SN-01001', 'SN-01002', 'SN-01003']);
    const rejects = texts.filter((t) => t.includes('REJECT'));
    expect(rejects).toHaveLength(failed.length);
    for (const r of rejects) expect(r).toContain('Order 4711 & Sons');
    expect(rejects.some((r) => r.includes('sim:0'))).toBe(true);
    for (const r of rejects) expect(r).toMatch(/SN-0100[123]/);

    // The CLI lists the run's prints.
    const listed = await cli(url, ['label', 'prints', '--run', run.id]);
    expect((JSON.parse(listed.stdout) as LabelPrint[]).filter((p) => p.status === 'printed')).toHaveLength(3 + failed.length);

    // A template deleted under a run: the run completes, each label is logged failed once (no retry can mend it) and alerted.
    await cli(url, ['label', 'save', 'gone', path.join(tmp.dir, 'disc.svg')]);
    const orphan = await api.createRun({ ...base, copies: 2, printLabels: true, labelTemplate: 'gone' });
    expect((await call(url, 'DELETE', '/api/labels/templates/gone')).status).toBe(204);
    await waitForRun(api, orphan.id, 'completed', 60_000);
    const orphanPrints = await waitFor(async () => {
      const l = await api.get<LabelPrint[]>(`/api/labels/prints?runId=${orphan.id}`);
      return l.filter((p) => p.kind === 'label').length >= 2 ? l : null;
    }, 30_000, 'the orphan run\'s prints');
    expect(orphanPrints.filter((p) => p.kind === 'label').map((p) => [p.attempt, p.status])).toEqual([[1, 'failed'], [1, 'failed']]);
    expect(orphanPrints[0]?.error).toMatch(/label template gone no longer exists/);

    // The printer gone: the run completes; each label is tried 3 times, then given up and alerted.
    const before = cups.printed().length;
    await cups.stop();
    const offline = await api.createRun({ ...base, copies: 2, printLabels: true, labelTemplate: 'disc' });
    await waitForRun(api, offline.id, 'completed', 60_000);
    const offlinePrints = await waitFor(async () => {
      const l = await api.get<LabelPrint[]>(`/api/labels/prints?runId=${offline.id}`);
      return l.filter((p) => p.kind === 'label' && p.status === 'failed').length === 2 ? l : null;
    }, 30_000, 'the offline prints given up');
    const ofLabels = offlinePrints.filter((p) => p.kind === 'label');
    expect(ofLabels.map((p) => p.status).sort()).toEqual(['failed', 'failed', 'retrying', 'retrying', 'retrying', 'retrying']);
    expect(ofLabels.every((p) => /lp failed/.test(p.error ?? ''))).toBe(true);
    expect(before).toBe(3 + failed.length);
    const alerts = await waitFor(async () => {
      const o = await api.get<AlertsOverviewView>('/api/alerts');
      return o.recent.some((a) => a.key === `label-print-failed:${offline.id}`) ? o : null;
    }, 10_000, 'the label-print-failed alert');
    expect(alerts.recent.filter((a) => a.key === `label-print-failed:${orphan.id}`).length).toBeGreaterThanOrEqual(1);
    expect(tower.stdout + tower.stderr).toMatch(new RegExp(`labels: the label of copy \\d of 2 of run ${offline.id} not printed \\(try 3 of 3\\): lp failed`));
  });
});

/**
 * A PTBurn-style job of files end to end: `tower start` (the built CLI,
 * embedded Redis) with simulated drives, a hot folder, and `printing` on a
 * real, private cupsd with the cups-pdf virtual printer. A `.jrq` of
 * `Data=` (a folder inside the import root), `VolumeName`, `PrintLabel` and
 * two `MergeField` lines: the hot folder builds the image into the library
 * (a `building` status while it does, covered by the hot-folder tests), the run burns and verifies its
 * copies on the simulated drives, the status file ends final and completed,
 * and each good disc's label PDF (pdftotext) carries the merge values in
 * `{{merge.1}}` and `{{merge.2}}`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/hot-folder/job-status.js';
import type { LabelPrint } from '../../src/shared/label-schemas.js';
import { startCups } from '../labels/cups-server.js';
import { Api, countedSlots, FAST, OPERATOR_TOKEN, tempDir, TowerProcess, waitFor, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const TEMPLATE = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm" viewBox="0 0 120 120">',
  '<text x="15" y="50" font-size="6">{{merge.1}}</text>',
  '<text x="15" y="62" font-size="6">Order {{merge.2}} copy {{copy}} of {{copies}}</text>',
  '</svg>',
].join('\n');

describe('a JRQ job of Data= and MergeField lines', () => {
  it('builds the image from the folder, burns the run on simulated drives and prints the merge values on each label', { timeout: 180_000 }, async () => {
    const cups = await startCups();
    cleanups.push(() => cups.stop());
    const tmp = tempDir('tower-e2e-jrq-');
    cleanups.push(tmp.cleanup);
    const importRoot = path.join(tmp.dir, 'import');
    const files = path.join(importRoot, 'order-17');
    mkdirSync(path.join(files, 'docs'), { recursive: true });
    writeFileSync(path.join(files, 'README.TXT'), 'Order 17\n');
    writeFileSync(path.join(files, 'docs', 'manual.txt'), 'm'.repeat(300_000));
    const hot = path.join(tmp.dir, 'hot');
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      library: { importRoots: ['import'] },
      hotFolders: [{ dir: 'hot', settleMs: 500, pollMs: 100 }],
      printing: { server: cups.server, queue: cups.queue, retry: { attempts: 3, backoffMs: 200 }, timeoutMs: 20_000 },
      agent: { id: 'e2e-jrq', ...FAST.agentTiming, simulated: { count: 2, media: 'CD-R', timeScale: 0.02, autoLoader: true } },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const saved = await fetch(`${api.url}/api/labels/templates/order`, {
      method: 'PUT', headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ svg: TEMPLATE }),
    });
    expect(saved.status).toBe(201);
    expect(((await saved.json()) as { fields: string[] }).fields).toEqual(['merge.1', 'merge.2', 'copy', 'copies']);

    const job = ['JobID=order-17', `Data=${files}`, 'VolumeName=Order 17', 'Copies=3', 'VerifyDisc=YES', 'PrintLabel=order', 'MergeField=Ada Lovelace & Co', 'MergeField=17'].join('\r\n');
    writeFileSync(path.join(hot, 'order-17.jrq'), `${job}\r\n`);
    const statusFile = path.join(hot, 'order-17.jrq.status');
    const final = await waitFor(() => {
      if (!existsSync(statusFile)) return null;
      const s = JSON.parse(readFileSync(statusFile, 'utf8')) as JobStatus;
      return s.final ? s : null;
    }, 120_000, 'the final status');
    expect(final).toMatchObject({ job: 'order-17.jrq', state: 'completed', copies: 3, passed: 3, remaining: 0, surplus: 0 });
    const run = await api.get<{ id: string; imageId: string; label: string | null; createdBy: string }>(`/api/runs/${final.runId}`);
    expect(run).toMatchObject({ label: 'order-17', createdBy: 'hot-folder' });
    const image = await api.get<{ id: string; name: string; format: string; volumeLabel: string | null }>(`/api/images/${run.imageId}`);
    expect(image).toMatchObject({ name: 'Order 17', format: 'iso', volumeLabel: 'ORDER_17' });
    expect(final.notes).toEqual([`built image ${image.id} 'Order 17' from ${files}`]);
    expect(countedSlots(await api.history(run.id))).toEqual([1, 2, 3]);

    const prints = await waitFor(async () => {
      const l = await api.get<LabelPrint[]>(`/api/labels/prints?runId=${run.id}`);
      return l.filter((p) => p.status === 'printed').length === 3 ? l : null;
    }, 60_000, 'the labels printed');
    expect(prints.map((p) => p.copy).sort()).toEqual([1, 2, 3]);
    const texts = [...(await cups.waitForPdfs(3)).values()];
    expect(texts).toHaveLength(3);
    for (const n of [1, 2, 3]) expect(texts.filter((t) => t.includes('Ada Lovelace & Co') && t.includes(`Order 17 copy ${n} of 3`))).toHaveLength(1);
  });
});

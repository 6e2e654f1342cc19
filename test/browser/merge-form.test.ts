/**
 * Per-disc data in the new-run form (issue 15), in Debian's Chromium against
 * a real `tower start` with simulated drives: a CSV uploaded in the form is
 * read in the browser (its rows become the copies; a bad one is named at
 * once with its row and line), the run made from it says what its discs
 * carry and completes with one counted disc per row, each named
 * `row k · <name>` in the history; a first serial makes a run of serials.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttemptView, RunView } from '../../apps/controller/src/shared/api-types.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('the new-run form takes serials or a CSV of rows', () => {
  const t = useSimTower({ drives: 2, timeScale: 0.005 }, async (tower) => {
    const root = path.join(tower.dir, 'import');
    await mkdir(path.join(root, 'letters'), { recursive: true });
    for (const n of [1, 2, 3]) await writeFile(path.join(root, 'letters', `${n}.pdf`), `letter ${n}\n`);
    const config = JSON.parse(await readFile(tower.configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(tower.configFile, JSON.stringify({ ...config, library: { importRoots: [root] } }, null, 2));
  });

  const api = async <T>(route: string): Promise<T> =>
    (await (await fetch(`${t.tower.url}${route}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json()) as T;

  it('uploads a CSV: its rows are the copies, and each disc carries its row', { timeout: 120_000 }, async () => {
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Per-disc data').selectOption('csv');
      // A bad CSV is named at once, with its row and line.
      await form.getByLabel('Merge CSV').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('name,file:/LETTER.PDF\nAda,letters/1.pdf\nAlan\n') });
      await expect.poll(async () => form.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/bad\.csv: row 2 \(line 3\) has 1 cells/);

      const csv = 'name,file:/LETTER.PDF,text:/NAME.TXT\r\nAda Lovelace,letters/1.pdf,Ada\r\nAlan Turing,letters/2.pdf,Alan\r\nGrace Hopper,letters/3.pdf,Grace\r\n';
      await form.getByLabel('Merge CSV').setInputFiles({ name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await expect.poll(async () => form.getByText('rows.csv: 3 rows, one per disc').count(), { timeout: 10_000 }).toBe(1);
      expect(await form.getByLabel('Good copies').inputValue()).toBe('3');
      await form.getByLabel('Label', { exact: true }).fill('Letters run');
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Letters run” created: 3 copies' }).waitFor();
      // The form starts again without per-disc data.
      expect(await form.getByLabel('Per-disc data').inputValue()).toBe('none');

      const card = page.locator('article.run-card', { hasText: 'Letters run' });
      expect(await card.getByTestId('run-merge').textContent()).toBe('Per disc: 3 CSV rows (name, file:/LETTER.PDF, text:/NAME.TXT)');
      const run = (await api<RunView[]>('/api/runs')).find((r) => r.label === 'Letters run');
      if (run === undefined) throw new Error('no run');
      await expect.poll(async () => (await api<RunView>(`/api/runs/${run.id}`)).status, { timeout: 90_000 }).toBe('completed');
      const counted = (await api<AttemptView[]>(`/api/history?runId=${run.id}`)).filter((a) => a.counted);
      expect(counted.map((a) => `${a.copy}:${a.merge?.label}`).sort()).toEqual(['1:row 1 · Ada Lovelace', '2:row 2 · Alan Turing', '3:row 3 · Grace Hopper']);
    } finally {
      await context.close();
    }
  });

  it('makes a run of serials from a first serial', { timeout: 60_000 }, async () => {
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Good copies').fill('2');
      await form.getByLabel('Per-disc data').selectOption('serials');
      await form.getByLabel('First serial').fill('SN-01001');
      await form.getByLabel('Label', { exact: true }).fill('Serials run');
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Serials run” created: 2 copies' }).waitFor();
      const card = page.locator('article.run-card', { hasText: 'Serials run' });
      expect(await card.getByTestId('run-merge').textContent()).toBe('Per disc: serials SN-01001 to SN-01002 in /SERIAL.TXT');
    } finally {
      await context.close();
    }
  });
});

/**
 * Reports and certificates in the operator UI (issue 16), in Debian's
 * Chromium against a real `tower start`: a run made with a label and a
 * customer in the new-run form finishes on simulated drives; its card
 * offers the certificate, which downloads as a PDF that `pdftotext` reads
 * (label, customer, order, who started it); the Reports page draws the day's
 * good discs as an SVG bar and lists them by day and by drive.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../apps/controller/src/shared/api-types.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('reports and certificates', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.5 });

  it('downloads a finished run\'s certificate and shows the production report', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/runs/');
    const runs = async (): Promise<RunView[]> => (await (await page.request.get(`${sim.origin.url}/api/runs`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json()) as RunView[];
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Good copies').fill('3');
      await form.locator('#run-label').fill('Report batch 7');
      await form.locator('#run-customer').fill('ACME Records');
      await form.getByLabel('Order number').fill('PO-9');
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Report batch 7” created' }).waitFor();
      const [run] = await runs();
      expect(run).toMatchObject({ label: 'Report batch 7', customer: { name: 'ACME Records', order: 'PO-9' }, createdBy: 'ui-test operator' });

      const card = page.locator(`article.run-card[data-run-id="${run?.id ?? ''}"]`);
      await card.getByTestId('run-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 60_000 });
      expect(await card.textContent()).toContain('for ACME Records, order PO-9');
      const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: 'certificate (PDF)' }).click()]);
      expect(download.suggestedFilename()).toBe(`run-${run?.id ?? ''}-certificate.pdf`);
      const file = path.join(sim.tower.dir, 'downloaded.pdf');
      await download.saveAs(file);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      for (const expected of ['Run certificate', 'Report batch 7', 'ACME Records', 'PO-9', 'ui-test operator', '3 of 3 good discs']) expect(text, expected).toContain(expected);

      await page.getByRole('link', { name: 'Reports' }).first().click();
      await page.getByRole('heading', { name: 'Production report' }).waitFor();
      const table = page.getByTestId('report-table');
      const good = async (): Promise<number> => {
        const cells = await table.locator('tbody tr td:nth-child(2)').allTextContents();
        return cells.reduce((n, c) => n + Number.parseInt(c, 10), 0);
      };
      await expect.poll(good, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      expect(await table.locator('tbody tr').first().textContent()).toContain('Report batch 7');
      const bars = page.getByTestId('report-chart').locator('rect[data-part="good"]');
      expect(await bars.count()).toBe(await table.locator('tbody tr').count());
      expect(Number(await bars.first().getAttribute('height'))).toBeGreaterThan(0);
      expect(await page.getByTestId('report-totals').textContent()).toMatch(/good discs, \d+ coasters/);

      await page.locator('#report-by').selectOption('drive');
      await expect.poll(async () => (await table.locator('thead th').first().textContent()) ?? '', { timeout: 10_000 }).toBe('Drive');
      expect(await good()).toBeGreaterThanOrEqual(3);
    } finally {
      await context.close();
    }
  }, 120_000);
});

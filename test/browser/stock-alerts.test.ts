/**
 * The blank stock on the tower page and the Alerts page, in Chromium
 * against `tower start` (issue 16): an operator records blanks received,
 * corrects the count with a reason and sets a low-stock level through the
 * form, and the table follows (LOW once on hand is at the level); the
 * Alerts page lists what needs a person now (the low stock, a quarantined
 * drive) and the latest alerts, and a viewer sees the table without the form.
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower, VIEWER_TOKEN } from './harness.js';

describe('blank stock and alerts in the UI', () => {
  const t = useSimTower({ drives: 1 });

  it('records, corrects and marks the stock low; the Alerts page lists the conditions', { timeout: 90_000 }, async () => {
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/');
    try {
      const panel = page.locator('section[aria-labelledby="stock-heading"]');
      await panel.waitFor();
      const save = async (action: string, amount: string, reason?: string): Promise<void> => {
        await panel.locator('#stock-action').selectOption(action);
        await panel.locator('#stock-type').selectOption('DVD-R');
        await panel.locator('#stock-amount').fill(amount);
        if (reason !== undefined) await panel.locator('#stock-reason').fill(reason);
        await panel.getByRole('button', { name: 'Save' }).click();
      };
      await save('received', '120');
      await expect.poll(async () => panel.getByRole('status').textContent(), { timeout: 10_000 }).toBe('DVD-R: 120 on hand.');
      await save('adjust', '-20', 'stock-take in the store');
      await expect.poll(async () => panel.getByRole('status').textContent(), { timeout: 10_000 }).toBe('DVD-R: 100 on hand.');
      await save('threshold', '150');
      await expect.poll(async () => panel.getByRole('status').textContent(), { timeout: 10_000 }).toBe('DVD-R: 100 on hand, low at 150.');
      const row = panel.getByTestId('stock-table').locator('tbody tr', { hasText: 'DVD-R' });
      await expect.poll(async () => (await row.locator('td').allTextContents()).join('|'), { timeout: 10_000 }).toBe('DVD-R|100 Low|120|0|0|-20|150');

      await fetch(`${t.tower.url}/api/drives/sim:0/quarantine`, {
        method: 'POST', headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'browser test' }),
      });
      await page.getByRole('link', { name: 'Alerts' }).first().click();
      const active = page.getByTestId('alerts-active');
      await expect.poll(async () => active.textContent(), { timeout: 15_000 }).toMatch(/drive-quarantined.*is quarantined: browser test/);
      expect(await active.textContent()).toMatch(/stock-low.*DVD-R blank stock is low: 100 on hand \(alert at 150\)/);
      expect(await page.getByTestId('alerts-recent').textContent()).toMatch(/Raised/);
    } finally {
      await context.close();
    }

    const viewer = await signedInPage(t.browser, t.origin.url, VIEWER_TOKEN, '/');
    try {
      const panel = viewer.page.locator('section[aria-labelledby="stock-heading"]');
      await panel.getByTestId('stock-table').waitFor();
      expect(await panel.locator('form').count()).toBe(0);
    } finally {
      await viewer.context.close();
    }
  });
});

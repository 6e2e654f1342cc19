/**
 * Collated sets in the UI (issue 15), in Debian's Chromium against a real
 * `tower start` with simulated loader drives: the new-run form makes a set
 * run (Add a disc to the set: the count becomes complete sets), its card
 * counts sets done and names no failed disc, and the history names each
 * attempt's set and disc.
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('set runs in the UI', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.01 });

  it('makes a run of 2 sets of 3 discs from the form and shows its sets done and each disc\'s place', { timeout: 90_000 }, async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByRole('button', { name: 'Add a disc to the set' }).click();
      await form.getByRole('button', { name: 'Add a disc to the set' }).click();
      expect(await form.getByLabel('Disc 3', { exact: true }).count()).toBe(1);
      await form.getByLabel('Complete sets').fill('2');
      await form.getByLabel('Label', { exact: true }).fill('Set run');
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Set run” created' }).waitFor();
      // Blank again: one image per copy.
      expect(await form.getByLabel('Good copies').count()).toBe(1);

      const card = page.locator('article.run-card', { hasText: 'Set run' });
      await card.getByTestId('run-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 60_000 });
      await card.getByTestId('run-sets').filter({ hasText: /^2\s*\/ 2$/ }).waitFor();
      expect(await card.getByTestId('run-passed').textContent()).toMatch(/^6\s*\/ 6$/);
      expect(await card.getByTestId('run-set-failures').textContent()).toBe('Sets of 3 discs · no disc failed');

      await page.goto(`${sim.origin.url}/history/`);
      await page.getByText('set 2 · disc 3/3').first().waitFor();
      expect(await page.getByText(/set [12] · disc [123]\/3/).count()).toBe(6);
    } finally {
      await context.close();
    }
  });
});

/**
 * Small screen defects (issue 13 point 16), in Debian's Chromium against a
 * real `tower start`: no page asks for anything that is not there (the
 * favicon was a 404 on every page); the new-run form is blank again after
 * Create; the run card shows the speed the run asked for; a cancelled run no
 * longer shows copies "to do".
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('run form, run card and favicon', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.5 });

  it('asks for nothing that is missing on any page: the favicon is there', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/');
    const missed: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400) missed.push(`${res.status()} ${res.url()}`);
    });
    try {
      for (const path of ['/', '/runs/', '/history/', '/images/', '/mastering/', '/shopfloor/']) {
        await page.goto(`${sim.origin.url}${path}`);
        await page.waitForLoadState('networkidle').catch(() => undefined);
      }
      const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
      expect(icon).toBeTruthy();
      const res = await page.request.get(new URL(icon ?? '', sim.origin.url).href);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toMatch(/image\//);
      expect(missed).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('empties the form after Create, shows the run’s speed, and a cancelled run has nothing to do', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Good copies').fill('30');
      await form.getByLabel('Speed (×)').fill('8');
      await form.getByLabel('Label', { exact: true }).fill('Speed 8 run');
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Speed 8 run” created' }).waitFor();

      // The form is blank again: a second click does not make the same run twice.
      expect(await form.getByLabel('Good copies').inputValue()).toBe('10');
      expect(await form.getByLabel('Speed (×)').inputValue()).toBe('');
      expect(await form.getByLabel('Label', { exact: true }).inputValue()).toBe('');

      const card = page.locator('article.run-card', { hasText: 'Speed 8 run' });
      expect(await card.getByTestId('run-speed').textContent()).toBe('speed 8×');

      await card.getByRole('button', { name: 'Cancel run…' }).click();
      await card.getByRole('button', { name: 'Stop them now' }).click();
      await card.getByTestId('run-status').filter({ hasText: 'Cancelled' }).waitFor({ timeout: 30_000 });
      const remaining = Number(await card.getByTestId('run-remaining').textContent());
      expect(remaining).toBeGreaterThan(0);
      const counts = await card.locator('.run-counts').textContent();
      expect(counts).not.toMatch(/to do/i);
      expect(counts).toMatch(new RegExp(`Not made\\s*${remaining}`));
    } finally {
      await context.close();
    }
  }, 90_000);
});

/**
 * Mastering on the simulated tower in the UI (issue 13 point 14): the
 * mastering form offers only drives that can be mastered from now, and
 * shows the others disabled with the reason (a blank disc, quarantined);
 * a simulated drive's page has "Insert disc", which puts a pressed disc of
 * the sample image in, after which the form offers that drive and a master
 * read of it ends done with the sample image's SHA-256.
 */
import { describe, expect, it } from 'vitest';
import type { ImageView, MasterView } from '../../apps/controller/src/shared/api-types.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('the mastering form and "Insert disc"', () => {
  const t = useSimTower({ drives: 2 });

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${t.tower.url}${route}`, {
      method, headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };

  it('lists only drives that can master, the others disabled with the reason; Insert disc makes one ready', { timeout: 90_000 }, async () => {
    const [sample] = await api<ImageView[]>('GET', '/api/images');
    if (sample === undefined) throw new Error('no sample image');
    await api('POST', '/api/drives/sim:1/quarantine', { reason: 'browser test' });
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/mastering/');
    try {
      const select = page.locator('#m-drive');
      const option = (id: string) => select.locator(`option[value="${id}"]`);
      // Both drives hold blanks from their loaders: neither can be mastered from.
      await expect.poll(async () => option('sim:0').textContent(), { timeout: 15_000 }).toMatch(/cannot master: its disc is blank/);
      await expect.poll(async () => option('sim:1').textContent(), { timeout: 15_000 }).toMatch(/cannot master: it is quarantined/);
      expect(await option('sim:0').isDisabled()).toBe(true);
      expect(await option('sim:1').isDisabled()).toBe(true);
      expect(await select.locator('option:not([disabled])').count()).toBe(1); // the placeholder only

      // Insert a pressed disc of the sample image on the drive's page.
      await page.goto(`${t.origin.url}/drive/?id=${encodeURIComponent('sim:0')}`);
      const insert = page.locator('section[aria-labelledby="insert-disc"]');
      await insert.locator('#insert-choice').selectOption(`image:${sample.id}`);
      await insert.getByRole('button', { name: 'Insert disc' }).click();
      await expect.poll(async () => insert.getByRole('status').textContent(), { timeout: 15_000 }).toMatch(/Pressed disc of .* put in: ready to master/);

      // The form now offers sim:0 (and still not the quarantined sim:1), and a read of it masters the image.
      await page.getByRole('link', { name: 'Mastering' }).first().click();
      await expect.poll(async () => option('sim:0').isDisabled(), { timeout: 15_000 }).toBe(false);
      expect(await option('sim:0').textContent()).toMatch(/CD-ROM ready to master/);
      expect(await option('sim:1').isDisabled()).toBe(true);
      await select.selectOption('sim:0');
      await page.locator('#m-name').fill('Pressed sample');
      await page.getByRole('button', { name: 'Start reading' }).click();
      const card = page.locator('article[aria-label="Master Pressed sample"]');
      await expect.poll(async () => card.locator('.run-status').textContent(), { timeout: 30_000 }).toBe('done');
      const masters = await api<MasterView[]>('GET', '/api/masters');
      const image = await api<ImageView>('GET', `/api/images/${masters[0]?.imageId ?? ''}`);
      expect(image.sha256).toBe(sample.sha256);
    } finally {
      await context.close();
    }
  });
});

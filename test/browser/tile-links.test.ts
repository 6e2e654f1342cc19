/**
 * The tiles (and the other lists of drives) link to the drive page without prefetching it, in Debian's
 * Chromium against a real `tower start`: every tile links to the same static
 * page, and a prefetching link watches the viewport for its own tile (256
 * observers on a big tower, run in every frame of a burst of state changes)
 * to fetch what one click fetches anyway. The tower's tiles are plain links
 * whose grid follows a plain click in the app (TowerGrid.tsx); a click with
 * a modifier stays the browser's.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

/** The page's requests for anything of the drive page, as they are made. */
function drivePageFetches(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/drive')) urls.push(req.url());
  });
  return urls;
}

/** Next prefetches the links in the viewport when the page is idle: give it time to. */
const IDLE_A_WHILE = 'new Promise((resolve) => requestIdleCallback(() => setTimeout(resolve, 1500)))';

describe('drive tile links', () => {
  const sim = useSimTower({ drives: 8 });

  it('fetch nothing of the drive page until one is clicked, then open it', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/');
    try {
      const fetches = drivePageFetches(page);
      await page.locator('[data-drive-id]').nth(7).waitFor({ timeout: 30_000 });
      await page.evaluate(IDLE_A_WHILE);
      expect(fetches).toEqual([]);
      const tile = page.locator('[data-drive-id="sim:3"]');
      const label = ((await tile.locator('.tile-label').textContent()) ?? '').trim();
      expect(label).not.toBe('');
      // A click with a modifier is the browser's (a new tab here), not the app's.
      const opened = context.waitForEvent('page');
      await tile.click({ modifiers: ['Control'] });
      const tab = await opened;
      expect(tab.url()).toMatch(/\/drive\/\?id=sim%3A3$/);
      await tab.close();
      expect(page.url()).not.toContain('/drive/');
      // A plain click navigates in the app: the page is not loaded again (what it holds in memory stays).
      await page.evaluate('window.__stillHere = true');
      await tile.click();
      await page.waitForURL(/\/drive\/\?id=sim%3A3$/);
      await expect.poll(async () => page.locator('h1').first().textContent(), { timeout: 15_000 }).toContain(label);
      expect(await page.evaluate('window.__stillHere === true')).toBe(true);
      expect(fetches.length).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('on the agents page, list every drive without fetching the drive page', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/agents/');
    try {
      const fetches = drivePageFetches(page);
      await expect.poll(async () => page.locator('a[href^="/drive/?id="]').count(), { timeout: 30_000 }).toBe(8);
      await page.evaluate(IDLE_A_WHILE);
      expect(fetches).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});

/**
 * Saves screenshots of the tower view, the shop-floor view (8 and 64 drives,
 * live and stale; 8 also on a phone, a laptop and a 4K wall), the runs page,
 * a drive page and the phone's tower and history to screenshots/.
 * Run: npx vitest run --config test/browser/vitest.screenshots.config.ts
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../support/repo-paths.js';
import { OPERATOR_TOKEN, TowerProcess, VIEWER_TOKEN, launchBrowser, missingPrerequisite, signedInPage, uiOrigin } from './harness.js';

const OUT = path.join(REPO_ROOT, 'screenshots');
const missing = missingPrerequisite();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

async function startRun(tower: TowerProcess, copies: number, label: string, drives?: string[]): Promise<void> {
  const image = (await tower.api<{ id: string }[]>('/images'))[0];
  if (!image) throw new Error('no sample image in the library');
  await tower.api('/runs', { method: 'POST', body: { imageId: image.id, copies, label, ...(drives ? { drives } : {}) } });
}

describe.skipIf(missing !== null)('screenshots', () => {
  const cleanup: (() => Promise<void>)[] = [];
  let browser: Browser;
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  }, 60_000);

  it('eight drives: tower, shop floor, runs, drive page, stale', async () => {
    await mkdir(OUT, { recursive: true });
    const tower = await TowerProcess.create({
      drives: 8,
      timeScale: 0.6,
      quarantineAfter: 2,
      faults: {
        4: { writeErrorAt: 30, sticky: true, timeScale: 0.05 },
        5: { autoload: false, timeScale: 0.05 },
        6: { writeErrorAt: 50, sticky: true, timeScale: 0.05 },
        7: { wrongMedia: 'DVD-R' },
      },
    });
    cleanup.push(() => tower.dispose());
    await tower.start();
    const origin = await uiOrigin(tower);
    cleanup.push(origin.close);
    browser = await launchBrowser();
    cleanup.push(() => browser.close());

    await startRun(tower, 40, 'Product X v2.1 installer');
    await startRun(tower, 5, 'Manual — print run', ['sim:0', 'sim:1']);
    await tower.api('/drives/sim:3/quarantine', { method: 'POST', body: { reason: 'Skips at 60 %: clean the lens' } }).catch(() => undefined);
    const op = await signedInPage(browser, origin.url, OPERATOR_TOKEN, '/', { width: 1600, height: 1000 });
    await op.page.locator('[data-drive-id]').nth(7).waitFor();
    await op.page.locator('[data-state="burning"]').first().waitFor({ timeout: 30_000 });
    await sleep(9000);
    await shot(op.page, 'tower-operator-1600');
    await op.page.setViewportSize({ width: 1366, height: 768 });
    await sleep(500);
    await shot(op.page, 'tower-laptop-1366');
    await op.page.setViewportSize({ width: 1600, height: 1000 });
    await op.page.getByRole('link', { name: 'Runs', exact: true }).click();
    await op.page.locator('article.run-card').first().waitFor();
    await sleep(500);
    await shot(op.page, 'runs-operator');
    await op.page.goto(`${origin.url}/drive/?id=${encodeURIComponent('sim:4')}`);
    await op.page.getByRole('heading', { level: 1 }).waitFor();
    await sleep(1500);
    await shot(op.page, 'drive-detail');
    await op.page.goto(`${origin.url}/history/`);
    await sleep(2000);
    await shot(op.page, 'history');
    await op.page.goto(`${origin.url}/images/`);
    await op.page.locator('table a').first().click();
    await sleep(1000);
    await shot(op.page, 'images');
    await op.context.close();

    const wall = await signedInPage(browser, origin.url, VIEWER_TOKEN, '/shopfloor/', { width: 1920, height: 1080 });
    await wall.page.locator('[data-drive-id]').nth(7).waitFor();
    await sleep(3000);
    await shot(wall.page, 'shopfloor-8-1920');
    // Phone, laptop and 4K wall (the layout test, layout.test.ts, checks nothing is cut at these widths).
    for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 768 }, { width: 3840, height: 2160 }]) {
      await wall.page.setViewportSize(viewport);
      await sleep(1000);
      await wall.page.screenshot({ path: path.join(OUT, `shopfloor-8-${viewport.width}.png`), fullPage: viewport.width < 760 });
    }
    await wall.page.setViewportSize({ width: 1920, height: 1080 });
    const phone = await signedInPage(browser, origin.url, OPERATOR_TOKEN, '/', { width: 390, height: 844 });
    await phone.page.locator('[data-drive-id]').nth(7).waitFor();
    await sleep(1500);
    await phone.page.screenshot({ path: path.join(OUT, 'tower-phone-390.png'), fullPage: true });
    await phone.page.goto(`${origin.url}/history/`);
    await sleep(2000);
    await phone.page.screenshot({ path: path.join(OUT, 'history-phone-390.png'), fullPage: true });
    await phone.context.close();
    const reduced = await browser.newContext({ viewport: { width: 1920, height: 1080 }, reducedMotion: 'reduce' });
    const rp = await reduced.newPage();
    await rp.goto(`${origin.url}/shopfloor/?token=${VIEWER_TOKEN}`);
    await rp.locator('[data-drive-id]').nth(7).waitFor();
    await sleep(2000);
    await shot(rp, 'shopfloor-8-reduced-motion');
    await reduced.close();
    await tower.stop();
    await wall.page.getByTestId('stale-banner').waitFor({ timeout: 20_000 });
    await sleep(3000);
    await shot(wall.page, 'shopfloor-8-stale');
    await wall.context.close();
  });

  it('sixty-four drives on the wall screen', async () => {
    const tower = await TowerProcess.create({
      drives: 64,
      timeScale: 0.5,
      faults: { 9: { writeErrorAt: 30, sticky: true, timeScale: 0.05 }, 20: { autoload: false, timeScale: 0.05 }, 41: { wrongMedia: 'DVD-R' } },
    });
    cleanup.push(() => tower.dispose());
    await tower.start(120_000);
    const origin = await uiOrigin(tower);
    cleanup.push(origin.close);
    browser ??= await launchBrowser();
    await startRun(tower, 500, 'Catalogue 2026 (64-drive run)');
    const wall = await signedInPage(browser, origin.url, VIEWER_TOKEN, '/shopfloor/', { width: 1920, height: 1080 });
    await wall.page.locator('[data-drive-id]').nth(63).waitFor({ timeout: 60_000 });
    await sleep(10_000);
    await shot(wall.page, 'shopfloor-64-1920');
    const op = await signedInPage(browser, origin.url, OPERATOR_TOKEN, '/', { width: 1600, height: 1000 });
    await op.page.locator('[data-drive-id]').nth(63).waitFor({ timeout: 60_000 });
    await sleep(2000);
    await shot(op.page, 'tower-64-operator');
    await op.context.close();
    await wall.context.close();
  });
});

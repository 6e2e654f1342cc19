/**
 * Phone, laptop and wall layouts (issue 13 point 12): at 390, 1366, 1600,
 * 1920 and 3840 px no page scrolls sideways, and no state word, name or count
 * is cut (its text measured against its own box, every clipping ancestor and
 * the viewport). The tower holds the long words: NEEDS BLANK DISC, WAITING
 * FOR DISC, WRONG MEDIA, QUARANTINED with a reason ending in its error code,
 * a drive named "Loader B (2 blanks)", a run of 300 copies. A drive with a
 * long name sits last, off a phone's screen until the page is scrolled to it.
 * LAYOUT_SHOTS=<dir> also saves a screenshot of every page and width there.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { OPERATOR_TOKEN, useSimTower, VIEWER_TOKEN } from './harness.js';
import { layoutProblems } from './layout-check.js';

const SHOTS = process.env.LAYOUT_SHOTS ?? '';

const SLOW = 'media=CD-R&autoload=1&timeScale=0.3&progressMs=200';
/** The tower: every long state word at once. */
const DRIVES = [
  { device: `sim:0?${SLOW}`, label: 'Loader B (2 blanks)' },
  { device: `sim:1?${SLOW}&writeErrorAt=30&sticky=1`, label: 'Top left' },
  { device: 'sim:2?media=none', label: 'Bottom right' },
  { device: 'sim:3?media=none&autoload=1&loadDelayMs=100000000', label: 'Loader A' },
  { device: `sim:4?${SLOW}&wrongMedia=DVD-R`, label: 'Sim 4' },
  { device: `sim:5?${SLOW}`, label: 'Sim 5' },
  { device: `sim:6?${SLOW}`, label: 'Sim 6' },
  // Last: off screen on a phone, so its name is fitted when it is scrolled to (lib/fit-text.ts).
  { device: `sim:7?${SLOW}`, label: 'Shelf 3 loader (50 blanks)' },
];

const WIDTHS = [
  { width: 390, height: 844 },
  { width: 1366, height: 768 },
  { width: 1600, height: 900 },
  { width: 1920, height: 1080 },
  { width: 3840, height: 2160 },
] as const;

describe('layouts from a phone to a 4K wall', () => {
  const sim = useSimTower({ drives: 1, quarantineAfter: 2 }, async (tower) => {
    const config = JSON.parse(await readFile(tower.configFile, 'utf8')) as { agent: Record<string, unknown> };
    delete config.agent.simulated;
    config.agent.drives = DRIVES;
    await writeFile(tower.configFile, JSON.stringify(config, null, 2));
  });
  let imageId = '';

  beforeAll(async () => {
    const image = (await sim.tower.api<{ id: string }[]>('/images'))[0];
    if (!image) throw new Error('no sample image');
    imageId = image.id;
    await sim.tower.api('/runs', { method: 'POST', body: { imageId, copies: 300, label: 'Product X v2.1 installer' } });
    await sim.tower.api('/runs', { method: 'POST', body: { imageId, copies: 5, label: 'Manual — print run', drives: ['sim:2', 'sim:3'] } });
    // Wait for the long words: a quarantine with its error code, a drive needing a blank, one waiting for its loader, one burning.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const drives = await sim.tower.api<{ id: string; state: string; needsAttention: boolean; passed: number }[]>('/drives');
      const by = new Map(drives.map((d) => [d.id, d]));
      const ready = by.get('sim:1')?.state === 'quarantined' && by.get('sim:2')?.needsAttention === true
        && by.get('sim:3')?.state === 'empty' && drives.some((d) => d.state === 'burning') && drives.some((d) => d.passed > 0);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the tower never showed every state: ${JSON.stringify(drives.map((d) => [d.id, d.state, d.needsAttention]))}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 180_000);

  async function check(page: Page, what: string, width: number): Promise<string[]> {
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, `${what.replace(/[^a-z0-9]+/gi, '-')}-${width}.png`), fullPage: true });
    }
    return (await layoutProblems(page)).map((p) => `${what} at ${width} px: ${p}`);
  }

  it.each(WIDTHS)('nothing is wider than the screen or cut at $width px', async (viewport) => {
    const problems: string[] = [];
    const wall = await sim.browser.newContext({ viewport, reducedMotion: 'reduce' });
    try {
      const page = await wall.newPage();
      await page.goto(`${sim.origin.url}/shopfloor/?token=${VIEWER_TOKEN}`);
      await page.locator('[data-drive-id]').nth(7).waitFor();
      await page.locator('.wall-run').first().waitFor();
      await page.locator('[data-drive-id="sim:1"][data-state="quarantined"]').waitFor();
      await page.locator('.wall-clock').filter({ hasText: /\d/ }).waitFor();
      problems.push(...(await check(page, 'shop floor', viewport.width)));
    } finally {
      await wall.close();
    }

    const op = await sim.browser.newContext({ viewport, reducedMotion: 'reduce' });
    try {
      const page = await op.newPage();
      await page.goto(`${sim.origin.url}/?token=${OPERATOR_TOKEN}`);
      await page.locator('[data-drive-id]').nth(7).waitFor();
      await page.locator('.run-chip').first().waitFor();
      problems.push(...(await check(page, 'tower', viewport.width)));
      const pages: [string, string, string][] = [
        ['runs', '/runs/', 'article.run-card'],
        ['history', '/history/', '[data-testid="history-table"] tbody tr'],
        ['images', `/images/?id=${encodeURIComponent(imageId)}`, '[data-testid="image-added"]'],
        ['drive', `/drive/?id=${encodeURIComponent('sim:1')}`, '#drive-stats'],
        ['mastering', '/mastering/', 'form[aria-labelledby="new-master"]'],
        ['alerts', '/alerts/', '#alerts-now'],
        ['agents', '/agents/', '[data-testid="agent-card"]'],
        ['audit', '/audit/', '[data-testid="audit-table"] tbody tr'],
        ['reports', '/reports/', '[data-testid="report-table"]'],
      ];
      for (const [what, url, ready] of pages) {
        await page.goto(`${sim.origin.url}${url}`);
        await page.locator(ready).first().waitFor();
        problems.push(...(await check(page, what, viewport.width)));
      }
    } finally {
      await op.close();
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

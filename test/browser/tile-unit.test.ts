/**
 * The tower page's tiles are not CSS containers: the tower gives them their
 * text unit (`--cq`, 1 % of a tile's content width) in px, measured from one
 * tile (apps/ui/src/lib/tile-unit.ts). In Debian's Chromium against a real
 * `tower start`: the tiles look exactly as they would as containers, follow
 * a resize, and stay containers where their narrow rules need the query.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

/** Sizes of a tile's parts that the stylesheet sets in the tile's unit (and fit-text never touches). */
const SIZED = ['.tile-media', '.tile-icon', '.tile-foot'] as const;

/**
 * The tower's unit and each tile's sizes as shown, then as they are with
 * every tile its own container (without the tower's unit, `--cq` is the
 * stylesheet's `1cqi`). A script string, as the other browser tests' page
 * scripts: the test project has no DOM types.
 */
const SIZES_BOTH_WAYS = `((sized) => {
  const tower = document.querySelector('.tower');
  if (!tower) throw new Error('no tower on the page');
  const tiles = [...document.querySelectorAll('[data-drive-id]')];
  const sizes = () => tiles.map((t) => sized.flatMap((sel) => {
    const el = t.querySelector(sel);
    if (!el) return [];
    const cs = getComputedStyle(el);
    return [Number.parseFloat(cs.fontSize), Number.parseFloat(cs.width)];
  }));
  const containerTypes = tiles.map((t) => getComputedStyle(t).containerType);
  const unit = tower.hasAttribute('data-tile-unit') ? tower.style.getPropertyValue('--cq') : null;
  const shown = sizes();
  tower.removeAttribute('data-tile-unit');
  tower.style.removeProperty('--cq');
  const containers = sizes();
  if (unit !== null) {
    tower.setAttribute('data-tile-unit', '');
    tower.style.setProperty('--cq', unit);
  }
  return { containerTypes, unit, shown, containers };
})(${JSON.stringify(SIZED)})`;

interface SizesBothWays {
  readonly containerTypes: string[];
  readonly unit: string | null;
  readonly shown: number[][];
  readonly containers: number[][];
}

async function asShownAndAsContainers(page: Page): Promise<SizesBothWays> {
  return (await page.evaluate(SIZES_BOTH_WAYS)) as SizesBothWays;
}

function expectSameSizes(shown: number[][], containers: number[][]): void {
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.map((row) => row.length)).toEqual(containers.map((row) => row.length));
  shown.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - (containers[i]?.[k] ?? Number.NaN))).toBeLessThan(0.05)));
}

describe('tile text unit', () => {
  const sim = useSimTower({ drives: 8 });

  it('the tower page sizes its tiles as containers would, without containers, and follows a resize', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/', { width: 1600, height: 1000 });
    try {
      await page.locator('[data-drive-id]').nth(7).waitFor({ timeout: 30_000 });
      await expect.poll(async () => page.locator('.tower[data-tile-unit]').count(), { timeout: 10_000 }).toBe(1);
      const wide = await asShownAndAsContainers(page);
      expect(new Set(wide.containerTypes)).toEqual(new Set(['normal']));
      expect(wide.unit).toMatch(/^\d+(\.\d+)?px$/);
      expectSameSizes(wide.shown, wide.containers);

      // Narrower columns: the unit is measured again, and the sizes still match the containers'.
      await page.setViewportSize({ width: 700, height: 1000 });
      await expect.poll(async () => (await asShownAndAsContainers(page)).unit, { timeout: 10_000 }).not.toBe(wide.unit);
      const narrower = await asShownAndAsContainers(page);
      expect(new Set(narrower.containerTypes)).toEqual(new Set(['normal']));
      expectSameSizes(narrower.shown, narrower.containers);
      expect(narrower.shown[0]?.[0]).not.toBe(wide.shown[0]?.[0]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a tile too narrow for its run line stays a container, so the narrow rules hide it', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/', { width: 230, height: 800 });
    try {
      await page.locator('[data-drive-id]').nth(7).waitFor({ timeout: 30_000 });
      const narrow = await asShownAndAsContainers(page);
      expect(narrow.unit).toBeNull();
      expect(new Set(narrow.containerTypes)).toEqual(new Set(['inline-size']));
      const runs = (await page.evaluate(`[...document.querySelectorAll('[data-drive-id] .tile-run')].map((el) => getComputedStyle(el).visibility)`)) as string[];
      expect(runs.length).toBe(8);
      expect(new Set(runs)).toEqual(new Set(['hidden']));
    } finally {
      await context.close();
    }
  }, 120_000);

  it('the drive page keeps its big tile a container', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/drive/?id=sim%3A2');
    try {
      await page.locator('.drive-tile-big [data-drive-id]').waitFor({ timeout: 30_000 });
      expect(await page.evaluate(`getComputedStyle(document.querySelector('.drive-tile-big [data-drive-id]')).containerType`)).toBe('inline-size');
    } finally {
      await context.close();
    }
  }, 120_000);
});

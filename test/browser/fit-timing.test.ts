/**
 * A tile's state word is fitted in the frame that shows it, never a frame
 * later (apps/ui/src/lib/fit-text.ts), in Debian's Chromium against a real
 * `tower start`. The live store applies the feed in an animation frame
 * callback; a fit asked from there as another such callback ran a frame
 * later, so every change of word was painted once unfitted, cut by its box.
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

/**
 * Boxes narrow enough that "Preparing" must be set smaller to fit (and short
 * words need not). For each new word of a tile, a ResizeObserver, whose
 * first call comes after that frame's layout and before its paint, notes
 * whether the word overflowed its box then.
 */
const WATCH_FIRST_FRAMES = `(() => {
  // A constructed sheet: the page's CSP refuses inline <style> elements.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('.tile-word { max-width: 90px; }');
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const log = window.__firstFrames = [];
  const shown = new Map();
  const look = () => document.querySelectorAll('[data-drive-id] .tile-word').forEach((el) => {
    const word = el.textContent ?? '';
    if (shown.get(el) === word) return;
    shown.set(el, word);
    const ro = new ResizeObserver(() => {
      ro.disconnect();
      log.push({ word, overflows: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1, fontSize: el.style.fontSize });
    });
    ro.observe(el);
  });
  new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
})()`;

interface FirstFrame { word: string; overflows: boolean; fontSize: string }

describe('fitted words on the tower screen', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.5 });

  it('are fitted before the frame that first shows them is painted', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/');
    try {
      await page.locator('[data-drive-id="sim:1"]').waitFor();
      await page.evaluate(WATCH_FIRST_FRAMES);
      const image = (await sim.tower.api<{ id: string }[]>('/images'))[0];
      if (!image) throw new Error('no sample image');
      await sim.tower.api('/runs', { method: 'POST', body: { imageId: image.id, copies: 2, drives: ['sim:0', 'sim:1'], label: 'fit timing', verify: 'off' } });
      const log = async (): Promise<FirstFrame[]> => (await page.evaluate('window.__firstFrames')) as FirstFrame[];
      // Both drives' words changed to "Preparing" (too wide for the box) and were seen in their first frame.
      await expect.poll(async () => (await log()).filter((f) => f.word === 'Preparing').length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
      const preparing = (await log()).filter((f) => f.word === 'Preparing');
      // It needed fitting: set smaller than the stylesheet's size, inline.
      expect(preparing.every((f) => f.fontSize !== ''), JSON.stringify(preparing)).toBe(true);
      expect((await log()).filter((f) => f.overflows)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 150_000);
});

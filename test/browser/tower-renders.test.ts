/**
 * What React renders on the tower screen as the feed comes in, in Debian's
 * Chromium against a real `tower start`: a frame of the feed renders the
 * tiles whose drive changed and nothing around them. The grid of tiles
 * renders when the tower's shape changes, not with every progress tick: in
 * a tower of 256 drives, re-rendering it each frame cost a pass over 256
 * tiles per frame.
 *
 * React reports each commit to a DevTools hook, if the page has one before
 * React loads (production builds too: it is how DevTools inspects a live
 * site). A function component that rendered in a commit has a new hook
 * list; one that did not keeps the one it had (its fiber is reused or not
 * visited at all).
 *
 * And what the screen animates: nothing, as the drives burn and the run
 * counts up, but a tile waiting for a person.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, useSimTower } from './harness.js';

/** The DevTools hook: before React loads, so React finds it. Each commit counts who rendered. */
const RENDER_COUNTER = `(() => {
  const stats = window.__renders = { commits: 0, gridRenders: 0, tileRenders: 0, counting: false };
  const seen = new WeakMap();
  // The first host element a fiber renders (a component's own box).
  const hostOf = (fiber) => {
    for (let f = fiber.child; f !== null; f = f.child) if (f.tag === 5) return f.stateNode;
    return null;
  };
  // A component rendered in this commit if its hook list is not the one it had at the last commit.
  const rendered = (fiber, el) => {
    const before = seen.get(el);
    seen.set(el, fiber.memoizedState);
    return before !== undefined && before !== fiber.memoizedState;
  };
  const visit = (fiber) => {
    for (let f = fiber; f !== null; f = f.sibling) {
      // 0: a function component; 15: a memo of one.
      if ((f.tag === 0 || f.tag === 15) && f.memoizedState !== null) {
        const el = hostOf(f);
        if (el instanceof HTMLElement && el.classList.contains('tower') && rendered(f, el) && stats.counting) stats.gridRenders++;
        if (el instanceof HTMLElement && el.classList.contains('tile') && rendered(f, el) && stats.counting) stats.tileRenders++;
      }
      if (f.child !== null) visit(f.child);
    }
  };
  let id = 0;
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    isDisabled: false,
    renderers: new Map(),
    inject(renderer) { id += 1; this.renderers.set(id, renderer); return id; },
    onCommitFiberRoot(_id, root) {
      if (stats.counting) stats.commits++;
      visit(root.current);
    },
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    checkDCE() {},
  };
})()`;

interface RenderStats { commits: number; gridRenders: number; tileRenders: number }

describe('renders on the tower screen', () => {
  const sim = useSimTower({ drives: 6, timeScale: 0.5 });

  /** The tower screen with all six tiles, and a run of 60 copies of the sample image started. */
  async function openTowerWithRun(page: Page, label: string): Promise<void> {
    await page.goto(`${sim.origin.url}/?token=${encodeURIComponent(OPERATOR_TOKEN)}`);
    await page.locator('[data-drive-id="sim:5"]').waitFor({ timeout: 30_000 });
    const image = (await sim.tower.api<{ id: string }[]>('/images'))[0];
    if (!image) throw new Error('no sample image');
    await sim.tower.api('/runs', { method: 'POST', body: { imageId: image.id, copies: 60, verify: 'off', label } });
  }

  it('a frame of progress renders the tiles whose drive changed, not the grid around them', async () => {
    const context = await sim.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    await context.addInitScript(RENDER_COUNTER);
    const page = await context.newPage();
    try {
      await openTowerWithRun(page, 'renders');
      // Burning, with progress coming in.
      await expect.poll(async () => page.locator('[data-state="burning"]').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
      await page.evaluate('window.__renders.counting = true');
      await expect.poll(async () => ((await page.evaluate('window.__renders')) as RenderStats).tileRenders, { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
      const stats = (await page.evaluate('window.__renders')) as RenderStats;
      expect(stats.commits).toBeGreaterThan(0);
      // The counter sees the grid: it is the tiles' parent, and it rendered once it had tiles (before counting).
      expect(await page.evaluate("!!window.__REACT_DEVTOOLS_GLOBAL_HOOK__.renderers.size")).toBe(true);
      expect(stats.gridRenders, JSON.stringify(stats)).toBe(0);
      // Resizing the window changes the grid's room: it renders then (the counter does see it).
      await page.setViewportSize({ width: 1200, height: 900 });
      await expect.poll(async () => ((await page.evaluate('window.__renders')) as RenderStats).gridRenders, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('nothing on the tower screen animates as the drives burn and the run counts up, unless a tile waits for a person', async () => {
    // A running CSS animation or transition makes Chromium render a frame every 16 ms on the page's main thread,
    // the thread that applies the feed: a width transition on the run's bar, restarted by every disc, did that
    // through each burst of a 256-drive tower.
    const context = await sim.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    try {
      await openTowerWithRun(page, 'motion');
      await page.locator('.run-bar').first().waitFor({ timeout: 30_000 });
      /** Samples the page's running animations (by their element's classes) while the runs' bars change `changes` times. */
      const sampleWhileCounting = async (changes: number): Promise<{ animated: string[]; barChanges: number }> =>
        (await page.evaluate(`new Promise((resolve) => {
          const animated = new Set();
          let barChanges = 0;
          // Every run's bar (the first test's run may end meanwhile, and this test's start).
          const strip = document.querySelector('.run-strip');
          new MutationObserver(() => { barChanges++; }).observe(strip, { subtree: true, attributes: true, attributeFilter: ['style'] });
          const look = () => {
            for (const a of document.getAnimations()) {
              const el = a.effect && a.effect.target;
              if (el && !el.closest('.tile.attn')) animated.add(el.className || el.tagName);
            }
            if (barChanges >= ${changes}) resolve({ animated: [...animated], barChanges });
            else setTimeout(look, 20);
          };
          look();
        })`)) as { animated: string[]; barChanges: number };
      const quiet = await sampleWhileCounting(3);
      expect(quiet.barChanges).toBeGreaterThanOrEqual(3);
      expect(quiet.animated).toEqual([]);
      // The sampler does see an animation when there is one: give the bar back a transition.
      await page.evaluate(`(() => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync('.seg { transition: width 2s linear; }');
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      })()`);
      const moving = await sampleWhileCounting(1);
      expect(moving.animated.some((c) => c.includes('seg'))).toBe(true);
    } finally {
      await context.close();
    }
  }, 180_000);
});

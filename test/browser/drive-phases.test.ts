/**
 * The phases of a copy on the tower screen, in Debian's Chromium against a
 * real `tower start` with simulated CD writers: a tile closing its disc says
 * "Closing disc" with its time, never "BURNING 100% 0×"; a preparing tile
 * never says "0×"; a verifying tile shows its read speed.
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

/** Notes every distinct (state, word, figures) a tile shows, whatever the frame rate. */
const WATCH_PHASES = `(() => {
  const log = window.__phaseLog = [];
  const seen = new Set();
  const text = (el, sel) => (el.querySelector(sel)?.textContent ?? '').replace(/\\s+/g, ' ').trim();
  const note = () => document.querySelectorAll('[data-drive-id]').forEach((el) => {
    const row = { id: el.getAttribute('data-drive-id'), state: el.getAttribute('data-state'), word: text(el, '.tile-word'), pct: text(el, '.tile-pct'), metrics: text(el, '.tile-metrics') };
    const key = JSON.stringify(row);
    if (!seen.has(key)) { seen.add(key); log.push(row); }
  });
  note();
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;

interface Row { id: string; state: string; word: string; pct: string; metrics: string }

describe('burn phases on the tower screen', () => {
  // Half speed: the sim's 6 s of preparing and 9 s of closing a CD last 3 s and 4.5 s, long enough to be seen.
  const sim = useSimTower({ drives: 2, timeScale: 0.5 });

  it('shows Preparing, Closing disc (not "100% 0×") and a verifying drive\'s speed', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/');
    try {
      await page.locator('[data-drive-id="sim:0"]').waitFor();
      await page.evaluate(WATCH_PHASES);
      const image = (await sim.tower.api<{ id: string }[]>('/images'))[0];
      if (!image) throw new Error('no sample image');
      await sim.tower.api('/runs', { method: 'POST', body: { imageId: image.id, copies: 1, drives: ['sim:0'], label: 'phases', verify: 'all' } });
      const log = async (): Promise<Row[]> => (await page.evaluate('window.__phaseLog')) as Row[];
      // Until the copy has been verified and the auto-loader took the disc out.
      await expect.poll(async () => (await log()).some((r) => r.id === 'sim:0' && r.state === 'verifying'), { timeout: 60_000 }).toBe(true);
      await expect.poll(async () => (await log()).filter((r) => r.id === 'sim:0').at(-1)?.state, { timeout: 60_000 }).not.toMatch(/burning|verifying/);
      const rows = (await log()).filter((r) => r.id === 'sim:0');
      const busy = rows.filter((r) => r.state === 'burning' || r.state === 'verifying');
      const words = [...new Set(busy.map((r) => r.word))];
      expect(words).toEqual(expect.arrayContaining(['Preparing', 'Writing', 'Closing disc', 'Verifying']));
      // Phases come in order on the tile.
      const order = ['Preparing', 'Writing', 'Closing disc', 'Verifying'];
      const firsts = order.map((w) => busy.findIndex((r) => r.word === w));
      expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
      for (const r of busy.filter((x) => x.word === 'Preparing' || x.word === 'Closing disc')) {
        expect(`${r.pct} ${r.metrics}`, JSON.stringify(r)).not.toMatch(/%|0×/);
        expect(r.pct, JSON.stringify(r)).toMatch(/^\d+:\d\d$/); // the time in the phase
      }
      expect(busy.filter((r) => r.word === 'Burning' || (/100%/.test(r.pct) && / 0×|^0×/.test(r.metrics)))).toEqual([]);
      // A verifying drive shows the speed it reads at.
      expect(busy.some((r) => r.word === 'Verifying' && /\d×/.test(r.metrics) && /ETA \d+:\d\d/.test(r.metrics)), JSON.stringify(busy.filter((r) => r.state === 'verifying'))).toBe(true);
    } finally {
      await context.close();
    }
  }, 150_000);
});

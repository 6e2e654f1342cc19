/**
 * The operator UI in Debian's Chromium against a real `tower start` with a
 * simulated tower: a run created in the UI goes through burning and
 * verifying to the right counts; a faulty drive calls for a person; a drive
 * is quarantined and released through the UI; API errors are shown in
 * words; the shop-floor view (viewer) has no controls and comes back by
 * itself after the controller restarts.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { OPERATOR_TOKEN, signedInPage, useSimTower, VIEWER_TOKEN } from './harness.js';


/** Records every data-state / data-attention a tile shows, whatever the frame rate. */
const WATCH_TILES = `(() => {
  if (window.__tileLog) return;
  const log = window.__tileLog = {};
  const note = (el) => {
    const id = el.getAttribute('data-drive-id');
    if (!id) return;
    const seen = log[id] || (log[id] = []);
    const v = el.getAttribute('data-state') + (el.getAttribute('data-attention') === 'true' ? '!' : '');
    if (seen[seen.length - 1] !== v) seen.push(v);
  };
  document.querySelectorAll('[data-drive-id]').forEach(note);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') note(r.target);
      r.addedNodes.forEach((n) => { if (n.nodeType === 1) { if (n.hasAttribute('data-drive-id')) note(n); n.querySelectorAll('[data-drive-id]').forEach(note); } });
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-attention'] });
})()`;

async function tileLog(page: Page): Promise<Record<string, string[]>> {
  return (await page.evaluate('window.__tileLog')) as Record<string, string[]>;
}

describe('operator UI in a browser', () => {
  const sim = useSimTower({
    drives: 4,
    timeScale: 0.1,
    quarantineAfter: 2,
    faults: {
      2: { timeScale: 1 }, // slow: still burning when the test tries to eject it
      3: { writeErrorAt: 40, sticky: true }, // every burn fails
    },
  });

  it('creates a run in the UI, shows burning and verifying tiles, and finishes with the right counts', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      await page.getByTestId('whoami').filter({ hasText: 'operator' }).waitFor();
      // The token left the address bar for localStorage.
      expect(page.url()).not.toContain('token=');
      await page.evaluate('window.__sameDocument = 42');

      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Good copies').fill('3');
      await form.getByLabel('Label', { exact: true }).fill('UI e2e run');
      await form.getByLabel('All drives').uncheck();
      await form.getByLabel('Sim 0').check();
      await form.getByLabel('Sim 1').check();
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “UI e2e run” created' }).waitFor();

      // To the sim.tower, without a page load; watch the tiles until the run is done.
      await page.getByRole('link', { name: 'Tower', exact: true }).click();
      await page.locator('[data-drive-id="sim:0"]').waitFor();
      await page.evaluate(WATCH_TILES);
      await page.locator('[data-drive-id="sim:0"][data-state="burning"], [data-drive-id="sim:1"][data-state="burning"]').first().waitFor({ timeout: 20_000 });
      // A burning tile shows its progress in words.
      await expect.poll(async () => page.locator('[data-state="burning"] .tile-metrics').first().textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/ETA/);
      const chip = page.locator('.run-chip', { hasText: 'UI e2e run' });
      await chip.waitFor();
      await chip.waitFor({ state: 'detached', timeout: 90_000 }); // leaves the active strip when finished
      const seen = await tileLog(page);
      const states = [...(seen['sim:0'] ?? []), ...(seen['sim:1'] ?? [])];
      expect(states).toContain('burning');
      expect(states).toContain('verifying');
      // The auto-loader takes passed discs out at once (DONE may last less than a frame), so nobody is called for them.
      expect(states).not.toContain('done!');
      const passedOn = async (id: string): Promise<number> => (await sim.tower.api<{ passed: number }>(`/drives/${id}`)).passed;
      expect((await passedOn('sim:0')) + (await passedOn('sim:1'))).toBe(3);

      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      const card = page.locator('article.run-card', { hasText: 'UI e2e run' });
      await card.getByTestId('run-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 30_000 });
      expect(await card.getByTestId('run-passed').textContent()).toMatch(/^3\s*\/\s*3$/);
      expect(await card.getByTestId('run-failed').textContent()).toBe('0');
      expect(await card.getByTestId('run-remaining').textContent()).toBe('0');
      expect(await page.evaluate('window.__sameDocument')).toBe(42); // no full-page reload
      expect(seen['sim:2'] ?? []).not.toContain('burning'); // not picked for this run
    } finally {
      await context.close();
    }
  }, 150_000);

  it('makes a failing drive call for a person, and quarantines and releases a drive through the UI', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/');
    try {
      await page.locator('[data-drive-id="sim:3"]').waitFor();
      await page.evaluate(WATCH_TILES);
      const image = (await sim.tower.api<{ id: string }[]>('/images'))[0];
      if (!image) throw new Error('no sample image');
      await sim.tower.api('/runs', { method: 'POST', body: { imageId: image.id, copies: 2, drives: ['sim:3'], label: 'faulty drive run', maxAttemptsPerCopy: 5 } });

      // Sim 3 fails every burn: it shows FAILED (its auto-loader bins the coasters), then is quarantined
      // (quarantineAfter 2) and calls for a person.
      const tile3 = page.locator('[data-drive-id="sim:3"]');
      await page.locator('[data-drive-id="sim:3"][data-state="quarantined"]').waitFor({ timeout: 90_000 });
      const seen = await tileLog(page);
      // Its coasters went to the loader's reject bin (the FAILED state lasts as long as the tray takes).
      expect(seen['sim:3']).toContain('quarantined!');
      expect((await sim.tower.api<{ failed: number }>('/drives/sim:3')).failed).toBeGreaterThanOrEqual(2);
      expect(await tile3.textContent()).toMatch(/quarantined/i);
      const view = await sim.tower.api<{ quarantine: unknown }>('/drives/sim:3');
      console.log('sim:3 quarantine over REST:', JSON.stringify(view.quarantine));

      // The drive page: release it (operator control), see it leave quarantine.
      await tile3.click();
      await page.getByRole('heading', { level: 1, name: /Sim 3/ }).waitFor();
      await page.getByRole('button', { name: 'Release from quarantine' }).click();
      await page.locator('[data-drive-id="sim:3"]:not([data-state="quarantined"])').waitFor({ timeout: 30_000 });

      // Quarantine another drive by hand, with a reason.
      await page.goto(`${sim.origin.url}/drive/?id=${encodeURIComponent('sim:1')}`);
      await page.getByLabel('Reason').fill('UI test: scratches discs');
      await page.getByRole('button', { name: 'Quarantine' }).click();
      await page.locator('[data-drive-id="sim:1"][data-state="quarantined"]').waitFor({ timeout: 30_000 });
      await page.getByText('UI test: scratches discs').first().waitFor();
      await page.getByRole('button', { name: 'Release from quarantine' }).click();
      await page.locator('[data-drive-id="sim:1"]:not([data-state="quarantined"])').waitFor({ timeout: 30_000 });
    } finally {
      await context.close();
    }
  }, 150_000);

  it('shows an API error in words (eject a drive that is burning)', async () => {
    const image = (await sim.tower.api<{ id: string }[]>('/images'))[0];
    if (!image) throw new Error('no sample image');
    // The page first, so it sees the burn start however long it takes to load.
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, `/drive/?id=${encodeURIComponent('sim:2')}`);
    let run: { id: string } | null = null;
    try {
      await page.locator('[data-drive-id="sim:2"]').waitFor();
      run = await sim.tower.api<{ id: string }>('/runs', { method: 'POST', body: { imageId: image.id, copies: 1, drives: ['sim:2'], label: 'slow drive run' } });
      const runId = run.id;
      const created = Date.now();
      await page.locator('[data-drive-id="sim:2"][data-state="burning"]').waitFor({ timeout: 60_000 }).catch(async (err: unknown) => {
        // Say what the controller and the page saw, not only that the wait ran out.
        const drive = await sim.tower.api('/drives/sim:2').catch((e: unknown) => String(e));
        const runView = await sim.tower.api(`/runs/${runId}`).catch((e: unknown) => String(e));
        const tile = await page.locator('[data-drive-id="sim:2"]').first().evaluate((el) => el.outerHTML).catch((e: unknown) => String(e));
        throw new Error(`sim:2 never showed burning: ${String(err)}\ndrive: ${JSON.stringify(drive)}\nrun: ${JSON.stringify(runView)}\ntile: ${tile}\ntower log (tail):\n${sim.tower.log.slice(-4000)}`);
      });
      console.log(`sim:2 shown burning ${Date.now() - created} ms after its run was created`);
      await page.getByRole('button', { name: 'Eject' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Could not eject' });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/burning.*(pause or cancel|DRIVE_BUSY)/i);
    } finally {
      await context.close();
      if (run !== null) await sim.tower.api(`/runs/${run.id}/cancel`, { method: 'POST', body: { inFlight: 'cancel' } }).catch(() => undefined);
    }
  }, 90_000);

  it('gives the viewer no controls, and the shop-floor view goes STALE and comes back when the controller restarts', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, VIEWER_TOKEN, '/runs/', { width: 1920, height: 1080 });
    try {
      await page.getByTestId('whoami').filter({ hasText: 'viewer' }).waitFor();
      await page.locator('article.run-card').first().waitFor();
      expect(await page.getByRole('form', { name: 'New run' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /Pause|Resume|Cancel run/ }).count()).toBe(0);
      await page.goto(`${sim.origin.url}/drive/?id=sim:0`);
      await page.getByRole('heading', { level: 1, name: /Sim 0/ }).waitFor();
      expect(await page.getByRole('button', { name: /Eject|Quarantine|Release/ }).count()).toBe(0);

      await page.goto(`${sim.origin.url}/shopfloor/`);
      await page.locator('[data-drive-id]').nth(3).waitFor();
      expect(await page.locator('[data-drive-id]').count()).toBe(4);
      expect(await page.locator('button, input, select, textarea, a[href]').count()).toBe(0);
      await page.getByTestId('live-indicator').filter({ hasText: 'LIVE' }).waitFor();
      await page.evaluate('window.__sameDocument = 7');

      await sim.tower.stop();
      await page.getByTestId('stale-banner').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('stale-banner').textContent()).toMatch(/STALE/);
      await page.locator('[data-drive-id].stale').first().waitFor();

      await sim.tower.start();
      await page.getByTestId('stale-banner').waitFor({ state: 'detached', timeout: 60_000 });
      await page.getByTestId('live-indicator').filter({ hasText: 'LIVE' }).waitFor();
      expect(await page.locator('[data-drive-id].stale').count()).toBe(0);
      expect(await page.locator('[data-drive-id]').count()).toBe(4);
      expect(await page.evaluate('window.__sameDocument')).toBe(7); // it reconnected in place, no reload
    } finally {
      await context.close();
    }
  }, 150_000);
});


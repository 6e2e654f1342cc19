/**
 * A wall screen pairs in Debian's Chromium against a real `tower start`:
 * `/shopfloor/` without a token shows "Pair this screen"; a wrong code is
 * refused in words; the operator's code gives the screen a token of its own,
 * kept in localStorage and never in a URL; a reload keeps it; revoking the
 * screen brings the pairing form back at once. A `?token=` URL still works
 * and leaves the address bar.
 */
import { describe, expect, it } from 'vitest';
import type { ScreenPairing, ScreenView } from '../../apps/controller/src/shared/api-types.js';
import { useSimTower, VIEWER_TOKEN } from './harness.js';

describe('wall screen pairing in a browser', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.1 });

  it('pairs with a code, keeps its own token out of every URL, and shows the pairing form again once revoked', async () => {
    const context = await sim.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    try {
      await page.goto(`${sim.origin.url}/shopfloor/`);
      const form = page.getByTestId('pair-screen');
      await form.waitFor();
      // No token: the wall screen pairs right here, it is not sent to sign in.
      expect(new URL(page.url()).pathname).toBe('/shopfloor/');

      await page.getByLabel('Pairing code').fill('ZZZZ-ZZZZ');
      await page.getByRole('button', { name: 'Pair this screen' }).click();
      await page.getByRole('alert').filter({ hasText: /Pairing failed: unknown, expired or already used pairing code/ }).waitFor();

      const pairing = await sim.tower.api<ScreenPairing>('/screens/pairing', { method: 'POST', body: { name: 'wall-e2e' } });
      await page.getByLabel('Pairing code').fill(pairing.code.toLowerCase());
      await page.getByRole('button', { name: 'Pair this screen' }).click();
      await page.getByTestId('live-indicator').filter({ hasText: 'LIVE' }).waitFor({ timeout: 20_000 });
      await page.locator('[data-drive-id]').first().waitFor();
      expect(await page.locator('[data-drive-id]').count()).toBe(2);

      const token = (await page.evaluate("localStorage.getItem('tower.token')")) as string | null;
      expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const screens = await sim.tower.api<ScreenView[]>('/screens');
      const screen = screens.find((s) => s.id === pairing.screen.id);
      expect(screen).toMatchObject({ name: 'wall-e2e', status: 'paired' });

      // A reload keeps the screen's token: no pairing form.
      await page.reload();
      await page.getByTestId('live-indicator').filter({ hasText: 'LIVE' }).waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('pair-screen').count()).toBe(0);
      expect(urls.length).toBeGreaterThan(3);
      for (const u of urls) {
        expect(u).not.toContain(token ?? '-');
        expect(u).not.toMatch(/[?&]token=/);
      }

      // Revoked: the controller closes the feed, the page asks who it is, and shows the form again.
      await sim.tower.api(`/screens/${pairing.screen.id}`, { method: 'DELETE' });
      await page.getByTestId('pair-screen').waitFor({ timeout: 10_000 });
      await page.getByText(/no longer accepted/).waitFor();
    } finally {
      await context.close();
    }
  }, 90_000);

  it('still takes a ?token= URL, into storage and out of the address bar', async () => {
    const context = await sim.browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${sim.origin.url}/shopfloor/?token=${VIEWER_TOKEN}&sound=1`);
      await page.getByTestId('live-indicator').filter({ hasText: 'LIVE' }).waitFor({ timeout: 20_000 });
      expect(page.url()).not.toContain('token=');
      expect(new URL(page.url()).searchParams.get('sound')).toBe('1');
      expect(await page.evaluate("localStorage.getItem('tower.token')")).toBe(VIEWER_TOKEN);
    } finally {
      await context.close();
    }
  }, 60_000);
});

/**
 * An auto-loader out of blanks calls a person on the wall like any other
 * call (issue 13 point 5): a simulated drive whose loader holds 2 blanks,
 * a run of 3 copies. Once the blanks are burned, the wall counts the drive
 * in "needs a person", its tile says NEEDS BLANKS and "Load blanks into
 * Sim 0", and the wall beeps (the attention beep's oscillators are counted
 * in the page, the sound itself still played); blanks put in through the
 * API clear the call and the run completes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, TowerProcess, VIEWER_TOKEN, missingPrerequisite, uiOrigin } from './harness.js';

/** Counts the oscillators the page starts (each beep starts one per tone), calling the real ones. */
const COUNT_OSCILLATORS = `(() => {
  window.__oscillators = 0;
  const real = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (...args) { window.__oscillators += 1; return real.apply(this, args); };
})();`;

describe('a loader out of blanks on the wall', () => {
  let tower: TowerProcess;
  let origin: { url: string; close: () => Promise<void> };
  let browser: Browser | null = null;

  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing !== null) throw new Error(missing);
    tower = await TowerProcess.create({ drives: 1 });
    const config = JSON.parse(await readFile(tower.configFile, 'utf8')) as { agent: { simulated: Record<string, unknown> } };
    config.agent.simulated.loader = { blanks: 2, rejectBin: 20 };
    await writeFile(tower.configFile, JSON.stringify(config, null, 2));
    await tower.start();
    origin = await uiOrigin(tower);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await origin?.close();
    await tower?.dispose();
  }, 60_000);

  it('is counted in "needs a person", says "Load blanks into Sim 0" and beeps, until blanks are put in', async () => {
    // A kiosk's Chromium: the wall's sound plays with nobody there.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    await context.addInitScript(COUNT_OSCILLATORS);
    const page = await context.newPage();
    await page.goto(`${origin.url}/shopfloor/?sound=1&token=${VIEWER_TOKEN}`);
    const tile = page.locator('[data-drive-id="sim:0"]');
    const count = page.getByTestId('wall-attention-count');
    await tile.waitFor();
    await page.locator('[data-sound="on"]').waitFor();
    expect(await count.textContent()).toBe('0 need a person');
    const oscillators = (): Promise<number> => page.evaluate(() => (globalThis as unknown as { __oscillators: number }).__oscillators);
    expect(await oscillators()).toBe(0);

    const image = (await tower.api<{ id: string }[]>('/images'))[0];
    const run = await tower.api<{ id: string }>('/runs', { method: 'POST', body: { imageId: image?.id, copies: 3 } });
    // Two discs at a hundredth of real time, then the call: well within 30 s.
    await page.locator('[data-drive-id="sim:0"][data-attention="true"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => count.textContent(), { timeout: 5_000 }).toBe('1 needs a person');
    expect(await tile.locator('.tile-word').textContent()).toBe('Needs blanks');
    expect(await tile.locator('.tile-instruction').textContent()).toBe('Load blanks into Sim 0: its loader has no blank disc left');
    // The attention beep: three tones when the drive started needing a person.
    await expect.poll(oscillators, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);

    await tower.api('/drives/sim:0/loader/blanks', { method: 'POST', body: { count: 5 } });
    await expect.poll(() => count.textContent(), { timeout: 10_000 }).toBe('0 need a person');
    await expect.poll(async () => (await tower.api<{ status: string; passed: number }>(`/runs/${run.id}`)).status, { timeout: 30_000 }).toBe('completed');
    expect((await tower.api<{ passed: number }>(`/runs/${run.id}`)).passed).toBe(3);
  }, 90_000);
});

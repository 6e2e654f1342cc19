/**
 * Sound on an unattended wall (issue 13 point 13): Chromium keeps audio
 * blocked until someone taps the page, so `/shopfloor/?sound=1` says "sound
 * blocked — tap to enable" until a tap starts it; a kiosk started with
 * `--autoplay-policy=no-user-gesture-required` beeps with nobody there, and
 * shows no notice. The page says what its sound is in `data-sound`
 * (off / blocked / on: the audio context suspended or running).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, TowerProcess, VIEWER_TOKEN, launchBrowser, missingPrerequisite, uiOrigin } from './harness.js';

const missing = missingPrerequisite();

/**
 * Desktop Chromium's autoplay rule for Web Audio, in the page: an audio context reads `suspended` until someone
 * has touched the page (a trusted pointer or key event), and its `resume()` works only after that (then
 * `statechange` says it runs). Emulated on the context's own state and on the page's own events: headless
 * Chromium starts its audio by itself a moment after the constructor (under load that start undid an early
 * `suspend()`), and in the full suite `navigator.userActivation` sometimes already read active on a page nobody
 * had touched.
 */
const DESKTOP_AUTOPLAY_POLICY = `(() => {
  const Real = window.AudioContext;
  const held = new WeakSet();
  const state = Object.getOwnPropertyDescriptor(BaseAudioContext.prototype, 'state').get;
  let touched = false;
  const touch = (e) => { if (e.isTrusted) touched = true; };
  window.addEventListener('pointerdown', touch, true);
  window.addEventListener('keydown', touch, true);
  window.AudioContext = class extends Real {
    constructor(...args) {
      super(...args);
      if (!touched) held.add(this);
    }
    get state() { return held.has(this) ? 'suspended' : state.call(this); }
    resume() {
      if (!touched) return Promise.resolve();
      const was = held.delete(this);
      return Real.prototype.resume.call(this).then(() => { if (was) this.dispatchEvent(new Event('statechange')); });
    }
  };
})();`;

describe('the wall screen’s sound', () => {
  let tower: TowerProcess;
  let origin: { url: string; close: () => Promise<void> };
  const browsers: Browser[] = [];

  beforeAll(async () => {
    if (missing !== null) throw new Error(missing);
    tower = await TowerProcess.create({ drives: 2 });
    await tower.start();
    origin = await uiOrigin(tower);
  }, 120_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await origin?.close();
    await tower?.dispose();
  }, 60_000);

  async function wall(browser: Browser, query: string, initScript?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, hasTouch: true });
    if (initScript !== undefined) await context.addInitScript(initScript);
    const page = await context.newPage();
    await page.goto(`${origin.url}/shopfloor/?${query}token=${VIEWER_TOKEN}`);
    await page.locator('[data-drive-id]').nth(1).waitFor();
    return page;
  }

  it('says the sound is blocked until a tap enables it (desktop Chromium’s autoplay policy)', async () => {
    // Headless Chromium lets Web Audio start without a gesture whatever --autoplay-policy says (an AudioContext is
    // 'running' at once, 'suspended' at most for a moment), so the page gets desktop Chromium's rule before its own
    // scripts: an audio context starts suspended and resumes only once the user has touched the page.
    const browser = await launchBrowser();
    browsers.push(browser);
    const page = await wall(browser, 'sound=1&', DESKTOP_AUTOPLAY_POLICY);
    const notice = page.getByTestId('sound-blocked');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/sound blocked — tap to enable/i);
    expect(await page.locator('[data-sound]').getAttribute('data-sound')).toBe('blocked');
    await notice.tap();
    await notice.waitFor({ state: 'detached' });
    await page.locator('[data-sound="on"]').waitFor();

    // Sound off: nothing to say and nothing to tap.
    const quiet = await wall(browser, '');
    await quiet.locator('[data-sound="off"]').waitFor();
    expect(await quiet.getByTestId('sound-blocked').count()).toBe(0);
  }, 60_000);

  it('is on with nobody there in a kiosk started with --autoplay-policy=no-user-gesture-required', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });
    browsers.push(browser);
    const page = await wall(browser, 'sound=1&');
    await page.locator('[data-sound="on"]').waitFor();
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('sound-blocked').count()).toBe(0);
    expect(await page.locator('[data-sound]').getAttribute('data-sound')).toBe('on');
  }, 60_000);
});

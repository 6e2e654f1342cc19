/**
 * The Audit and Agents pages in Chromium against `tower start` (issue 16).
 * Audit: what an operator did in the test (blanks received through the
 * tower page's form, a quarantine and a release through the API, 55 low-stock
 * levels set) is listed with who did it, filtered by action and who, paged,
 * refused with a reason for a time range the wrong way round, and kept from a
 * viewer. Agents: the tower's own agent and a second `tower agent` process on
 * the same Redis are listed serving with their version and drives (linking
 * to the drive pages); the second one, killed, turns silent on the open page,
 * and started again then stopped cleanly, serving then stopped.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOWER_CLI } from '../support/repo-paths.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower, VIEWER_TOKEN } from './harness.js';
import type { TowerProcess } from './harness.js';

/** The embedded Redis's URL with its password, from what `tower start` printed. */
async function embeddedRedisUrl(tower: TowerProcess): Promise<string> {
  const m = /embedded Redis at redis:\/\/127\.0\.0\.1:(\d+) \(.*password in (\S+), mode/.exec(tower.log);
  if (!m?.[1] || !m[2]) throw new Error(`no embedded Redis in the log:\n${tower.log}`);
  const password = (await readFile(m[2], 'utf8')).trim();
  return `redis://:${encodeURIComponent(password)}@127.0.0.1:${m[1]}`;
}

/** A second agent, `agent-x` with drives sim:10 and sim:11, on the tower's Redis; resolves once it serves. */
async function startSecondAgent(tower: TowerProcess): Promise<ChildProcess> {
  const config = JSON.parse(await readFile(tower.configFile, 'utf8')) as { agent: Record<string, unknown> };
  config.agent.id = 'agent-x';
  config.agent.simulated = { count: 2, firstIndex: 10, media: 'CD-R', timeScale: 0.01, progressMs: 150, autoLoader: true };
  const file = path.join(tower.dir, 'agent-x.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, [TOWER_CLI, 'agent', '--config', file], {
    cwd: tower.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOWER_CONFIG: '', REDIS_URL: await embeddedRedisUrl(tower) },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent-x did not start serving:\n${out}`)), 60_000);
    const look = (b: Buffer): void => {
      out += b.toString();
      if (/serving 2 drive/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent-x exited with ${code}:\n${out}`));
    });
  });
  return child;
}

describe('audit log and agents pages', () => {
  const t = useSimTower({ drives: 2 });
  let agentX: ChildProcess | null = null;
  afterAll(() => {
    if (agentX !== null && agentX.exitCode === null && agentX.signalCode === null) agentX.kill('SIGKILL');
  });

  it('lists what was done, filtered by action and who, in pages; not for a viewer', { timeout: 120_000 }, async () => {
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/');
    try {
      // Blanks received through the tower page's form; a quarantine and a release through the API.
      const panel = page.locator('section[aria-labelledby="stock-heading"]');
      await panel.waitFor();
      await panel.locator('#stock-action').selectOption('received');
      await panel.locator('#stock-type').selectOption('DVD-R');
      await panel.locator('#stock-amount').fill('40');
      await panel.getByRole('button', { name: 'Save' }).click();
      await expect.poll(async () => panel.getByRole('status').textContent(), { timeout: 10_000 }).toBe('DVD-R: 40 on hand.');
      await t.tower.api('/drives/sim:0/quarantine', { method: 'POST', body: { reason: 'audit page test' } });
      await t.tower.api('/drives/sim:0/release', { method: 'POST' });

      await page.getByRole('link', { name: 'Audit' }).first().click();
      const table = page.getByTestId('audit-table');
      const rows = table.locator('tbody tr');
      /** Each row's cells, joined by " | ". */
      const rowTexts = async (): Promise<string[]> => rows.evaluateAll((trs) => trs.map((tr) =>
        Array.from((tr as unknown as { cells: ArrayLike<{ innerText: string }> }).cells, (c) => c.innerText.trim()).join(' | ')));
      await expect.poll(async () => (await rowTexts()).slice(0, 3), { timeout: 15_000 }).toEqual([
        expect.stringMatching(/ \| ui-test operator OPERATOR \| drive\.release \| sim:0 \| $/),
        expect.stringMatching(/ \| ui-test operator OPERATOR \| drive\.quarantine \| sim:0 \| audit page test$/),
        expect.stringMatching(/ \| ui-test operator OPERATOR \| stock\.receive \| DVD-R \| count: 40, onHand: 40$/),
      ]);
      // The drive an entry is about links to its page.
      expect(await rows.first().getByRole('link', { name: 'sim:0' }).getAttribute('href')).toBe('/drive/?id=sim%3A0');

      const filter = async (action: string, who: string): Promise<void> => {
        await page.getByLabel('Action', { exact: true }).fill(action);
        await page.getByLabel('Who', { exact: true }).fill(who);
        await page.getByRole('button', { name: 'Show' }).click();
      };
      // "drive" is every drive action, nothing else.
      await filter('drive', '');
      await expect.poll(async () => (await rowTexts()).map((r) => r.split(' | ')[2]), { timeout: 10_000 }).toEqual(['drive.release', 'drive.quarantine']);
      await filter('', 'nobody at all');
      await expect.poll(async () => page.getByTestId('audit-range').textContent(), { timeout: 10_000 }).toBe('No entry matches.');
      await filter('stock.receive', 'ui-test operator');
      await expect.poll(rowTexts, { timeout: 10_000 }).toEqual([expect.stringMatching(/ \| stock\.receive \| DVD-R \| count: 40, onHand: 40$/)]);

      // A time range the wrong way round is refused with a reason, before asking.
      await filter('', '');
      await page.getByLabel('From', { exact: true }).fill('2030-01-02T10:00');
      await page.getByLabel('To', { exact: true }).fill('2030-01-01T10:00');
      await page.getByRole('button', { name: 'Show' }).click();
      expect(await page.locator('.error-box').first().textContent()).toContain('From is after To');
      await page.getByRole('button', { name: 'Clear' }).click();

      // 55 low-stock levels set: 58 entries in pages of 50, the second page holding the 8 oldest.
      for (let n = 1; n <= 55; n++) await t.tower.api('/stock/threshold', { method: 'POST', body: { mediaType: 'CD-R', threshold: n } });
      await page.getByLabel('Per page').selectOption('50');
      await expect.poll(async () => page.getByTestId('audit-range').textContent(), { timeout: 15_000 }).toBe('Entries 1–50, newest first (kept up to date)');
      expect((await rowTexts())[0]).toMatch(/ \| stock\.threshold \| CD-R \| threshold: 55$/);
      await page.getByRole('button', { name: 'Older' }).click();
      await expect.poll(async () => page.getByTestId('audit-range').textContent(), { timeout: 10_000 }).toBe('Entries 51–58, newest first');
      expect((await rowTexts()).map((r) => r.split(' | ')[2])).toEqual([
        'stock.threshold', 'stock.threshold', 'stock.threshold', 'stock.threshold', 'stock.threshold', 'drive.release', 'drive.quarantine', 'stock.receive',
      ]);
      expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    } finally {
      await context.close();
    }

    const viewer = await signedInPage(t.browser, t.origin.url, VIEWER_TOKEN, '/audit/');
    try {
      await expect.poll(async () => viewer.page.locator('main').textContent(), { timeout: 15_000 }).toContain('The audit log is for operators');
      expect(await viewer.page.getByTestId('audit-table').count()).toBe(0);
    } finally {
      await viewer.context.close();
    }
  });

  it('lists each agent serving with its version and drives; a killed agent turns silent, a stopped one stopped, on the open page', { timeout: 120_000 }, async () => {
    agentX = await startSecondAgent(t.tower);
    const { context, page } = await signedInPage(t.browser, t.origin.url, VIEWER_TOKEN, '/agents/');
    try {
      const card = (id: string) => page.locator(`[data-testid="agent-card"][data-agent-id="${id}"]`);
      await card('agent-x').and(page.locator('[data-state="serving"]')).waitFor({ timeout: 15_000 });
      await card('bench-a').and(page.locator('[data-state="serving"]')).waitFor();
      expect(await page.getByTestId('agents-summary').textContent()).toBe('2 serving · 0 silent · 0 stopped');
      for (const [id, drives] of [['bench-a', ['sim:0', 'sim:1']], ['agent-x', ['sim:10', 'sim:11']]] as const) {
        const links = card(id).locator('.agent-drives a');
        expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(drives.map((d) => `/drive/?id=${encodeURIComponent(d)}`));
        expect(await card(id).locator('dd').nth(1).textContent()).toMatch(/^\d+\.\d+\.\d+/);
        expect(await card(id).getByTestId('agent-heartbeat').textContent()).toMatch(/^(just now|\d s ago)$/);
      }

      agentX.kill('SIGKILL');
      // The controller's agent timeout is 4 s here: the open page shows the agent silent, first, with a warning.
      await card('agent-x').and(page.locator('[data-state="silent"]')).waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('agent-card').first().getAttribute('data-agent-id')).toBe('agent-x');
      expect(await card('agent-x').getByTestId('agent-state').textContent()).toBe('Silent');
      expect(await card('agent-x').getByRole('status').textContent()).toContain('No heartbeat from this agent: its drives cannot burn');
      await expect.poll(async () => card('agent-x').getByTestId('agent-heartbeat').textContent(), { timeout: 10_000 }).toMatch(/^\d+ s ago, none since$/);
      expect(await page.getByTestId('agents-summary').textContent()).toBe('1 serving · 1 silent · 0 stopped');
      expect(await card('bench-a').getAttribute('data-state')).toBe('serving');

      // Started again it serves again; stopped cleanly (SIGTERM) it is shown stopped, not silent.
      agentX = await startSecondAgent(t.tower);
      await card('agent-x').and(page.locator('[data-state="serving"]')).waitFor({ timeout: 15_000 });
      agentX.kill('SIGTERM');
      await card('agent-x').and(page.locator('[data-state="stopped"]')).waitFor({ timeout: 20_000 });
      expect(await card('agent-x').getByTestId('agent-state').textContent()).toBe('Stopped');
      expect(await card('agent-x').getByRole('status').count()).toBe(0);
      expect(await page.getByTestId('agents-summary').textContent()).toBe('1 serving · 0 silent · 1 stopped');

      await card('bench-a').getByRole('link', { name: /^Sim 0|sim:0/ }).first().click();
      await page.waitForURL(/\/drive\/\?id=sim%3A0/);
    } finally {
      await context.close();
    }
  });
});

/**
 * Templates and "run again" in the operator UI (issue 15), in Debian's
 * Chromium against a real `tower start`: the new-run form saves its settings
 * as a template, the templates panel starts it (with other copies) and the
 * run has the template's settings; a finished run's Run again makes a new
 * run with the same settings.
 */
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../apps/controller/src/shared/api-types.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('templates and run again', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.5 });

  it('saves the form as a template, starts it from the panel, and runs a finished run again', async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/runs/');
    const runs = async (): Promise<RunView[]> => (await (await page.request.get(`${sim.origin.url}/api/runs`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json()) as RunView[];
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Good copies').fill('25');
      await form.getByLabel('Speed (×)').fill('4');
      await form.getByLabel('Priority').fill('7');
      await form.getByLabel('Label', { exact: true }).fill('Tpl order');
      await form.getByLabel('Template name').fill('ui-std');
      await form.getByRole('button', { name: 'Save as template' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as template “ui-std”' }).waitFor();
      expect(await runs()).toEqual([]);

      const row = page.locator('li.template[data-template="ui-std"]');
      await row.waitFor();
      expect(await row.textContent()).toMatch(/25 × .*verify all · 4× · priority 7 · all drives · label “Tpl order”/);
      await row.getByLabel('Copies for ui-std').fill('3');
      await row.getByRole('button', { name: 'Start' }).click();
      await row.getByRole('status').filter({ hasText: 'Run started: 3 copies.' }).waitFor();
      const [first] = await runs();
      expect(first).toMatchObject({ copies: 3, speed: 4, priority: 7, label: 'Tpl order', verify: 'all' });

      const card = page.locator(`article.run-card[data-run-id="${first?.id ?? ''}"]`);
      await card.getByTestId('run-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 60_000 });
      await card.getByRole('button', { name: 'Run again' }).click();
      await card.getByRole('status').filter({ hasText: 'Started again: 3 copies' }).waitFor();
      const all = await runs();
      expect(all).toHaveLength(2);
      const second = all.find((r) => r.id !== first?.id);
      const pick = (r: RunView | undefined): unknown[] => [r?.imageId, r?.copies, r?.speed, r?.priority, r?.label, r?.verify, r?.mediaClass];
      expect(pick(second)).toEqual(pick(first));
    } finally {
      await context.close();
    }
  }, 120_000);
});

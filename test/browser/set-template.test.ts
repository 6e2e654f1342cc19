/**
 * Templates of collated set runs in the UI (issue 15), in Debian's Chromium
 * against a real `tower start`: the new-run form with discs added to the set
 * saves a template that holds the set; the templates panel says so and
 * starts it with another count of sets, and the run is that set run.
 */
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../apps/controller/src/shared/api-types.js';
import type { TemplateView } from '../../apps/controller/src/shared/template-schemas.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('set templates in the UI', () => {
  const sim = useSimTower({ drives: 2, timeScale: 0.01 });

  it('saves a set run\'s form as a template and starts it as 3 sets of 2 discs', { timeout: 90_000 }, async () => {
    const { context, page } = await signedInPage(sim.browser, sim.origin.url, OPERATOR_TOKEN, '/runs/');
    const get = async <T>(route: string): Promise<T> => (await (await page.request.get(`${sim.origin.url}${route}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json()) as T;
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByRole('button', { name: 'Add a disc to the set' }).click();
      await form.getByLabel('Complete sets').fill('2');
      await form.getByLabel('Label', { exact: true }).fill('Set template');
      await form.getByLabel('Template name').fill('ui-sets');
      await form.getByRole('button', { name: 'Save as template' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as template “ui-sets”' }).waitFor();
      const saved = await get<TemplateView>('/api/templates/ui-sets');
      expect(saved.copies).toBe(2);
      expect(saved.set?.imageIds).toHaveLength(2);
      expect(saved.set?.imageIds[0]).toBe(saved.imageId);
      expect(await get<RunView[]>('/api/runs')).toEqual([]);

      const row = page.locator('li.template[data-template="ui-sets"]');
      await row.waitFor();
      expect(await row.textContent()).toMatch(/2 sets of 2 discs/);
      await row.getByLabel('Copies for ui-sets').fill('3');
      await row.getByRole('button', { name: 'Start' }).click();
      await row.getByRole('status').filter({ hasText: 'Run started: 3 sets of 2 discs.' }).waitFor();
      const [run] = await get<RunView[]>('/api/runs');
      expect(run).toMatchObject({ copies: 6, label: 'Set template', set: { discs: 2, sets: 3, imageIds: saved.set?.imageIds } });
    } finally {
      await context.close();
    }
  });
});

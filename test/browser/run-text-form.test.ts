/**
 * Labels and CD-TEXT in the new-run form (issue 15), in Debian's Chromium
 * against a real `tower start` with simulated drives: label templates are
 * listed from the API, printing without a label printer is refused by the
 * controller and the refusal shown; label merge values typed one per line
 * are checked against the limits in the browser and reach a saved
 * template and the run (`labelMerge`), which its card shows. An ISO image and an imported TOC
 * image (its TOC kept as the conversion's source, not as a burnable TOC: no
 * `tocFile`) show no CD-TEXT part and the run carries none. A mastered
 * image with a TOC file cannot be made cheaply here: the CD-TEXT part's
 * filling and request building are unit-tested in apps/ui/test/run-text-form.test.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageView, RunView } from '../../apps/controller/src/shared/api-types.js';
import type { TemplateView } from '../../apps/controller/src/shared/template-schemas.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm"><text x="10" y="20">{{runLabel}} {{merge.1}} {{merge.2}}</text></svg>';
const TOC = [
  'CD_DA', '', 'CD_TEXT {', '  LANGUAGE_MAP { 0 : EN }', '  LANGUAGE 0 { TITLE "The Album" PERFORMER "The Band" }', '}', '',
  'TRACK AUDIO', 'CD_TEXT { LANGUAGE 0 { TITLE "One" } }', 'FILE "album.bin" 0 00:04:00', '',
  'TRACK AUDIO', 'FILE "album.bin" 00:04:00 00:04:00', 'START 00:01:00', '',
].join('\n');

describe('the new-run form gives a run labels and CD-TEXT', () => {
  let root = '';
  const t = useSimTower({ drives: 2, timeScale: 0.005 }, async (tower) => {
    root = path.join(tower.dir, 'import');
    await mkdir(root, { recursive: true });
    const audio = Buffer.alloc(2352 * 600);
    for (let i = 0; i < audio.length; i += 2) audio.writeInt16BE(Math.round(8000 * Math.sin(i / 40)), i);
    await writeFile(path.join(root, 'album.bin'), audio);
    await writeFile(path.join(root, 'album.toc'), TOC, 'latin1');
    const config = JSON.parse(await readFile(tower.configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(tower.configFile, JSON.stringify({ ...config, library: { importRoots: [root] } }, null, 2));
  });

  const api = async <T>(route: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.tower.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  it('lists label templates, shows the refusal to print without a printer, and gives the run its label merge values', { timeout: 90_000 }, async () => {
    expect((await api('/api/labels/templates/disc-face', 'PUT', { svg: SVG, description: 'round face' })).status).toBe(201);
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      const form = page.getByRole('form', { name: 'New run' });
      await form.getByLabel('Image').selectOption({ index: 0 });
      await form.getByLabel('Good copies').fill('2');
      await form.getByLabel('Label', { exact: true }).fill('Labelled run');
      // Too many lines are named in the browser, before anything is sent.
      await form.getByLabel('Label merge fields').fill(Array.from({ length: 100 }, (_, i) => `v${i + 1}`).join('\n'));
      await form.getByRole('button', { name: 'Create run' }).click();
      await expect.poll(async () => form.getByRole('alert').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/Label merge fields: 100 lines, at most 99/));

      await form.getByLabel('Label merge fields').fill('ACME Records\nBatch 7\n');
      await form.getByLabel('Print a label for each good disc').check();
      expect(await form.getByLabel('Label template').inputValue()).toBe('disc-face');
      await form.getByRole('button', { name: 'Create run' }).click();
      // The simulated tower has no label printer: the controller's refusal is shown, no run made.
      await expect.poll(async () => form.getByRole('alert').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/Could not create the run: .*no label printer is configured/));
      expect((await api<RunView[]>('/api/runs')).body.some((r) => r.label === 'Labelled run')).toBe(false);

      // Saved as a template, the labels go with the settings (templates take every run setting).
      await form.getByLabel('Template name').fill('labelled');
      await form.getByRole('button', { name: 'Save as template' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as template “labelled”' }).waitFor();
      expect((await api<TemplateView>('/api/templates/labelled')).body).toMatchObject({ printLabels: true, labelTemplate: 'disc-face', labelMerge: ['ACME Records', 'Batch 7'] });

      await form.getByLabel('Print a label for each good disc').uncheck();
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Labelled run” created: 2 copies' }).waitFor();
      expect(await form.getByLabel('Label merge fields').inputValue()).toBe('');
      const run = (await api<RunView[]>('/api/runs')).body.find((r) => r.label === 'Labelled run');
      expect(run?.labelMerge).toEqual(['ACME Records', 'Batch 7']);
      expect(run?.cdText).toBeUndefined();
      const card = page.locator('article.run-card', { hasText: 'Labelled run' });
      expect(await card.getByTestId('run-label-merge').textContent()).toBe('Label merge: 1. ACME Records · 2. Batch 7');
    } finally {
      await context.close();
    }
  });

  it('offers no CD-TEXT part for an image without a burnable TOC: an ISO, or an imported TOC (kept as its source)', { timeout: 60_000 }, async () => {
    const imported = await api<ImageView>('/api/images/import', 'POST', { path: path.join(root, 'album.toc'), name: 'album' });
    expect(imported.status).toBe(201);
    const album = imported.body;
    // Only a mastered image keeps a TOC that a run's CD-TEXT is written into (toc2cue's CUE sheet drops the CD-TEXT too).
    expect(album.format).toBe('cue');
    expect(album.tocFile).toBeUndefined();
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/runs/');
    try {
      const form = page.getByRole('form', { name: 'New run' });
      const iso = (await api<ImageView[]>('/api/images')).body.find((i) => i.format === 'iso' && i.mediaClass !== null);
      if (iso === undefined) throw new Error('no ISO image in the simulated library');
      for (const id of [iso.id, album.id]) {
        await form.getByLabel('Image').selectOption(id);
        expect(await form.getByLabel('Image').inputValue()).toBe(id);
        expect(await form.getByLabel('Disc title').count()).toBe(0);
      }
      // The same form with a TOC image (mastered) does show it: apps/ui/test/run-text-form.test.ts.
      await form.getByLabel('Good copies').fill('1');
      await form.getByLabel('Label', { exact: true }).fill('Album as is');
      await form.getByRole('button', { name: 'Create run' }).click();
      await page.getByRole('status').filter({ hasText: 'Run “Album as is” created' }).waitFor();
      const run = (await api<RunView[]>('/api/runs')).body.find((r) => r.label === 'Album as is');
      expect(run?.imageId).toBe(album.id);
      expect(run?.cdText).toBeUndefined();
      expect(await page.locator('article.run-card', { hasText: 'Album as is' }).getByTestId('run-cd-text').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

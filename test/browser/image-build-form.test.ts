/**
 * Building an image from a folder in the UI (issue 14): the Images page's
 * "Build from a folder" form sends the folder (inside the tower's import
 * root), shows the build's progress and then the image, which the library
 * table lists with provenance "built"; a folder too large for the chosen
 * media is refused in words before anything is built.
 */
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageView } from '../../apps/controller/src/shared/api-types.js';
import { OPERATOR_TOKEN, signedInPage, useSimTower } from './harness.js';

describe('the Images page builds an image from a folder', () => {
  const t = useSimTower({ drives: 1 }, async (tower) => {
    const root = path.join(tower.dir, 'import');
    await mkdir(path.join(root, 'product', 'docs'), { recursive: true });
    await writeFile(path.join(root, 'product', 'docs', 'Lies mich – ünïcödé.txt'), 'hallo\n');
    await writeFile(path.join(root, 'product', 'data.bin'), '');
    await truncate(path.join(root, 'product', 'data.bin'), 30 * 1024 * 1024);
    await mkdir(path.join(root, 'huge'));
    await writeFile(path.join(root, 'huge', 'big.bin'), '');
    await truncate(path.join(root, 'huge', 'big.bin'), 900 * 1000 ** 2);
    const config = JSON.parse(await readFile(tower.configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(tower.configFile, JSON.stringify({ ...config, library: { importRoots: [root] } }, null, 2));
  });

  it('builds with progress, lists the image, and refuses a folder too large for a CD', { timeout: 120_000 }, async () => {
    const root = path.join(t.tower.dir, 'import');
    const { context, page } = await signedInPage(t.browser, t.origin.url, OPERATOR_TOKEN, '/images/');
    try {
      const form = page.locator('section[aria-labelledby="build-image"]');
      await form.locator('#bld-folder').fill(path.join(root, 'huge'));
      await form.locator('#bld-name').fill('Huge');
      await form.locator('#bld-media').selectOption('cd');
      await form.getByRole('button', { name: 'Build image' }).click();
      await expect.poll(async () => form.getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/Build refused: .*cd holds 405000/);

      await form.locator('#bld-folder').fill(path.join(root, 'product'));
      await form.locator('#bld-name').fill('Product files');
      await form.getByRole('button', { name: 'Build image' }).click();
      await expect.poll(async () => form.getByRole('status').textContent(), { timeout: 60_000 }).toMatch(/Built “Product files” .*in the library/);
      expect(await form.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
      const row = page.locator('tr', { has: page.getByRole('link', { name: 'Product files' }) });
      await expect.poll(async () => row.locator('td').nth(5).textContent(), { timeout: 15_000 }).toBe('built');

      const res = await fetch(`${t.tower.url}/api/images`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
      const built = ((await res.json()) as ImageView[]).find((i) => i.name === 'Product files');
      expect(built).toMatchObject({ format: 'iso', volumeLabel: 'PRODUCT_FILES', provenance: { kind: 'built' } });
      expect(built?.filesystems).toEqual(expect.arrayContaining(['joliet', 'rockRidge']));
    } finally {
      await context.close();
    }
  });
});

/**
 * Mastering on the simulated tower, with the built `tower` CLI: a copy
 * burned and verified on a simulated drive without an auto-loader stays on
 * its open tray (with one, it goes to the loader's output), and
 * `tower master <drive> --wait` reads it back into the library with the
 * source image's SHA-256; `tower drive insert <drive> --image <id>` puts a
 * pressed disc of a library image into a simulated drive, which masters the
 * same way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DriveView, ImageView, MasterView } from '../../src/shared/api-types.js';
import { Api, FAST, OPERATOR_TOKEN, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Run the CLI against the tower; resolves with its exit code and output. */
async function cli(url: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new TowerProcess([...args, '--url', url, '--json'], { TOWER_TOKEN: OPERATOR_TOKEN });
  cleanups.push(() => p.stop('SIGKILL'));
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** `tower master <drive> --name <name> --wait`: the image it made. */
async function masterWithCli(api: Api, driveId: string, name: string): Promise<ImageView> {
  const res = await cli(api.url, ['master', driveId, '--name', name, '--wait']);
  expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
  const master = JSON.parse(res.stdout) as MasterView;
  expect(master).toMatchObject({ status: 'done', unreadableSectors: 0 });
  return api.get<ImageView>(`/api/images/${master.imageId ?? ''}`);
}

describe('mastering on the simulated tower', () => {
  it('masters the copy a simulated drive burned, then a pressed disc put in with `tower drive insert`: SHA-256 equal to the source', { timeout: 90_000 }, async () => {
    const tmp = tempDir('tower-e2e-sim-master-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      agent: { id: 'e2e-sim-master', ...FAST.agentTiming, simulated: { count: 1, media: 'CD-R', timeScale: 0.01, autoLoader: false } },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const [source] = await api.images();
    if (source === undefined) throw new Error('no sample image in the library');

    // Burn one verified copy on sim:0.
    const created = await api.createRun({ imageId: source.id, copies: 1, verify: 'all' });
    await waitForRun(api, created.id, 'completed', 60_000);
    const done = await waitFor(async () => (await api.drives()).find((d) => d.id === 'sim:0' && d.state === 'done'), 10_000, 'sim:0 done');
    // The passed copy waits on the open tray: the drive can be mastered from.
    expect(done).toMatchObject({ simulated: true, canMaster: true, cannotMasterReason: null });

    const burned = await masterWithCli(api, 'sim:0', 'Burned copy');
    expect(burned.sizeBytes).toBe(source.sizeBytes);
    expect(burned.sha256).toBe(source.sha256);
    expect(burned.provenance.kind).toBe('mastered');

    // A pressed disc of the library image, put in through the CLI, masters byte-identical too.
    const put = await cli(api.url, ['drive', 'insert', 'sim:0', '--image', source.id]);
    expect(put.code, `${put.stdout}\n${put.stderr}`).toBe(0);
    const view = JSON.parse(put.stdout) as DriveView;
    expect(view).toMatchObject({ id: 'sim:0', canMaster: true });
    const pressed = await masterWithCli(api, 'sim:0', 'Pressed disc');
    expect(pressed.sha256).toBe(source.sha256);

    // A blank put in: the drive takes copies again, and cannot be mastered from.
    const blank = await cli(api.url, ['drive', 'insert', 'sim:0', '--blank', 'CD-R']);
    expect(blank.code, `${blank.stdout}\n${blank.stderr}`).toBe(0);
    expect(JSON.parse(blank.stdout)).toMatchObject({ state: 'blank', mediaType: 'CD-R', canMaster: false });
  });
});

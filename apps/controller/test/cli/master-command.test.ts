import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import type { MasterView } from '../../src/shared/api-types.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { fakeClient } from './fake-client.js';

function makeMaster(over: Partial<MasterView> = {}): MasterView {
  return {
    id: 'm-1', driveId: 'sim:0', name: 'Golden', status: 'reading', bytesRead: 0, bytesTotal: 10_000_000, speedMBps: 5,
    etaSeconds: 2, unreadableSectors: 0, damage: [], imageId: null, error: null, startedAt: 1_000, endedAt: null, ...over,
  };
}

describe('tower master', () => {
  it('posts the request and prints the master', async () => {
    const { fetch, sent } = fakeFetch(() => json(202, makeMaster({ status: 'queued' })));
    const result = await runCli(['master', 'sim:0', '--name', 'Golden', '--format', 'bin-cue', '--allow-damaged', '--retries', '5'], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(sent[0]?.url.pathname).toBe('/api/masters');
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ driveId: 'sim:0', name: 'Golden', format: 'bin-cue', allowDamaged: true, retries: 5 });
    expect(result.stdout).toBe("master m-1 'Golden' on sim:0: queued\nfollow it with: tower watch\n");
  });

  it('checks its options locally', async () => {
    const { fetch, sent } = fakeFetch(() => json(202, makeMaster()));
    for (const args of [['--name', 'x', '--format', 'wav'], ['--name', 'x', '--retries', '21'], ['--name', ' '], []]) {
      const result = await runCli(['master', 'sim:0', ...args], { fetch });
      expect(result.code, args.join(' ')).toBe(EXIT.usage);
    }
    expect(sent).toHaveLength(0);
  });

  it('--wait exits 0 when the master is done, 1 when it failed', async () => {
    let polls = 0;
    const done = fakeClient({
      createMaster: async () => makeMaster({ status: 'queued' }),
      getMaster: async () => (++polls < 3 ? makeMaster({ bytesRead: polls * 4_000_000 }) : makeMaster({ status: 'done', bytesRead: 10_000_000, imageId: 'img-7', endedAt: 5_000 })),
    });
    const ok = await runCli(['master', 'sim:0', '--name', 'Golden', '--wait'], { client: done });
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toBe("mastered 10.0 MB in 0:04: image img-7\nmaster m-1 'Golden' on sim:0: done, image img-7\n");

    const failed = fakeClient({
      createMaster: async () => makeMaster(),
      getMaster: async () => makeMaster({ status: 'failed', error: { code: 'MEDIUM_ERROR', message: '12 unreadable sectors' } }),
    });
    const bad = await runCli(['master', 'sim:0', '--name', 'Golden', '--wait'], { client: failed });
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.stderr).toMatch(/tower: master m-1 failed: 12 unreadable sectors \(MEDIUM_ERROR\) \[MASTER_FAILED\]\n$/);
  });
});

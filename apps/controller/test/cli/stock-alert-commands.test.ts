/**
 * `tower stock …` and `tower alerts …` against the real API (the test app
 * of test/api/support.ts) through the real HTTP client: receipts,
 * corrections and levels printed as a line or, with --json, as the API's
 * StockLevel; the table; the alerts and the delivery log; and `tower run`
 * warning of a run the stock cannot cover, in a line or in its JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR, startEnv } from '../api/support.js';
import type { Env } from '../api/support.js';
import { runCli } from './cli-harness.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
});
afterAll(async () => env?.stop());

const tower = (argv: string[]) => runCli(argv, { env: { TOWER_TOKEN: OPERATOR, TOWER_URL: env.url } });

describe('tower stock and tower alerts', () => {
  it('records, corrects and lists the stock; warns of a run it cannot cover', async () => {
    const received = await tower(['stock', 'receive', 'cd-r', '3', '--note', 'PO 77', '--json']);
    expect(received).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(received.stdout)).toEqual({ mediaType: 'CD-R', received: 3, used: 0, wasted: 0, adjusted: 0, onHand: 3, threshold: null, low: false });
    expect(await tower(['stock', 'adjust', 'CD-R', '--by', '-1', '--reason', 'one cracked'])).toMatchObject({
      code: 0, stdout: 'CD-R: 2 on hand (received 3, used 0, wasted 0, adjusted -1)\n',
    });
    expect((await tower(['stock', 'threshold', 'CD-R', '2'])).stdout).toBe('CD-R: low-stock alert at 2; CD-R: 2 on hand (received 3, used 0, wasted 0, adjusted -1) — LOW\n');
    const table = (await tower(['stock'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^TYPE\s+ON HAND\s+RECEIVED\s+USED\s+WASTED\s+ADJUSTED\s+LOW AT$/);
    expect(table).toMatch(/CD-R\s+2\s+3\s+0\s+0\s+-1\s+2\s+LOW/);
    const audit = await env.redis.lrange(env.runStore.keys.audit(), 0, -1);
    expect(audit.map((e) => (JSON.parse(e) as { action: string }).action).filter((a) => a.startsWith('stock.'))).toEqual(['stock.threshold', 'stock.adjust', 'stock.receive']);

    const run = await tower(['run', env.image.id, '--copies', '5']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: blank stock may not cover this run: 5 copies wanted, 2 CD blanks on hand (CD-R 2), before any coaster\n');
    const json = await tower(['run', env.image.id, '--copies', '5', '--json']);
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual(['blank stock may not cover this run: 5 copies wanted, 2 CD blanks on hand (CD-R 2), before any coaster']);
    expect((await tower(['run', env.image.id, '--copies', '2'])).stderr).not.toContain('blank stock');
  });

  it('lists the alerts and the delivery log', async () => {
    const list = await tower(['alerts', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveProperty('active');
    const deliveries = await tower(['alerts', 'deliveries', '--limit', '5', '--json']);
    expect(JSON.parse(deliveries.stdout)).toEqual([]);
    expect((await tower(['alerts', 'deliveries'])).stdout).toBe('No deliveries yet (no webhook or email configured, or nothing alerted).\n');
  });
});

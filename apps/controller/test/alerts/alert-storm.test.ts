/**
 * No storms: a condition that holds over many drive updates (and many looks
 * of the alert engine) is one webhook while it holds, its end one more, and
 * a condition that comes back is alerted again. On the real app (Redis,
 * drive views from published states) with a real node:http receiver; the
 * engine looks every 50 ms, so 40 updates over a second span some 20 looks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAlerts } from '../../src/config/alerts-config.js';
import type { AlertViewType } from '../../src/shared/alert-schemas.js';
import type { LoaderFacts } from '@tower/jobs';
import { heartbeat, publishState, startEnv, waitFor } from '../api/support.js';
import type { Env } from '../api/support.js';
import { startWebhookReceiver } from './alert-receivers.js';

const DRIVE = '/dev/sr0';
let env: Env;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let beat: NodeJS.Timeout;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  env = await startEnv({
    deps: {
      driveLayout: { [DRIVE]: { label: 'Loader A' } },
      agentTimeoutMs: 1000,
      alertTickMs: 50,
      alerts: resolveAlerts({ webhooks: [{ url: hook.url, secret: 'storm-test-secret-0123' }], retry: { attempts: 1, backoffMs: 10 } }),
      log: () => undefined,
    },
  });
  await heartbeat(env, 'agent-a', [DRIVE]);
  beat = setInterval(() => void heartbeat(env, 'agent-a', [DRIVE]), 200);
});
afterAll(async () => {
  clearInterval(beat);
  await env?.stop();
  await hook?.close();
});

const stock = (extra: Partial<LoaderFacts> = {}): LoaderFacts => ({
  blanks: 5, driveLoaded: true, passed: 0, rejected: 0, outputFree: null, rejectFree: 10, needsPerson: null, ...extra,
});
const sent = (kind: string, key: string): number =>
  hook.received.map((r) => JSON.parse(r.body) as AlertViewType).filter((a) => a.kind === kind && a.key === key).length;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('alerts without storms', () => {
  it('an empty loader over 40 drive updates is one alert, refilled one clearing; empty again, one more', async () => {
    const key = `loader-input-empty:${DRIVE}`;
    await publishState(env, DRIVE, { state: 'blank', mediaType: 'DVD-R', autoLoader: true, loader: stock() });
    await pause(1300); // past the start's grace: clearing is allowed from now on
    for (let i = 0; i < 40; i++) {
      await publishState(env, DRIVE, { state: 'empty', autoLoader: true, loader: stock({ blanks: 0, driveLoaded: false, passed: i, needsPerson: 'input-empty' }) });
      await pause(25);
    }
    await waitFor(() => sent('raised', key) >= 1, 5000, 'the raised alert');
    await pause(300);
    expect(sent('raised', key)).toBe(1);
    expect(sent('cleared', key)).toBe(0);

    for (let i = 0; i < 20; i++) {
      await publishState(env, DRIVE, { state: 'blank', mediaType: 'DVD-R', autoLoader: true, loader: stock({ blanks: 50 - i, passed: 40 + i }) });
      await pause(25);
    }
    await waitFor(() => sent('cleared', key) >= 1, 5000, 'the cleared alert');
    await pause(300);
    expect(sent('cleared', key)).toBe(1);
    expect(sent('raised', key)).toBe(1);
    const cleared = hook.received.map((r) => JSON.parse(r.body) as AlertViewType).find((a) => a.kind === 'cleared');
    expect(cleared?.message).toMatch(/^Cleared: Loader A: /);

    await publishState(env, DRIVE, { state: 'empty', autoLoader: true, loader: stock({ blanks: 0, driveLoaded: false, needsPerson: 'input-empty' }) });
    await waitFor(() => sent('raised', key) === 2, 5000, 'the second raised alert');
  });
});

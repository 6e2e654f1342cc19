/**
 * Alerts that reach a person, and the blank stock, on `tower start` with
 * simulated drives: a local webhook receiver and a local SMTP server get
 * the right messages for a scripted run (a drive quarantined by a sticky
 * write fault, the stock running low, the run done), signed; a receiver
 * that fails first gets the alert on a later try after a doubling backoff;
 * an unreachable one stops nothing. A condition that holds over many drive
 * updates is one alert, its clearing one more, and a restarted controller
 * sends none again. The stock's counts are exact after a run with coasters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/alerts/webhook-signature.js';
import type { AlertDelivery, AlertViewType } from '../../src/shared/alert-schemas.js';
import type { StockLevelView } from '../../src/shared/stock-schemas.js';
import type { AuditEntry } from '../../src/shared/api-types.js';
import { startSmtpServer, startWebhookReceiver } from '../alerts/alert-receivers.js';
import type { Received } from '../alerts/alert-receivers.js';
import { Api, FAST, sleep, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

const SECRET = 'e2e-webhook-secret-0123456789';
const BACKOFF_MS = 400;

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const alertsOf = (list: readonly Received[]): AlertViewType[] => list.filter((r) => r.status === 200).map((r) => JSON.parse(r.body) as AlertViewType);
const count = (alerts: readonly AlertViewType[], kind: string, key: string): number => alerts.filter((a) => a.kind === kind && a.key === key).length;

describe('alerts and blank stock on simulated drives', () => {
  it('webhooks (signed, retried) and email get one alert per condition, the stock counts exactly, a restart re-sends nothing', { timeout: 120_000 }, async () => {
    const hook = await startWebhookReceiver();
    cleanups.push(hook.close);
    const flaky = await startWebhookReceiver(2);
    cleanups.push(flaky.close);
    const smtp = await startSmtpServer();
    const gone = await startWebhookReceiver();
    await gone.close(); // its port refuses: an unreachable receiver
    cleanups.push(smtp.close);
    const tmp = tempDir('tower-e2e-alerts-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      alerts: {
        webhooks: [
          { url: hook.url, secret: SECRET },
          { url: flaky.url, secret: SECRET, conditions: ['run-completed'] },
          { url: gone.url, secret: SECRET, conditions: ['run-completed'] },
        ],
        email: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false }, from: 'tower@example.com', to: ['floor@example.com'], conditions: ['run-completed', 'drive-quarantined'] },
        retry: { attempts: 3, backoffMs: BACKOFF_MS },
      },
      agent: {
        id: 'e2e-alerts', quarantineAfter: 2, ...FAST.agentTiming,
        simulated: { count: 3, media: 'CD-R', timeScale: 0.01, autoLoader: true, faults: { 0: { writeErrorAt: 30, sticky: true } } },
      },
    });
    let tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    let api = new Api(await tower.url());

    // Stock: 5 CD-R received, low at 3; a run of 6 is warned of, and made.
    await api.post('/api/stock/received', { mediaType: 'CD-R', count: 5, note: 'delivery 1' });
    await api.post('/api/stock/threshold', { mediaType: 'CD-R', threshold: 3 });
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 6, verify: 'all', maxAttemptsPerCopy: 3 }) as { id: string; warnings?: string[] };
    expect(created.warnings?.[0]).toMatch(/stock may not cover this run: 6 copies wanted, 5 CD blanks on hand/);
    await waitForRun(api, created.id, 'completed', 60_000);

    // Exact counts: one blank per attempt that wrote a disc, the coasters wasted.
    const history = await api.history(created.id);
    const wrote = history.filter((a) => a.outcome !== undefined && a.outcome !== null);
    const coasters = wrote.filter((a) => a.outcome !== 'passed');
    expect(coasters.length).toBeGreaterThanOrEqual(2);
    await api.post('/api/stock/adjust', { mediaType: 'CD-R', delta: -1, reason: 'a blank dropped on the floor' });
    const [stock] = await api.get<StockLevelView[]>('/api/stock');
    expect(stock).toMatchObject({ mediaType: 'CD-R', received: 5, used: wrote.length, wasted: coasters.length, adjusted: -1, onHand: 5 - 1 - wrote.length, threshold: 3, low: true });
    const audit = await api.get<AuditEntry[]>('/api/audit');
    expect(audit.find((e) => e.action === 'stock.adjust')?.detail).toContain('a blank dropped on the floor');

    // The webhook: quarantine raised once (many drive updates later), stock low once, the run's end once.
    await waitFor(() => count(alertsOf(hook.received), 'event', `run-completed:${created.id}`) === 1, 10_000, 'the run-completed webhook');
    await sleep(1500);
    const got = alertsOf(hook.received);
    expect(count(got, 'raised', 'drive-quarantined:sim:0')).toBe(1);
    expect(count(got, 'raised', 'stock-low:CD-R')).toBe(1);
    expect(count(got, 'event', `run-completed:${created.id}`)).toBe(1);
    expect(got.find((a) => a.key === `run-completed:${created.id}`)?.message).toMatch(/completed: 6 of 6 good discs/);
    for (const r of hook.received) {
      expect(verifyWebhook(SECRET, { timestamp: r.headers['x-tower-timestamp'] as string, signature: r.headers['x-tower-signature'] as string }, r.body)).toBe(true);
      expect(verifyWebhook('another-secret-0123456789', { timestamp: r.headers['x-tower-timestamp'] as string, signature: r.headers['x-tower-signature'] as string }, r.body)).toBe(false);
    }

    // The flaky receiver: 503, 503, then taken, each try after a doubling wait; the unreachable one given up, the run done regardless.
    await waitFor(() => flaky.received.length === 3, 10_000, 'the third try');
    expect(flaky.received.map((r) => r.status)).toEqual([503, 503, 200]);
    const [t1, t2, t3] = flaky.received.map((r) => r.at) as [number, number, number];
    expect(t2 - t1).toBeGreaterThanOrEqual(BACKOFF_MS - 50);
    expect(t3 - t2).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 50);
    const log = await waitFor(async () => {
      const l = await api.get<AlertDelivery[]>('/api/alerts/deliveries?limit=1000');
      return l.some((d) => d.target === gone.url && d.status === 'failed') ? l : null;
    }, 10_000, 'the unreachable receiver given up');
    const ofFlaky = log.filter((d) => d.target === flaky.url).reverse();
    expect(ofFlaky.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([[1, 'retrying', 503], [2, 'retrying', 503], [3, 'delivered', 200]]);
    expect(log.filter((d) => d.target === gone.url).map((d) => d.status).sort()).toEqual(['failed', 'retrying', 'retrying']);
    expect(tower.stdout + tower.stderr).toContain(`alerts: webhook ${gone.url} did not take event run-completed:${created.id} (try 1 of 3): ECONNREFUSED`);

    // Email: the quarantine and the run's end, one each.
    // Quoted-printable soft line breaks undone: the text as written.
    const mails = (): string[] => smtp.messages.map((m) => m.replace(/=\r\n/g, ''));
    const ofRun = (m: string): boolean => m.includes('Condition: run-completed') && m.includes(`Subject: ${created.id}`);
    await waitFor(() => mails().some(ofRun), 10_000, 'the run-completed email');
    expect(mails().filter((m) => m.includes('Condition: drive-quarantined') && m.includes('Subject: sim:0') && m.includes('Kind: raised'))).toHaveLength(1);
    expect(mails().filter(ofRun)).toHaveLength(1);

    // Released: the quarantine is cleared once.
    await api.post('/api/drives/sim:0/release', {});
    await waitFor(() => count(alertsOf(hook.received), 'cleared', 'drive-quarantined:sim:0') === 1, 10_000, 'the cleared webhook');

    // A restart sends nothing again (stock still low, the run still done).
    const before = hook.received.length;
    expect((await tower.stop('SIGTERM')).code).toBe(0);
    tower = new TowerProcess(['start', '--config', config]);
    api = new Api(await tower.url());
    await sleep(FAST.controller.agentTimeoutMs + 4000);
    expect((await api.get<{ active: AlertViewType[] }>('/api/alerts')).active.map((a) => a.key)).toEqual(['stock-low:CD-R']);
    expect(alertsOf(hook.received.slice(before))).toEqual([]);
  });

  it('a loader out of blanks is one webhook and one email, its refill one clearing each; the run done one more', { timeout: 90_000 }, async () => {
    const hook = await startWebhookReceiver();
    cleanups.push(hook.close);
    const smtp = await startSmtpServer();
    cleanups.push(smtp.close);
    const tmp = tempDir('tower-e2e-alerts-loader-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      alerts: {
        webhooks: [{ url: hook.url, secret: SECRET, conditions: ['loader-input-empty', 'run-completed'] }],
        email: { smtp: { host: '127.0.0.1', port: smtp.port }, from: 'tower@example.com', to: ['floor@example.com'], conditions: ['loader-input-empty'] },
      },
      agent: { id: 'e2e-alerts-loader', ...FAST.agentTiming, simulated: { count: 1, media: 'CD-R', timeScale: 0.01, autoLoader: true, loader: { blanks: 2, rejectBin: 20 } } },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 4, verify: 'all' });
    const key = 'loader-input-empty:sim:0';
    await waitFor(() => count(alertsOf(hook.received), 'raised', key) === 1, 45_000, 'the loader-input-empty webhook');
    await sleep(1500); // the drive keeps publishing while it waits: still one alert
    expect(count(alertsOf(hook.received), 'raised', key)).toBe(1);
    expect(alertsOf(hook.received).find((a) => a.key === key)?.message).toMatch(/Load blanks into Sim 0/);
    await api.post('/api/drives/sim:0/loader/blanks', { count: 5 });
    await waitForRun(api, created.id, 'completed', 45_000);
    await waitFor(() => count(alertsOf(hook.received), 'event', `run-completed:${created.id}`) === 1, 10_000, 'the run-completed webhook');
    await waitFor(() => count(alertsOf(hook.received), 'cleared', key) === 1, 10_000, 'the cleared webhook');
    await sleep(1000);
    expect(count(alertsOf(hook.received), 'raised', key)).toBe(1);
    expect(count(alertsOf(hook.received), 'cleared', key)).toBe(1);
    await waitFor(() => smtp.messages.length === 2, 10_000, 'two emails');
    expect(smtp.messages.map((m) => /Kind: (raised|cleared)/.exec(m)?.[1])).toEqual(['raised', 'cleared']);
    for (const r of hook.received) {
      expect(verifyWebhook(SECRET, { timestamp: r.headers['x-tower-timestamp'] as string, signature: r.headers['x-tower-signature'] as string }, r.body)).toBe(true);
    }
  });
});

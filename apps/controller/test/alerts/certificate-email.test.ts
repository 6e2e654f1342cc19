/**
 * The run-done email with the run's certificate attached (alerts
 * `email.attachCertificate`): a real run finished with real attempt
 * records, the alert engine's email reaching a real SMTP server, the PDF
 * taken out of the message and read with poppler's `pdftotext`. A
 * certificate that cannot be made never stops the email.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../src/alerts/alert-dispatcher.js';
import { DeliveryLog } from '../../src/alerts/delivery-log.js';
import { resolveAlerts } from '../../src/config/alerts-config.js';
import type { AlertViewType } from '../../src/shared/alert-schemas.js';
import { call, startEnv, waitFor } from '../api/support.js';
import type { Env } from '../api/support.js';
import { startSmtpServer } from './alert-receivers.js';

let env: Env;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

const emailConfig = (port: number, attachCertificate: boolean) => resolveAlerts({
  email: { smtp: { host: '127.0.0.1', port, secure: false }, from: 'tower@example.com', to: ['floor@example.com'], conditions: ['run-completed'], attachCertificate },
  retry: { attempts: 1, backoffMs: 10 },
});

beforeAll(async () => {
  smtp = await startSmtpServer();
  env = await startEnv({ deps: { alerts: emailConfig(smtp.port, true), alertTickMs: 50, log: () => undefined } });
});
afterAll(async () => {
  await env?.stop();
  await smtp?.close();
});

/** The base64 body of the MIME part with this content type, decoded. */
function mimePart(message: string, contentType: string): Buffer | null {
  const at = message.indexOf(`Content-Type: ${contentType}`);
  if (at < 0) return null;
  const body = message.slice(at).split(/\r?\n\r?\n/)[1] ?? '';
  return Buffer.from(body.split(/\r?\n--/)[0]?.replace(/\s+/g, '') ?? '', 'base64');
}

describe('run-done email with the certificate', () => {
  it('attaches the finished run\'s certificate as a PDF', async () => {
    const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, label: 'Mailed batch', customer: { name: 'Globex' } } });
    expect(res.status, res.text).toBe(201);
    const runId = res.body.id as string;
    const t0 = Date.now();
    const start = { runId, copy: 1, jobId: `${runId}/1`, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
    expect((await env.runStore.beginAttempt({ ...start, id: 'mail-1', driveId: 'sim:3', driveLabel: 'Bay 4', startedAt: t0 })).ok).toBe(true);
    await env.runStore.endAttempt('mail-1', { outcome: 'passed', endedAt: t0 + 1000, verifyResult: 'passed' });
    expect((await call(env, 'GET', `/api/runs/${runId}`)).body.status).toBe('completed');
    // No agent runs here to tell the planner: the controller's own signal of a run's change tells the alert engine.
    env.app.services.events.emit('run-changed', runId);
    const message = await waitFor(() => smtp.messages.find((m) => m.replace(/=\r\n/g, '').includes(`Subject: ${runId}`)), 10_000, 'the run-completed email');
    expect(message).toContain(`run-${runId}-certificate.pdf`);
    const pdf = mimePart(message, 'application/pdf');
    expect(pdf?.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = path.join(env.dir, 'mailed.pdf');
    writeFileSync(file, pdf ?? Buffer.alloc(0));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of ['Run certificate', 'Mailed batch', 'Globex', env.image.sha256, '1 of 1 good discs', 'Bay 4', 'olga']) {
      expect(text, expected).toContain(expected);
    }
  });

  it('sends the email without the certificate when it cannot be made, and says so', async () => {
    const redis = new Redis(env.redisServer.url);
    const said: string[] = [];
    const dispatcher = new AlertDispatcher({
      config: emailConfig(smtp.port, true), log: new DeliveryLog(redis, env.runStore.keys), tower: 'tower', line: (l) => said.push(l),
      certificate: () => Promise.reject(new Error('the PDF renderer broke')),
    });
    const alert: AlertViewType = {
      id: 'alert-cert-broken', key: 'run-completed:run-x', condition: 'run-completed', subject: 'run-x', kind: 'event',
      message: 'Run run-x completed: 1 of 1 good discs, 0 coasters', at: Date.now(),
    } as AlertViewType;
    dispatcher.dispatch(alert);
    const message = await waitFor(() => smtp.messages.find((m) => m.includes('alert-cert-broken')), 10_000, 'the email');
    await dispatcher.close();
    await redis.quit();
    expect(message).not.toContain('application/pdf');
    expect(said.join('\n')).toMatch(/certificate of run run-x could not be made, the email goes without it: the PDF renderer broke/);
  });
});

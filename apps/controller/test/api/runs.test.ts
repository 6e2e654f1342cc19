import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, queuedCopies, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';
import type { CopyJob } from '@tower/jobs';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { driveLayout: { 'sim:0': { group: 'left' }, 'sim:1': { group: 'left' }, 'sim:2': {} } } });
});
afterAll(async () => env?.stop());

const LONG_OUTPUT = `cdrecord: Input/output error. write_g1: scsi sendcmd: no error\n${'CDB:  2A 00 00 00 1F 40 00 00 1F 00\n'.repeat(200)}"end", of output`;

async function writeAttempts(runId: string): Promise<void> {
  const base = { runId, jobId: `${runId}/1`, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
  const t0 = Date.now();
  expect((await env.runStore.beginAttempt({ ...base, id: 'att-1', copy: 1, driveId: 'sim:0', startedAt: t0 })).ok).toBe(true);
  await env.runStore.endAttempt('att-1', {
    outcome: 'failed', endedAt: t0 + 1000,
    error: {
      code: 'WRITE_FAILED', message: 'write failed at 42%, "medium error", sector 8000', retryable: true, driveFault: true, needsOperator: false,
      tool: { tool: 'cdrecord', exitCode: 255, signal: null, output: LONG_OUTPUT },
    },
  });
  expect((await env.runStore.beginAttempt({ ...base, id: 'att-2', copy: 1, driveId: 'sim:1', driveLabel: 'sr1 IET VIRTUAL-CDROM', startedAt: t0 + 2000 })).ok).toBe(true);
  await env.runStore.endAttempt('att-2', { outcome: 'passed', endedAt: t0 + 3000, bytes: env.image.sizeBytes, averageSpeedX: 24, verifyResult: 'passed' });
}

describe('runs', () => {
  let runId = '';

  it('creates a run: 201, listed, N jobs in the CD queue, audited with who', async () => {
    const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 3, verify: { everyNth: 2 }, label: 'Batch "A", 2024', priority: 5, drives: ['left'] } });
    expect(res.status, res.text).toBe(201);
    runId = res.body.id;
    expect(res.body).toMatchObject({
      imageId: env.image.id, imageName: 'Test image', label: 'Batch "A", 2024', mediaClass: 'cd', copies: 3, status: 'queued', verify: 'every-nth:2',
      priority: 5, passed: 0, remaining: 3, createdBy: 'olga', discsPerHour: null, etaSeconds: null,
    });
    expect((await env.runStore.getRun(runId))?.allowedDrives).toEqual(['sim:0', 'sim:1']);
    expect(await queuedCopies(env)).toBe(3);
    // The library's record of the image file goes with every copy, so verification need not hash it again.
    const identity = env.library.get(env.image.id)?.fileIdentity;
    expect(identity).toMatch(/^\d+:\d+:\d+:\d+:\d+$/);
    expect((await env.runStore.getRun(runId))?.image.identity).toBe(identity);
    const jobs = await env.cdQueue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.map((j) => (j.data as CopyJob).image.identity)).toEqual([identity, identity, identity]);
    const list = await call(env, 'GET', '/api/runs', { token: VIEWER });
    expect(list.body.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect((await call(env, 'GET', `/api/runs/${runId}`)).body.id).toBe(runId);
    const audit = await call(env, 'GET', '/api/audit');
    expect(audit.body[0]).toMatchObject({ who: 'olga', role: 'operator', action: 'run.create', target: runId });
  });

  it('refuses to delete an image an unfinished run uses (409), and lists it in use', async () => {
    const res = await call(env, 'DELETE', `/api/images/${env.image.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('IMAGE_IN_USE');
    expect((await call(env, 'GET', `/api/images/${env.image.id}`)).body.inUse).toBe(true);
  });

  it('pauses, refuses a second pause, resumes', async () => {
    const paused = await call(env, 'POST', `/api/runs/${runId}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    const again = await call(env, 'POST', `/api/runs/${runId}/pause`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const resumed = await call(env, 'POST', `/api/runs/${runId}/resume`);
    expect(resumed.body.status).toBe('running');
    expect((await call(env, 'POST', `/api/runs/${runId}/resume`)).status).toBe(409);
  });

  it('reports every attempt as JSON and CSV (RFC 4180, full error text)', async () => {
    await writeAttempts(runId);
    const json = await call(env, 'GET', `/api/runs/${runId}/report`, { token: VIEWER });
    expect(json.status).toBe(200);
    expect(json.body.run).toMatchObject({ id: runId, passed: 1, failed: 1, remaining: 2 });
    expect(json.body.run.discsPerHour).toBeGreaterThan(0);
    expect(json.body.attempts.map((a: { id: string }) => a.id)).toEqual(['att-1', 'att-2']);
    expect(json.body.attempts[0].error).toEqual({ code: 'WRITE_FAILED', message: 'write failed at 42%, "medium error", sector 8000', output: LONG_OUTPUT });
    const csv = await call(env, 'GET', `/api/runs/${runId}/report?format=csv`, { token: VIEWER });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('attemptId,runId,runLabel,copy,driveId,driveLabel,agentId,mediaType,imageSha256,startedAt,endedAt,durationSeconds,bytes,averageSpeedX,verifyPolicy,verifyResult,outcome,counted,surplus,errorCode,errorMessage,errorOutput,mergeRow,mergeLabel,setNumber,setDisc');
    expect(csv.text).toContain('"write failed at 42%, ""medium error"", sector 8000"');
    expect(csv.text).toContain(`"${LONG_OUTPUT.replace(/"/g, '""')}"`);
    expect(csv.text.endsWith('\r\n')).toBe(true);
    // The run's label on every line, quoted as RFC 4180 asks.
    expect(lines[1]?.startsWith(`att-1,${runId},"Batch ""A"", 2024",1,sim:0,,agent-a,CD-R,`), lines[1]).toBe(true);
    expect(json.body.attempts[1].runLabel).toBe('Batch "A", 2024');
  });

  it('serves history with filters as JSON and CSV', async () => {
    const all = await call(env, 'GET', '/api/history');
    expect(all.body.map((a: { id: string }) => a.id)).toEqual(['att-1', 'att-2']);
    const failed = await call(env, 'GET', '/api/history?outcome=failed');
    expect(failed.body.map((a: { id: string }) => a.id)).toEqual(['att-1']);
    const byDrive = await call(env, 'GET', '/api/history?driveId=sim:1');
    expect(byDrive.body.map((a: { id: string }) => a.id)).toEqual(['att-2']);
    // The drive as the operator knew it when the attempt began; none recorded for att-1.
    expect(byDrive.body[0].driveLabel).toBe('sr1 IET VIRTUAL-CDROM');
    expect(failed.body[0].driveLabel).toBeNull();
    const byRun = await call(env, 'GET', `/api/history?runId=${runId}&limit=1`);
    expect(byRun.body.map((a: { id: string }) => a.id)).toEqual(['att-2']);
    const att2Start = byRun.body[0].startedAt as number;
    expect((await call(env, 'GET', `/api/history?from=${att2Start}`)).body.map((a: { id: string }) => a.id)).toEqual(['att-2']);
    expect((await call(env, 'GET', `/api/history?to=${att2Start - 1}`)).body.map((a: { id: string }) => a.id)).toEqual(['att-1']);
    const csv = await call(env, 'GET', '/api/history?format=csv');
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]?.startsWith('attemptId,runId,runLabel,copy,driveId,driveLabel')).toBe(true);
    expect(all.body[1].runLabel).toBe('Batch "A", 2024');
    expect(csv.text).toContain('att-1,');
    expect(csv.text).toContain('att-2,');
    // Run label and drive label on the line.
    expect(csv.text).toContain(`\r\natt-2,${runId},"Batch ""A"", 2024",1,sim:1,sr1 IET VIRTUAL-CDROM,agent-a,`);
    expect(csv.text.match(/\r\natt-/g)).toHaveLength(2);
  });

  it('computes drive stats from attempts', async () => {
    const stats = await call(env, 'GET', '/api/stats/drives');
    const s0 = stats.body.find((s: { driveId: string }) => s.driveId === 'sim:0');
    const s1 = stats.body.find((s: { driveId: string }) => s.driveId === 'sim:1');
    expect(s0).toMatchObject({ discs: 1, passed: 0, failed: 1, failureRate: 1, lastError: { code: 'WRITE_FAILED' } });
    expect(s1).toMatchObject({ discs: 1, passed: 1, failed: 0, failureRate: 0, totalBytes: env.image.sizeBytes, lastError: null });
  });

  it('cancels: queued jobs removed, a second cancel is a conflict, the image is free again', async () => {
    const res = await call(env, 'POST', `/api/runs/${runId}/cancel`, { body: { inFlight: 'finish' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(await queuedCopies(env)).toBe(0);
    const again = await call(env, 'POST', `/api/runs/${runId}/cancel`);
    expect(again.status).toBe(409);
    expect((await call(env, 'GET', `/api/images/${env.image.id}`)).body.inUse).toBe(false);
    const actions = (await call(env, 'GET', '/api/audit?limit=10')).body.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 4)).toEqual(['run.cancel', 'run.resume', 'run.pause', 'run.create']);
  });

  it('cancel with inFlight finish waits for open attempts, then cancels', async () => {
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 2 } });
    const id = created.body.id as string;
    const start = { runId: id, jobId: `${id}/1`, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
    expect((await env.runStore.beginAttempt({ ...start, id: 'open-1', copy: 1, driveId: 'sim:2', startedAt: Date.now() })).ok).toBe(true);
    const res = await call(env, 'POST', `/api/runs/${id}/cancel`, { body: { inFlight: 'finish' } });
    expect(res.body).toMatchObject({ status: 'paused', inProgress: 1, statusReason: expect.stringMatching(/letting the burns in flight finish/) });
    expect(await queuedCopies(env)).toBe(0);
    expect((await call(env, 'POST', `/api/runs/${id}/resume`)).status).toBe(409);
    await env.runStore.endAttempt('open-1', { outcome: 'passed', endedAt: Date.now(), bytes: 1, verifyResult: 'passed' });
    const after = await call(env, 'GET', `/api/runs/${id}`);
    expect(after.body).toMatchObject({ status: 'cancelled', passed: 1, inProgress: 0 });
  });

  it('cancel (default) stops a run at once', async () => {
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 4 } });
    expect(await queuedCopies(env)).toBe(4);
    const res = await call(env, 'POST', `/api/runs/${created.body.id}/cancel`);
    expect(res.body.status).toBe('cancelled');
    expect(await queuedCopies(env)).toBe(0);
  });
});

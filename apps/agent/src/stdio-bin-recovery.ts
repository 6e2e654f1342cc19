/**
 * A `stdio:` pseudo drive keeping its discs (`StdioOutputBin`), at its
 * agent's start: when the last attempt begun on it was closed `interrupted`
 * by someone else (the controller declared this agent dead while it was
 * away, so the agent closes nothing itself and holds no coaster), its disc is
 * sorted as that attempt's reject all the same, as the coaster hold sorts the
 * attempts the agent closes. One already moved as passed, in the instant
 * before its attempt would have been recorded passed, goes to the rejects too.
 */
import type { Redis } from 'ioredis';
import type { RunStore } from '@tower/jobs';
import type { AgentDrive } from './agent-drives.js';
import { leavingDisc } from './coaster-hold.js';
import { StdioOutputBin } from './stdio-output-bin.js';

/** Sort the disc of `drive`'s last attempt when it was closed interrupted (a no-op for any other drive or attempt). */
export async function sortInterruptedDisc(redis: Redis, store: RunStore, agentId: string, drive: AgentDrive): Promise<void> {
  const bin = drive.loader;
  if (!(bin instanceof StdioOutputBin)) return;
  const [lastId] = await redis.zrange(store.keys.driveAttempts(drive.id), '-1', '-1');
  if (lastId === undefined) return;
  const last = await store.getAttempt(lastId);
  if (last?.outcome !== 'interrupted' || last.agentId !== agentId) return;
  await bin.afterDisc('failed', undefined, leavingDisc(last));
}

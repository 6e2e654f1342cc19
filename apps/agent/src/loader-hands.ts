/**
 * A person's hand at a drive's loader, by command (`LoaderCommand` of the
 * protocol): blanks put into a simulated auto-loader's input, its reject bin
 * emptied. Only the counts change here; the drive's worker moves the discs
 * at its next look (the controller wakes it). A real loader (a jukebox's
 * changer) reads what a person put in from the robot itself, so the command
 * is refused for it, as for a drive without a loader.
 */
import { SimDiscLoader } from 'node-cdrecord-wrapper';
import type { AgentReply, LoaderCommand } from '@tower/jobs';
import type { AgentDrive } from './agent-drives.js';

/** Most blanks one command puts in. */
export const MAX_BLANKS_PER_LOAD = 100_000;

/** Carry out a loader command on `drive` (undefined: the agent has no such drive); the reply to send. */
export async function handLoader(cmd: LoaderCommand, drive: AgentDrive | undefined, agentId: string): Promise<AgentReply> {
  const refuse = (code: string, message: string): AgentReply => ({ requestId: cmd.requestId, ok: false, error: { code, message } });
  if (drive === undefined) return refuse('NOT_FOUND', `agent ${agentId} has no drive ${cmd.driveId}`);
  const loader = drive.loader;
  if (loader === undefined) return refuse('NO_LOADER', `${drive.id} has no disc loader: put discs into the drive itself`);
  if (!(loader instanceof SimDiscLoader)) {
    return refuse('NOT_SIMULATED', `${drive.id} is fed by a real loader: put the discs into its slots by hand, and it counts them itself`);
  }
  if (cmd.action === 'load-blanks') {
    const count = cmd.count ?? 0;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BLANKS_PER_LOAD) {
      return refuse('BAD_REQUEST', `count must be a whole number 1..${MAX_BLANKS_PER_LOAD}, got ${String(cmd.count)}`);
    }
    await loader.loadBlanks(count);
    return { requestId: cmd.requestId, ok: true };
  }
  if (cmd.action === 'empty-rejects') {
    await loader.emptyBin('failed');
    return { requestId: cmd.requestId, ok: true };
  }
  return refuse('BAD_REQUEST', `unknown loader action ${String(cmd.action)}`);
}

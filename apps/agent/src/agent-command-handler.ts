/**
 * The agent's side of the command protocol: a command for one of its drives
 * (eject, master, a disc put into a simulated drive: sim-disc-insert.ts) is
 * checked against what the drive is doing, carried out,
 * and answered on the replies channel. A master read stops the drive's
 * worker for its length and starts it again afterwards. A person's hand at
 * a drive's loader (loader-hands.ts) is carried out whatever the drive does.
 */
import type { Redis } from 'ioredis';
import { DriveStatePublisher } from '@tower/jobs';
import type { AgentCommand, AgentReply, DriveStateOutbox, DriveWorker, InsertDiscCommand, Logger, MasterCommand, RedisSchema } from '@tower/jobs';
import type { AgentDrive } from './agent-drives.js';
import { driveLogger } from './agent-log.js';
import type { MasterLibrary } from './master-library.js';
import { runMaster } from './master-runner.js';
import { handLoader } from './loader-hands.js';
import { insertSimDisc } from './sim-disc-insert.js';

/** One drive of the agent, with its worker and what holds it besides copies. */
export interface DriveSlot {
  readonly d: AgentDrive;
  worker: DriveWorker | null;
  /** What the drive does outside its worker (`ejecting`, `mastering`, `coaster`), or null. */
  busy: string | null;
}

/** What the handler needs of its agent. */
export interface AgentCommandContext {
  readonly agentId: string;
  readonly redis: Redis;
  readonly keys: RedisSchema;
  /** The agent's state outbox: a master read publishes the drive's state through it. */
  readonly outbox: DriveStateOutbox;
  /** Where masters go; null: master commands are refused. */
  readonly library: MasterLibrary | null;
  readonly slots: readonly DriveSlot[];
  /** Fires when the agent stops. */
  readonly signal: AbortSignal;
  /** Start a slot's drive worker again (after a master read). */
  readonly startWorker: (slot: DriveSlot) => Promise<void>;
  /** The agent's logger (a drive's lines go to its child with `drive`). */
  readonly log: Logger;
}

type Refusal = { code: string; message: string };

/** After an operator's eject, how long the drive's worker leaves the open tray alone, ms. */
export const EJECT_QUIET_MS = 15_000;

/** Carries out the commands sent to one agent. */
export class AgentCommandHandler {
  constructor(private readonly ctx: AgentCommandContext) {}

  /** Handle one message of the agent's command channel; resolves when it is done (never rejects for a bad message). */
  async onMessage(text: string): Promise<void> {
    let cmd: AgentCommand;
    try {
      cmd = JSON.parse(text) as AgentCommand;
    } catch {
      return;
    }
    if (typeof cmd !== 'object' || cmd === null || typeof cmd.requestId !== 'string') return;
    await this.#handle(cmd).catch((err: unknown) => this.ctx.log.error({ command: cmd.type }, `command ${cmd.type} failed: ${(err as Error).message}`));
  }

  async #handle(cmd: AgentCommand): Promise<void> {
    const slot = this.ctx.slots.find((s) => s.d.id === cmd.driveId);
    // A person's hand at the loader: whatever the drive is doing (its worker moves the discs at its next look).
    if (cmd.type === 'loader') {
      await this.#reply(await handLoader(cmd, slot?.d, this.ctx.agentId));
      return;
    }
    const refusal = slot === undefined
      ? { code: 'NOT_FOUND', message: `agent ${this.ctx.agentId} has no drive ${cmd.driveId}` }
      : this.#busyReason(slot);
    if (cmd.type === 'master' && refusal === null && this.ctx.library === null) {
      await this.#reply({ requestId: cmd.requestId, ok: false, error: { code: 'NO_LIBRARY', message: 'this agent has no image library' } });
      return;
    }
    if (refusal !== null || slot === undefined) {
      const error = refusal ?? { code: 'NOT_FOUND', message: 'no such drive' };
      if (cmd.type === 'master') await this.#failMaster(cmd, error);
      await this.#reply({ requestId: cmd.requestId, ok: false, error });
      return;
    }
    if (cmd.type === 'eject') {
      slot.busy = 'ejecting';
      try {
        // Between two of the worker's looks (the kernel refuses to move a tray the worker has open), and then
        // the drive is left alone a while: a real drive's media query closes an open tray.
        const eject = (): Promise<void> => slot.d.drive.eject(this.ctx.signal);
        await (slot.worker?.hold(eject, { quietMs: EJECT_QUIET_MS }) ?? eject());
        await this.#reply({ requestId: cmd.requestId, ok: true });
      } catch (err) {
        await this.#reply({ requestId: cmd.requestId, ok: false, error: errorOf(err) });
      } finally {
        slot.busy = null;
      }
      return;
    }
    if (cmd.type === 'master') await this.#master(slot, cmd);
    if (cmd.type === 'insert') await this.#insert(slot, cmd);
  }

  /** A disc into a simulated drive (sim-disc-insert.ts): its worker stops meanwhile, so its next look sees the disc afresh. */
  async #insert(slot: DriveSlot, cmd: InsertDiscCommand): Promise<void> {
    slot.busy = 'inserting a disc';
    let stopped = false;
    const error = await insertSimDisc(slot.d.drive, slot.d.id, cmd.disc, async () => {
      stopped = true;
      await slot.worker?.close();
      slot.worker = null;
    }).catch(errorOf);
    slot.busy = null;
    if (stopped) await this.ctx.startWorker(slot);
    await this.#reply(error === null ? { requestId: cmd.requestId, ok: true } : { requestId: cmd.requestId, ok: false, error });
  }

  /** Why the drive cannot take a command now, or null. */
  #busyReason(slot: DriveSlot): Refusal | null {
    if (this.ctx.signal.aborted) return { code: 'AGENT_STOPPING', message: 'the agent is stopping' };
    if (slot.busy !== null) return { code: 'DRIVE_BUSY', message: `${slot.d.id} is busy (${slot.busy})` };
    const state = slot.worker?.status?.state;
    if (state === 'burning' || state === 'verifying') {
      return { code: 'DRIVE_BUSY', message: `${slot.d.id} is ${state} a copy: wait for it, or cancel its run` };
    }
    return null;
  }

  async #master(slot: DriveSlot, cmd: MasterCommand): Promise<void> {
    const { ctx } = this;
    slot.busy = 'mastering';
    await this.#reply({ requestId: cmd.requestId, ok: true });
    const publisher = new DriveStatePublisher({ driveId: slot.d.id, agentId: ctx.agentId, outbox: ctx.outbox });
    try {
      await slot.worker?.close();
      slot.worker = null;
      publisher.update({ state: 'busy', message: `mastering "${cmd.name}": reading the disc` });
      const imageId = await runMaster(cmd, {
        redis: ctx.redis, keys: ctx.keys, library: ctx.library as MasterLibrary, agentId: ctx.agentId, signal: ctx.signal,
        // A stdio: pseudo drive is read as the file it is, not as the blank disc it poses as for copies.
        drive: slot.d.masterDrive ?? slot.d.drive,
      });
      driveLogger(ctx.log, slot.d.id).info({ imageId }, `mastered "${cmd.name}" as ${imageId}`);
    } catch (err) {
      driveLogger(ctx.log, slot.d.id).error(`master "${cmd.name}" failed: ${(err as Error).message}`);
    } finally {
      await publisher.flush();
      publisher.close();
      slot.busy = null;
      await ctx.startWorker(slot);
    }
  }

  async #failMaster(cmd: MasterCommand, error: Refusal): Promise<void> {
    await this.ctx.redis.multi()
      .hset(this.ctx.keys.master(cmd.masterId), { status: 'failed', error: JSON.stringify(error), endedAt: String(Date.now()) })
      .publish(this.ctx.keys.masterEvents(), JSON.stringify({ masterId: cmd.masterId }))
      .exec()
      .catch(() => undefined);
  }

  async #reply(reply: AgentReply): Promise<void> {
    await this.ctx.redis.publish(this.ctx.keys.agentReplies(), JSON.stringify(reply)).catch(() => undefined);
  }
}

function errorOf(err: unknown): Refusal {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'INTERNAL';
  return { code, message: err instanceof Error ? err.message : String(err) };
}

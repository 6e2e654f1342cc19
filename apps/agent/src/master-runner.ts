/**
 * One master read on an agent: the disc in a drive → an image in the
 * library. Data discs (ISO) through `masterDataDisc` on any backend; audio
 * and multi-track discs (BIN/CUE, with cdrdao's TOC file: CD-TEXT, ISRC,
 * catalog) through `masterAudioDisc` on real drives.
 * The image is written under the library folder (`.mastering/`, same
 * volume) and handed to `library.addMasteredImage`; progress goes to the
 * hash `master(id)` and a `masterEvents()` message per change (`RedisSchema`).
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { chooseMasterFormat, isDriveError, masterAudioDisc, masterDataDisc } from 'node-cdrecord-wrapper';
import type { Drive, MasterProgress } from 'node-cdrecord-wrapper';
import type { MasterCommand } from '@tower/jobs';
import type { RedisSchema } from '@tower/jobs';
import type { MasterLibrary } from './master-library.js';

/** Everything a master read needs besides the command. */
export interface MasterContext {
  readonly redis: Redis;
  /** Names of the tower's keys and channels. */
  readonly keys: RedisSchema;
  readonly library: MasterLibrary;
  readonly agentId: string;
  readonly drive: Drive;
  readonly signal: AbortSignal;
}

/** Read the disc into the library (an open tray is closed on its disc first); resolves with the image id. Progress and the outcome are written to Redis. */
export async function runMaster(cmd: MasterCommand, ctx: MasterContext): Promise<string> {
  const { keys } = ctx;
  const key = keys.master(cmd.masterId);
  const publish = async (fields: Record<string, string>): Promise<void> => {
    await ctx.redis.multi().hset(key, fields).publish(keys.masterEvents(), JSON.stringify({ masterId: cmd.masterId })).exec();
  };
  const workDir = path.join(ctx.library.dir, '.mastering', cmd.masterId.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const started = Date.now();
  const startedMono = performance.now();
  // Start plus monotonic time elapsed: a step of the wall clock never makes a negative duration.
  const endedAt = (): string => String(started + Math.round(performance.now() - startedMono));
  await publish({ id: cmd.masterId, driveId: cmd.driveId, agentId: ctx.agentId, name: cmd.name, status: 'reading', startedAt: String(started) });
  let lastWrite = Promise.resolve();
  const onProgress = (p: MasterProgress): void => {
    lastWrite = lastWrite.then(() => publish({
      bytesRead: String(p.bytesRead),
      bytesTotal: String(p.bytesTotal),
      speedMBps: String(Math.round(p.speedMBps * 100) / 100),
      etaSeconds: p.etaSeconds === null ? '' : String(Math.round(p.etaSeconds)),
      unreadableSectors: String(p.unreadableSectors),
    })).catch(() => undefined);
  };
  try {
    await mkdir(workDir, { recursive: true });
    let media = await ctx.drive.media(ctx.signal);
    // A disc on an open tray (the copy just burned and ejected, a master put on it by hand): close the tray on it first.
    if (media.status === 'none' && media.trayOpen === true) {
      await ctx.drive.load(ctx.signal);
      media = await ctx.drive.media(ctx.signal);
    }
    const format = cmd.format ?? chooseMasterFormat(media);
    const at = new Date(started).toISOString();
    const provenance = { kind: 'mastered' as const, drive: cmd.driveId, agent: ctx.agentId, at };
    let imageId: string;
    if (format === 'iso') {
      const result = await masterDataDisc(ctx.drive, path.join(workDir, 'master.iso'), {
        signal: ctx.signal, onProgress, retries: cmd.retries, allowDamaged: cmd.allowDamaged,
      });
      const damage = result.damageMap.ranges.map((r) => ({ startSector: r.startSector, sectors: r.sectors }));
      await lastWrite;
      await publish({ damage: JSON.stringify(damage), unreadableSectors: String(damage.reduce((n, r) => n + r.sectors, 0)) });
      const record = await ctx.library.addMasteredImage(result.path, {
        format: 'iso', name: cmd.name, provenance, allowDamaged: cmd.allowDamaged, sha256: result.sha256,
        ...(damage.length > 0 ? { damage: { unreadable: damage } } : {}),
      });
      imageId = record.id;
    } else {
      if (ctx.drive.kind !== 'optical') {
        throw Object.assign(new Error(`${cmd.driveId}: BIN/CUE masters need a real drive (cdrdao)`), { code: 'UNSUPPORTED' });
      }
      const result = await masterAudioDisc(ctx.drive.address, workDir, 'master', { signal: ctx.signal, onProgress });
      const record = await ctx.library.addMasteredImage(result.cuePath, {
        format: 'bin-cue', name: cmd.name, provenance, allowDamaged: cmd.allowDamaged, tocFile: result.tocPath,
      });
      imageId = record.id;
    }
    await lastWrite;
    await publish({ status: 'done', imageId, endedAt: endedAt() });
    return imageId;
  } catch (err) {
    await lastWrite;
    const cancelled = ctx.signal.aborted;
    const code = isDriveError(err) ? err.code : typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'MASTER_FAILED';
    const message = err instanceof Error ? err.message : String(err);
    await publish({ status: cancelled ? 'cancelled' : 'failed', error: JSON.stringify({ code, message }), endedAt: endedAt() })
      .catch(() => undefined);
    throw err;
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

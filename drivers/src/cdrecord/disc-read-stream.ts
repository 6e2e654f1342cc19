/**
 * Reading a disc in a real drive: through the block device while the
 * kernel's idea of the disc's size covers the bytes asked for, otherwise
 * through SCSI generic with `sg_dd` (READ commands straight to the drive).
 *
 * Linux sizes `/dev/srN` when it sees a disc arrive (a media-change event)
 * and not again. A disc that was blank when it arrived and has just been
 * burned in the same drive keeps its blank size (a sector or none), so a
 * block read of the new data ends at once, though every sector is there.
 * Drives that signal no media change after closing a disc (tgt's MMC
 * emulation among them) always show this; SCSI reads ask the drive itself.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CancelledError, ReadError, ToolMissingError } from '../errors.js';
import { SECTOR_BYTES } from '../media.js';
import { createBlockReadStream } from './block-read-stream.js';
import type { BlockReadOptions } from './block-read-stream.js';
import { sysfsDriveFacts } from './real-drive-facts.js';

/** Starts `sg_dd` (for tests: another program with the same contract). */
export type SgReadSpawner = (program: string, args: readonly string[]) => ChildProcess;

/** Where a drive's disc can be read: its sg node and the size the kernel gives its block device. */
export interface DiscReadRoute {
  readonly generic?: string;
  readonly kernelBytes: number | null;
}

export interface DiscReadOptions extends BlockReadOptions {
  /** Finds the route (default: sysfs); for tests. */
  readonly locate?: (path: string) => Promise<DiscReadRoute>;
  readonly spawnSgRead?: SgReadSpawner;
}

const defaultSpawn: SgReadSpawner = (program, args) => spawn(program, [...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });

/** Bytes the kernel believes the block device holds, or null when sysfs does not say. */
export async function kernelDiscBytes(name: string, sysRoot = '/sys'): Promise<number | null> {
  const text = await readFile(`${sysRoot}/class/block/${name}/size`, 'utf8').catch(() => null);
  const sectors = text === null ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(sectors) ? sectors * 512 : null;
}

/** The route from sysfs. */
export async function locateDisc(device: string): Promise<DiscReadRoute> {
  const facts = await sysfsDriveFacts(device);
  return {
    ...(facts.generic === undefined ? {} : { generic: facts.generic }),
    kernelBytes: facts.name === null ? null : await kernelDiscBytes(facts.name),
  };
}

/** `sg_dd` arguments reading whole 2048-byte sectors covering [offset, offset + length) to stdout. */
export function sgReadArgs(generic: string, offset: number, length: number): string[] {
  const first = Math.floor(offset / SECTOR_BYTES);
  const count = Math.ceil((offset + length) / SECTOR_BYTES) - first;
  return [`if=${generic}`, `bs=${SECTOR_BYTES}`, `skip=${first}`, `count=${count}`, 'of=-'];
}

/** The first sector sg_dd names in a failure (`... lba=1234 ...`, `... at lba 1234`), if any. */
function failedSector(stderr: string, fallback: number): number {
  const m = /lba[=\s:]+(?:0x([0-9a-f]+)|(\d+))/i.exec(stderr);
  if (m?.[1] !== undefined) return Number.parseInt(m[1], 16);
  if (m?.[2] !== undefined) return Number(m[2]);
  return fallback;
}

/** Exactly `length` bytes from `offset` through SCSI generic. */
async function* sgRead(o: DiscReadOptions, generic: string): AsyncGenerator<Buffer> {
  const args = sgReadArgs(generic, o.offset, o.length);
  const child = (o.spawnSgRead ?? defaultSpawn)('sg_dd', args);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  const kill = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const onAbort = (): void => kill();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const skipBytes = o.offset % SECTOR_BYTES;
  let seen = 0;
  let given = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      if (o.signal?.aborted) break;
      const from = Math.max(0, skipBytes - seen);
      seen += chunk.length;
      const part = chunk.subarray(from, Math.min(chunk.length, from + (o.length - given)));
      if (part.length > 0) {
        given += part.length;
        yield part;
      }
    }
    if (o.signal?.aborted) throw new CancelledError(`${o.device}: read cancelled`, { device: o.device });
    const end = await exited;
    if (end.error !== undefined) {
      const e = end.error as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new ToolMissingError('sg_dd', 'sg3-utils', { device: o.device, cause: e });
      throw new ReadError(`${o.device}: sg_dd could not start: ${e.message}`, Math.floor(o.offset / SECTOR_BYTES), { device: o.device, cause: e });
    }
    if (end.code !== 0 || given < o.length) {
      const at = Math.floor((o.offset + given) / SECTOR_BYTES);
      const why = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-2).join('; ');
      throw new ReadError(`${o.device}: SCSI read failed at sector ${failedSector(stderr, at)} (sg_dd exit ${end.code ?? 'signal'}${why ? `: ${why}` : ''})`, failedSector(stderr, at), { device: o.device });
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) kill();
  }
}

/** Read a real drive's disc; see the module comment for which way. */
export function createDiscReadStream(o: DiscReadOptions): Readable {
  async function* pick(): AsyncGenerator<Buffer> {
    const route = await (o.locate ?? locateDisc)(o.path);
    const known = route.kernelBytes;
    if (route.generic === undefined || known === null || known >= o.offset + o.length) {
      yield* createBlockReadStream(o) as AsyncIterable<Buffer>;
      return;
    }
    yield* sgRead(o, route.generic);
  }
  return Readable.from(pick(), { objectMode: false, highWaterMark: o.chunkBytes ?? 1024 * 1024 });
}

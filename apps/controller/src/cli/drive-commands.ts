/**
 * `tower drive …`: direct drive mode. Acts on one drive with no controller
 * running, for a technician checking a burner or burning a single disc;
 * except `tower drive insert`, which puts a disc into a simulated drive of a
 * running tower through its controller (`POST /api/drives/:id/insert`).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { Drive } from 'node-cdrecord-wrapper';
import type * as DriveLayer from 'node-cdrecord-wrapper';
import { RECORDABLE_MEDIA_TYPES, SECTOR_BYTES, mediaSizesFor } from 'node-cdrecord-wrapper/media';
import { formatBytes, formatBytesPerSecond, formatDuration, formatMBps, formatSpeedX } from '../shared/units.js';
import type { InsertDiscRequest } from '../shared/api-types.js';
import { cdTextWriting } from '../shared/cd-text-writing.js';
import { requireId } from './cli-arguments.js';
import { positiveNumber, UsageError } from './cli-output.js';
import type { ConnectionOptions } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { ProgressBar } from './progress-bar.js';
import { STDIO_SPEED_WARNING, isStdioAddress } from './stdio-speed-warning.js';

/** What each command needs from the process it runs in. */
export interface CliContext {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

function print(ctx: CliContext, json: boolean, value: unknown, text: string): void {
  ctx.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

function byteCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0 || n % SECTOR_BYTES !== 0) {
    throw new UsageError(`--bytes must be a positive multiple of ${SECTOR_BYTES}, got '${value}'`);
  }
  return n;
}

/** The drive layer, loaded only by the drive commands (the others start faster without it). */
function drives(): Promise<typeof DriveLayer> {
  return import('node-cdrecord-wrapper');
}

async function open(device: string): Promise<Drive> {
  return (await drives()).openDrive(device);
}

async function listCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const found = await (await drives()).discoverDrives();
  const lines = found.length === 0
    ? ['No optical drives found. Pseudo drives (stdio:/path) and simulated drives (sim:N) can be used directly.']
    : found.map((d) => `${d.device}\t${d.vendor} ${d.model} ${d.firmware}\t${d.stableId}`);
  print(ctx, opts.json === true, found, lines.join('\n'));
}

async function infoCommand(ctx: CliContext, device: string, opts: { json?: boolean }): Promise<void> {
  const drive = await open(device);
  const info = await drive.info(ctx.signal);
  const media = await drive.media(ctx.signal);
  const text = [
    `Drive:     ${info.address} (${info.kind})`,
    `Identity:  ${info.stableId}`,
    `Model:     ${info.vendor} ${info.model} (firmware ${info.firmware})`,
    `Reads:     ${info.reads.join(', ') || '-'}`,
    `Writes:    ${info.writes.join(', ') || '-'}`,
    `Media:     ${media.status === 'none' ? 'no disc' : `${media.type ?? 'unknown'}, ${media.status}`}`,
    `Capacity:  ${media.capacitySectors} sectors (${formatBytes(media.capacitySectors * SECTOR_BYTES)}), ${media.freeSectors} free`,
    // Direct mode reads no tower.json: a real drive here is not declared to write CD-TEXT (`tower drives` shows the tower's).
    `CD-TEXT:   ${cdTextWriting(drive.features?.writesCdText)}`,
  ].join('\n');
  print(ctx, opts.json === true, { info, media, ...(drive.features === undefined ? {} : { features: drive.features }) }, text);
}

interface BurnCommandOptions {
  readonly verify?: boolean;
  readonly speed?: number;
  readonly dummy?: boolean;
  readonly tao?: boolean;
  readonly eject?: boolean;
  readonly json?: boolean;
}

async function burnCommand(ctx: CliContext, device: string, imagePath: string, opts: BurnCommandOptions): Promise<void> {
  if (opts.speed !== undefined && isStdioAddress(device)) ctx.stderr.write(`${STDIO_SPEED_WARNING}\n`);
  const image = await (await drives()).probeImage(imagePath);
  if (opts.verify && image.format !== 'iso') {
    throw new UsageError('--verify compares data discs with their ISO; a CUE/BIN disc is checked by mastering it back');
  }
  const fits = mediaSizesFor(image.shape).map((m) => m.size);
  const drive = await open(device);
  const bar = opts.json ? null : new ProgressBar({ stream: ctx.stderr, label: opts.dummy ? 'test burn' : 'burn' });
  // A failure (or Ctrl-C) is printed on a line of its own, not after the bar.
  const result = await clearedOnFailure(bar, () => drive.burn(
    image,
    {
      ...(opts.speed === undefined ? {} : { speed: opts.speed }),
      dummy: opts.dummy === true,
      mode: opts.tao ? 'tao' : 'sao',
      eject: opts.eject === true && !opts.verify,
      onProgress: (p) => {
        const buffer = p.bufferPercent === undefined ? '' : ` buf ${p.bufferPercent}%`;
        bar?.update(p.bytesWritten, p.bytesTotal, `${p.phase} ${formatSpeedX(p.speedX)} ${formatMBps(p.speedMBps)}${buffer}`, p.speedMBps * 1e6);
      },
    },
    ctx.signal,
  ));
  bar?.done(`burned ${formatBytes(result.bytesWritten)} in ${formatDuration(result.durationMs / 1000)} (${formatSpeedX(result.averageSpeedX)})${result.dummy ? ' (test burn, nothing recorded)' : ''}`);
  let verified: { sha256: string; speedMBps: number } | null = null;
  if (opts.verify && !opts.dummy) {
    const vbar = opts.json ? null : new ProgressBar({ stream: ctx.stderr, label: 'verify' });
    const verifier = await drives();
    verified = await clearedOnFailure(vbar, () => verifier.verifyDisc(drive, { path: image.path, sizeBytes: image.sizeBytes }, {
      signal: ctx.signal,
      onProgress: (p) => vbar?.update(p.bytesRead, p.bytesTotal, formatMBps(p.speedMBps), p.speedMBps * 1e6),
    }));
    vbar?.done(`verified: disc matches image (sha256 ${verified.sha256})`);
    if (opts.eject) await drive.eject(ctx.signal);
  }
  print(ctx, opts.json === true, { ok: true, device, image: image.path, fits, burn: result, verify: verified }, 'done');
}

async function discLength(drive: Drive, signal: AbortSignal): Promise<number> {
  const media = await drive.media(signal);
  if (media.usedSectors > 0) return media.usedSectors * SECTOR_BYTES;
  // No recorded size from the drive: use the ISO 9660 volume size (the image reader's reading of the primary descriptor).
  const chunks: Buffer[] = [];
  for await (const chunk of drive.read(17 * SECTOR_BYTES, { signal }) as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = (await drives()).declaredIsoBytes(Buffer.concat(chunks));
  if (!bytes) throw new UsageError('cannot tell how much to read from this disc; give --bytes');
  return bytes;
}

async function readCommand(ctx: CliContext, device: string, outFile: string, opts: { bytes?: number; force?: boolean; json?: boolean }): Promise<void> {
  const target = path.resolve(outFile);
  if (!opts.force && (await access(target).then(() => true, () => false))) {
    throw new UsageError(`${outFile} exists; use --force to replace it`);
  }
  const drive = await open(device);
  const length = opts.bytes ?? (await discLength(drive, ctx.signal));
  const partial = `${target}.partial-${process.pid}`;
  const hash = createHash('sha256');
  const bar = opts.json ? null : new ProgressBar({ stream: ctx.stderr, label: 'read' });
  const started = performance.now();
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      done += chunk.length;
      const rate = done / Math.max(0.001, (performance.now() - started) / 1000);
      bar?.update(done, length, formatBytesPerSecond(rate), rate);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(drive.read(length, { signal: ctx.signal }), tap, createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, target);
  } catch (err) {
    bar?.done();
    await rm(partial, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  bar?.done();
  print(ctx, opts.json === true, { ok: true, device, file: target, bytes: length, sha256 }, `read ${formatBytes(length)} (${length} bytes) to ${target}\nsha256 ${sha256}`);
}

async function ejectCommand(ctx: CliContext, device: string, opts: { json?: boolean }): Promise<void> {
  await (await open(device)).eject(ctx.signal);
  print(ctx, opts.json === true, { ok: true, device }, `ejected ${device}`);
}

/** Options of `tower drive insert`. */
interface InsertOptions extends ConnectionOptions {
  readonly blank?: string;
  readonly image?: string;
}

/** The API request of `tower drive insert`'s options: exactly one of `--blank <type>` and `--image <id>`. */
export function insertRequest(opts: InsertOptions): InsertDiscRequest {
  if ((opts.blank === undefined) === (opts.image === undefined)) throw new UsageError('give --blank <media type> or --image <id>, one of them');
  if (opts.image !== undefined) return { kind: 'image', imageId: requireId('image', opts.image) };
  const type = RECORDABLE_MEDIA_TYPES.find((t) => t.toLowerCase() === opts.blank?.trim().toLowerCase());
  if (type === undefined) throw new UsageError(`--blank must be one of ${RECORDABLE_MEDIA_TYPES.join(', ')}; got '${opts.blank ?? ''}'`);
  return { kind: 'blank', mediaType: type };
}

/** `tower drive insert`: through the controller, as the drive belongs to a running tower's agent. */
async function insertCommand(ctx: CliContext, driveId: string, opts: InsertOptions): Promise<void> {
  const request = insertRequest(opts);
  const drive = await clientFor(ctx, opts).insertDisc(requireId('drive', driveId), request);
  const what = request.kind === 'blank' ? `a blank ${request.mediaType}` : `a pressed disc of image ${request.imageId}`;
  printResult(ctx, opts, drive, () => `put ${what} into ${drive.label} (now ${drive.state}${drive.canMaster === true ? ', ready to master' : ''})`);
}

/** Register `tower drive …` on the program. */
export function registerDriveCommands(program: Command, ctx: CliContext): void {
  const drive = program
    .command('drive')
    .description('act on one drive directly (no controller): /dev/srN, stdio:/path or sim:N');
  drive
    .command('list')
    .description('list the optical drives of this host')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => listCommand(ctx, opts));
  drive
    .command('info <device>')
    .description('drive identity, capabilities and the disc in it')
    .option('--json', 'machine-readable output')
    .action((device: string, opts: { json?: boolean }) => infoCommand(ctx, device, opts));
  drive
    .command('burn <device> <image>')
    .description('burn an ISO or CUE/BIN image, with a progress bar')
    .option('--verify', 'read the disc back and compare it with the image')
    .option('--speed <x>', 'write speed in x (default: the drive maximum; stdio: drives write at file speed)', positiveNumber('--speed', 100))
    .option('--dummy', 'test burn: the laser stays off')
    .option('--tao', 'track-at-once instead of disc-at-once')
    .option('--eject', 'eject when done')
    .option('--json', 'machine-readable output')
    .action((device: string, image: string, opts: BurnCommandOptions) => burnCommand(ctx, device, image, opts));
  drive
    .command('read <device> <out-file>')
    .description('read a data disc back into a file (written whole, or not at all)')
    .option('--bytes <n>', 'bytes to read (default: the recorded size)', byteCount)
    .option('--force', 'replace out-file if it exists')
    .option('--json', 'machine-readable output')
    .action((device: string, out: string, opts: { bytes?: number; force?: boolean; json?: boolean }) => readCommand(ctx, device, out, opts));
  drive
    .command('eject <device>')
    .description('open the tray')
    .option('--json', 'machine-readable output')
    .action((device: string, opts: { json?: boolean }) => ejectCommand(ctx, device, opts));
  withConnectionOptions(
    drive
      .command('insert <driveId>')
      .description('put a disc into a simulated drive of a running tower, through its controller (operator)')
      .option('--blank <type>', `a blank disc: ${RECORDABLE_MEDIA_TYPES.join(', ')}`)
      .option('--image <id>', 'a pressed disc of a library ISO image, to master or copy from'),
  ).action((driveId: string, opts: InsertOptions) => insertCommand(ctx, driveId, opts));
}

/** Run `work`; when it fails, clear the progress bar's line first, so the error line stands alone. */
async function clearedOnFailure<T>(bar: ProgressBar | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    bar?.done();
    throw err;
  }
}

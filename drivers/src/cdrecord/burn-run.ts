/**
 * One burn on a cdrecord-family drive: refuse what cannot work before
 * spawning, run the tool with progress, turn its summary into a result and
 * its failure into a typed error. A real drive that refuses the write mode
 * before writing a byte is burned once more in the next mode (SAO, then
 * TAO), and its drive object remembers the refusal.
 */
import { stat, unlink } from 'node:fs/promises';
import type { BurnImage, BurnOptions, BurnResult, DriveKind, MediaStatus, WriteMode, WriteModeRefusal } from '../drive-contract.js';
import { CancelledError, MediaTooSmallError, NoMediaError, WriteModeRefusedError, WrongMediaError } from '../errors.js';
import { ONE_X_BYTES_PER_SECOND, isRecordable, mediaClassOf } from '../media.js';
import { classifyBurnFailure } from '../parse/burn-failure.js';
import { summarizeBurnOutput } from '../parse/burn-progress.js';
import type { ToolRun } from '../tool-process.js';
import { burnerBurnCommand, cdrdaoWriteCommand } from './burn-args.js';
import { CdTextNotDeclaredError } from './cd-text-not-declared-error.js';
import { cdrdaoDriverArg } from './cdrdao-driver.js';
import type { ToolCommand } from './burn-args.js';
import { assertCdrdaoBinBeside, assertImageReadable, assertStdioCueModes, assertTocBurnable, cueTrackModes } from './image-checks.js';
import { BurnProgressReporter } from './progress-reporter.js';
import { stdioTargetPath } from './stdio-target.js';
import type { BurnerProgram } from './tool-locator.js';
import { nextWriteMode } from './write-mode-memory.js';
import type { WriteModeMemory } from './write-mode-memory.js';

/** What a burn needs from its drive. */
export interface BurnRunContext {
  readonly address: string;
  readonly kind: DriveKind;
  /** `dev=` value (`stdio:/abs/path` or `/dev/srN`). */
  readonly toolAddress: string;
  readonly program: BurnerProgram;
  readonly image: BurnImage;
  readonly options: BurnOptions;
  readonly signal?: AbortSignal;
  readonly media: () => Promise<MediaStatus>;
  readonly run: (command: ToolCommand, io: { onStdout: (c: string) => void; onStderr: (c: string) => void }) => Promise<ToolRun>;
  /**
   * The drive's write-mode memory (real drives): the mode is chosen from it,
   * and a refusal before writing is recorded in it and retried once in the
   * next mode. Without it a refusal is thrown as `WriteModeRefusedError`.
   */
  readonly writeModes?: WriteModeMemory;
  /** The drive is declared to write CD-TEXT (`CdrecordDriveOptions.cdText`): a TOC's CD-TEXT is burned, else refused. */
  readonly cdText?: boolean;
  /** cdrdao driver to name (`CdrecordDriveOptions.cdrdaoDriver`); absent: cdrdao chooses, or `generic-mmc` for CD-TEXT. */
  readonly cdrdaoDriver?: string;
}

/**
 * Refuse a burn the disc cannot take: no disc, ROM or closed write-once
 * disc, CUE image on non-CD media, image larger than the writable space
 * (overwritable media count their whole capacity).
 */
export function assertMediaTakes(media: MediaStatus, image: BurnImage, kind: DriveKind, device: string): void {
  if (media.status === 'none') throw new NoMediaError(`${device}: no disc in the drive`, { device });
  if (media.type !== null && !isRecordable(media.type)) {
    throw new WrongMediaError(`${device}: the disc is ${media.type}, which cannot be written`, { device });
  }
  if (media.status === 'complete' && !media.rewritable) {
    throw new WrongMediaError(`${device}: the disc is closed${media.type ? ` (${media.type})` : ''}; insert a blank disc`, { device });
  }
  if (image.format === 'cue' && kind === 'optical' && media.type !== null && mediaClassOf(media.type) !== 'cd') {
    throw new WrongMediaError(`${device}: CUE images can only be burned to CDs, the disc is ${media.type}`, { device });
  }
  const available = media.rewritable && media.status === 'complete' ? media.capacitySectors : media.freeSectors;
  if (image.sectors > available) {
    throw new MediaTooSmallError(
      `${device}: image needs ${image.sectors} sectors but the ${kind === 'stdio' ? 'target' : 'disc'} holds only ${available}`,
      image.sectors,
      available,
      { device },
    );
  }
}

/**
 * MMC has no test-write (simulation) mode for DVD+R, DVD+RW or BD media: a
 * drive refuses the write parameters (cdrskin: "Write job parameters are
 * unsuitable"). Say so before any tool runs.
 */
export function assertMediaTestWrites(media: MediaStatus, device: string): void {
  if (media.type !== null && NO_TEST_WRITE.has(media.type)) {
    throw new WrongMediaError(`${device}: ${media.type} has no test-write mode, so a dummy burn is not possible on it; burn without --dummy`, { device });
  }
}

const NO_TEST_WRITE: ReadonlySet<string> = new Set(['DVD+R', 'DVD+RW', 'DVD+R DL', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL']);

/** Bytes per second of the tool's "1x": cdrskin on stdio uses DVD units; real drives the media's class. */
export function oneXFor(kind: DriveKind, media: MediaStatus): number {
  if (kind === 'stdio' || media.type === null) return kind === 'stdio' ? ONE_X_BYTES_PER_SECOND.dvd : ONE_X_BYTES_PER_SECOND.cd;
  return ONE_X_BYTES_PER_SECOND[mediaClassOf(media.type) ?? 'dvd'];
}

/**
 * cdrdao's generic-mmc driver writes CD-TEXT only when told (cdrdao-driver.ts),
 * and a recorder without CD-TEXT writing can spoil the disc: a TOC with
 * CD-TEXT burns only on a drive declared to write it, else nothing is written.
 */
export function assertCdTextDeclared(ctx: Pick<BurnRunContext, 'cdText'>, device: string): void {
  if (ctx.cdText === true) return;
  throw new CdTextNotDeclaredError(
    `${device}: the image's TOC has CD-TEXT and this drive is not declared to write it: after checking the recorder writes CD-TEXT, set "cdText": true on this drive in tower.json (agent.drives), or burn on a drive that has it`,
    { device },
  );
}

/** Build the burn result from a successful run's summary lines. */
export function burnResultFrom(run: ToolRun, image: BurnImage, options: BurnOptions, oneX: number): BurnResult {
  const summary = summarizeBurnOutput(`${run.stdout}\n${run.stderr}`);
  // cdrskin prints "Total bytes read/written: 0/0" for images under 1 MiB and for grown sessions although it wrote them.
  const bytesWritten = summary.bytesWritten !== null && summary.bytesWritten > 0 ? summary.bytesWritten : image.sizeBytes;
  const seconds = summary.writingSeconds;
  const measured = seconds !== null && seconds > 0 ? bytesWritten / seconds / oneX : 0;
  return {
    bytesWritten,
    durationMs: run.durationMs,
    averageSpeedX: Math.round((summary.averageSpeedX ?? measured) * 10) / 10,
    ...(summary.minBufferPercent === null ? {} : { minBufferPercent: summary.minBufferPercent }),
    dummy: options.dummy === true,
  };
}

/**
 * Run one burn; see `Drive.burn` for the contract. A test burn to a `stdio:`
 * target that did not exist leaves nothing behind: libburn creates the file
 * when it takes the "drive", and a test burn writes nothing into it.
 */
export async function runBurn(ctx: BurnRunContext): Promise<BurnResult> {
  const target = ctx.options.dummy === true && ctx.kind === 'stdio' ? stdioTargetPath(ctx.address) : null;
  const existed = target === null || (await stat(target).then(() => true, () => false));
  try {
    return await burnOnce(ctx);
  } finally {
    if (target !== null && !existed) await removeIfEmpty(target);
  }
}

/** Remove a regular file that is empty (one the tool created and left so). */
async function removeIfEmpty(file: string): Promise<void> {
  const st = await stat(file).catch(() => null);
  if (st !== null && st.isFile() && st.size === 0) await unlink(file).catch(() => undefined);
}

async function burnOnce(ctx: BurnRunContext): Promise<BurnResult> {
  const { image, options, address: device, kind } = ctx;
  await assertImageReadable(image, device);
  if (image.format === 'cue') {
    const modes = await cueTrackModes(image.path, device);
    if (kind === 'stdio') assertStdioCueModes(modes, device);
  }
  const media = await ctx.media();
  assertMediaTakes(media, image, kind, device);
  if (options.dummy === true && kind === 'optical') assertMediaTestWrites(media, device);
  const useCdrdao = image.format === 'cue' && kind === 'optical';
  // A TOC beside the sheet (a mastered disc's): cdrdao burns from it, CD-TEXT, ISRC and catalog included.
  const toc = useCdrdao && image.tocPath !== undefined ? image.tocPath : undefined;
  const tocCdText = toc === undefined ? false : (await assertTocBurnable(toc, image.path, device)).cdText;
  if (toc === undefined && useCdrdao) await assertCdrdaoBinBeside(image.path, device);
  if (tocCdText) assertCdTextDeclared(ctx, device);
  const driver = useCdrdao ? cdrdaoDriverArg(ctx.cdrdaoDriver, tocCdText) : undefined;

  // CUE images are written SAO (cuefile= and cdrdao know no other mode).
  const requested: WriteMode = image.format === 'cue' ? 'sao' : (options.mode ?? 'sao');
  const memory = image.format === 'iso' && kind === 'optical' ? ctx.writeModes : undefined;
  let mode = memory?.modeFor(requested) ?? requested;
  let refusal: WriteModeRefusal | undefined = mode === requested ? undefined : memory?.refusal(requested);

  const oneX = oneXFor(kind, media);
  const reporter = new BurnProgressReporter({
    bytesTotal: image.sizeBytes,
    oneXBytesPerSecond: oneX,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  reporter.start();
  for (let attempt = 1; ; attempt++) {
    const command = useCdrdao
      ? cdrdaoWriteCommand(ctx.toolAddress, toc ?? image.path, options, driver)
      : burnerBurnCommand(ctx.program, ctx.toolAddress, image, { ...options, mode });
    let run: ToolRun;
    try {
      run = await ctx.run(command, { onStdout: (c) => reporter.stdoutChunk(c), onStderr: (c) => reporter.stderrChunk(c) });
    } catch (err) {
      reporter.close();
      if (err instanceof CancelledError) {
        throw new CancelledError(`${device}: burn cancelled`, { device, ...(err.tool ? { tool: err.tool } : {}), cause: err });
      }
      throw err;
    }
    reporter.close();
    if (run.exitCode === 0) {
      const result = burnResultFrom(run, image, options, oneX);
      reporter.finish(result.bytesWritten);
      return { ...result, writeMode: mode, ...(refusal === undefined ? {} : { writeModeRefusal: refusal }) };
    }
    const error = classifyBurnFailure(run, { device, imageSectors: image.sectors, writeMode: mode });
    if (!(error instanceof WriteModeRefusedError) || memory === undefined) throw error;
    // The drive refused this mode before writing a byte (the classifier checked the output): the disc is untouched.
    const refused = memory.remember(mode, error.scsi);
    const next = nextWriteMode(mode);
    if (attempt > 1 || next === null || memory.refusal(next) !== undefined) throw error;
    refusal = refused;
    mode = next;
    reporter.nextRun();
  }
}

/**
 * `tower images build <folder> --name … [--joliet] [--rock-ridge] [--udf]
 * [--boot <file>] [--media <class>]`: make an ISO image in the library from a
 * folder on the controller's host (inside an import root), following the
 * build with a progress bar; `--json` prints the image made. Ctrl-C stops
 * waiting; the build goes on on the controller.
 */
import { CancelledError } from 'node-cdrecord-wrapper/errors';
import type { Command } from 'commander';
import type { ImageBuildRequestBody, ImageBuildViewBody } from '../shared/image-build-schemas.js';
import { formatBytes } from '../shared/units.js';
import { parseImageName, parseMediaClass, parseServerPath, textOf } from './cli-arguments.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, sleep, withConnectionOptions } from './controller-context.js';
import { WorkFailedError } from './follow-run.js';
import { imageBuildClientFor } from './image-build-client.js';
import { ProgressBar } from './progress-bar.js';

/** Options of `tower images build`. */
export interface BuildOptions extends ConnectionOptions {
  readonly name: string;
  readonly joliet?: boolean;
  readonly rockRidge?: boolean;
  readonly udf?: boolean;
  readonly boot?: string;
  readonly media?: ImageBuildRequestBody['media'];
}

/** The API request for `tower images build`'s arguments. */
export function buildRequest(folder: string, opts: BuildOptions): ImageBuildRequestBody {
  return {
    folder: parseServerPath(folder),
    name: opts.name,
    ...(opts.joliet ? { joliet: true } : {}),
    ...(opts.rockRidge ? { rockRidge: true } : {}),
    ...(opts.udf ? { udf: true } : {}),
    ...(opts.boot === undefined ? {} : { boot: opts.boot }),
    ...(opts.media === undefined ? {} : { media: opts.media }),
  };
}

async function buildCommand(ctx: ControllerCliContext, folder: string, opts: BuildOptions): Promise<void> {
  const client = imageBuildClientFor(ctx, opts);
  let build: ImageBuildViewBody = await client.buildImage(buildRequest(folder, opts));
  const bar = opts.json ? null : new ProgressBar({ stream: ctx.stderr, label: 'build' });
  try {
    while (build.status === 'building') {
      bar?.update(Math.round((build.percent / 100) * build.estimatedBytes), build.estimatedBytes, build.percent === 0 ? 'reading the folder' : 'writing', 0);
      try {
        await sleep(ctx.pollIntervalMs ?? 250, ctx.signal);
      } catch {
        throw new CancelledError(`stopped waiting; build ${build.id} goes on (see: GET /api/image-builds/${build.id})`);
      }
      build = await client.getImageBuild(build.id);
    }
  } finally {
    bar?.done();
  }
  if (build.status !== 'done' || build.imageId === null) {
    throw new WorkFailedError(`build ${build.id} failed: ${build.error?.message ?? 'no reason given'}`, build.error?.code ?? 'IMAGE_BUILD_FAILED');
  }
  const image = await clientFor(ctx, opts).getImage(build.imageId);
  printResult(ctx, opts, image, () => `built image ${image.id} '${image.name}' (${formatBytes(image.sizeBytes)}, ${image.filesystems.join(', ')}, fits ${image.mediaClass ?? '-'}, sha256 ${image.sha256})`);
}

/** Register `tower images build` under `tower images`. */
export function registerImageBuildCommand(images: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(
    images
      .command('build <folder>')
      .description("make an ISO image from a folder on the controller's host, inside an import root (operator)")
      .requiredOption('--name <name>', 'name in the library (and, in capitals, the volume label)', parseImageName)
      .option('--joliet', 'add Joliet names (Windows; up to 103 characters)')
      .option('--rock-ridge', 'add Rock Ridge (POSIX names up to 255 bytes, modes, times)')
      .option('--udf', 'add a UDF 1.02 bridge (genisoimage; refused for a file of 4 GiB or more)')
      .option('--boot <file>', 'El Torito boot image (no emulation): a file inside the folder, relative path', textOf('--boot', 1, 1024))
      .option('--media <class>', 'cd, dvd, dvd-dl, bd or bd-dl: the image must fit it, checked before building (default bd-dl)', parseMediaClass),
  ).action((folder: string, opts: BuildOptions) => buildCommand(ctx, folder, opts));
}

/**
 * `tower images …`: the controller's image library. List, show, import a
 * file already on the controller's host, upload a local file (streamed, with
 * a progress bar), scan for malware, rename and delete.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { ImageView } from '../shared/api-types.js';
import { formatBytes, formatBytesPerSecond } from '../shared/units.js';
import { parseImageName, parseServerPath, requireId } from './cli-arguments.js';
import { UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { ProgressBar } from './progress-bar.js';
import { malwareScanText } from './malware-scan-text.js';
import { registerImageBuildCommand } from './image-build-command.js';
import { imageStorageText, renderImage, renderImages } from './views.js';

type NameOptions = ConnectionOptions & { name?: string };
type ImportOptions = NameOptions & { keepOriginal?: boolean };

/** Size of a local file to upload; `UsageError` when it is missing or not a file. */
export async function uploadSize(file: string): Promise<number> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (!info.isFile()) throw new UsageError(`${file} is not a file`);
  if (info.size === 0) throw new UsageError(`${file} is empty`);
  return info.size;
}

async function* counted(source: AsyncIterable<Buffer>, total: number, bar: ProgressBar | null): AsyncGenerator<Uint8Array> {
  const started = performance.now();
  let done = 0;
  for await (const chunk of source) {
    done += chunk.length;
    const rate = done / Math.max(0.001, (performance.now() - started) / 1000);
    bar?.update(done, total, formatBytesPerSecond(rate), rate);
    yield chunk;
  }
}

async function uploadCommand(ctx: ControllerCliContext, file: string, opts: NameOptions): Promise<void> {
  const sizeBytes = await uploadSize(file);
  const client = clientFor(ctx, opts);
  const name = opts.name ?? path.basename(file).replace(/\.[^.]+$/, '');
  const bar = opts.json ? null : new ProgressBar({ stream: ctx.stderr, label: 'upload' });
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    const image = await client.uploadImage({ data: counted(stream, sizeBytes, bar), sizeBytes, name });
    bar?.done(`uploaded ${formatBytes(sizeBytes)}`);
    printResult(ctx, opts, image, () => `added image ${image.id} '${image.name}' (${image.format}, ${formatBytes(image.sizeBytes)}, sha256 ${image.sha256})`);
    if (!opts.json) noteSameContent(ctx, image);
  } catch (err) {
    bar?.done();
    throw err;
  } finally {
    stream.destroy();
  }
}

/** Register `tower images …`. */
export function registerImageCommands(program: Command, ctx: ControllerCliContext): void {
  const images = program.command('images').description('the image library: list, show, import, upload, scan, rename, delete');

  withConnectionOptions(images.command('list', { isDefault: true }).description('list the images (default)'))
    .action(async (opts: ConnectionOptions) => {
      const list = await clientFor(ctx, opts).listImages();
      printResult(ctx, opts, list, () => renderImages(list));
    });

  withConnectionOptions(images.command('show <imageId>').description('one image in detail'))
    .action(async (imageId: string, opts: ConnectionOptions) => {
      const image = await clientFor(ctx, opts).getImage(requireId('image', imageId));
      printResult(ctx, opts, image, () => renderImage(image));
    });

  withConnectionOptions(
    images
      .command('import <path>')
      .description("add an image file that is already on the controller's host, inside an import root (operator)")
      .option('--name <name>', 'name in the library (default: from the file)', parseImageName)
      .option('--keep-original', 'a converted image (compressed, NRG, CloneCD, MDS, CDI, CHD, DMG, TOC): keep the original beside it, never burned')
      .option('--no-keep-original', 'do not keep the original (default: the library\'s library.keepOriginals)'),
  ).action(async (serverPath: string, opts: ImportOptions) => {
    const checked = parseServerPath(serverPath);
    const keep = opts.keepOriginal === undefined ? {} : { keepOriginal: opts.keepOriginal };
    const image = await clientFor(ctx, opts).importImage({ path: checked, ...(opts.name === undefined ? {} : { name: opts.name }), ...keep });
    const burns = image.conversion ? `; converted from ${image.conversion.from}, burns ${image.burnFile ?? image.id}${(image.keptOriginals ?? []).length > 0 ? `, original kept as ${(image.keptOriginals ?? []).join(', ')}` : ''}` : '';
    printResult(ctx, opts, image, () => `added image ${image.id} '${image.name}' (${image.format}, ${formatBytes(image.sizeBytes)}, sha256 ${image.sha256})${burns}`);
    if (!opts.json) noteSameContent(ctx, image);
  });

  withConnectionOptions(
    images
      .command('upload <file>')
      .description('send a local ISO to the controller, streamed (operator)')
      .option('--name <name>', 'name in the library (default: the file name)', parseImageName),
  ).action((file: string, opts: NameOptions) => uploadCommand(ctx, file, opts));

  registerImageBuildCommand(images, ctx);

  withConnectionOptions(images.command('scan <imageId>').description('scan an image for malware now, with the controller\'s clamscan (operator)'))
    .action(async (imageId: string, opts: ConnectionOptions) => {
      const image = await clientFor(ctx, opts).scanImage(requireId('image', imageId));
      printResult(ctx, opts, image, () => `image ${image.id} '${image.name}': ${malwareScanText(image)}`);
    });

  for (const [action, what] of [
    ['compress', 'store an image compressed, proven before the plain files go: an ISO with zstd, a CD (BIN/CUE) image or an ISO that fits a CD as a CHD with --as chd'],
    ['decompress', 'store a compressed image plain again'],
  ] as const) {
    const command = withConnectionOptions(images.command(`${action} <imageId>`).description(`${what}; refused while an unfinished run uses it (operator)`));
    if (action === 'compress') command.option('--as <form>', 'zstd (default; ISO images) or chd (CD images and ISOs that fit a CD: chdman createcd)', parseStorageForm);
    command.action(async (imageId: string, opts: ConnectionOptions & { as?: 'zstd' | 'chd' }) => {
      const image = await clientFor(ctx, opts).changeImageStorage(requireId('image', imageId), action, opts.as);
      printResult(ctx, opts, image, () => `image ${image.id} '${image.name}' stored ${imageStorageText(image)}`);
    });
  }

  withConnectionOptions(images.command('rename <imageId> <name>').description('rename an image (operator)'))
    .action(async (imageId: string, name: string, opts: ConnectionOptions) => {
      const id = requireId('image', imageId);
      const image = await clientFor(ctx, opts).renameImage(id, parseImageName(name));
      printResult(ctx, opts, image, () => `renamed ${image.id} to '${image.name}'`);
    });

  withConnectionOptions(images.command('delete <imageId>').description('remove an image that no run uses (operator)'))
    .action(async (imageId: string, opts: ConnectionOptions) => {
      const id = requireId('image', imageId);
      await clientFor(ctx, opts).deleteImage(id);
      printResult(ctx, opts, { ok: true, deleted: id }, () => `deleted image ${id}`);
    });
}

/** The `--as` of `tower images compress`: zstd or chd. */
function parseStorageForm(value: string): 'zstd' | 'chd' {
  if (value === 'zstd' || value === 'chd') return value;
  throw new UsageError(`--as must be zstd or chd, got '${value}'`);
}

/** Say on stderr when the library already held the image just added (the same SHA-256), and what to do (with --json: `sameContentAs`). */
function noteSameContent(ctx: ControllerCliContext, image: ImageView): void {
  const same = image.sameContentAs ?? [];
  if (same.length === 0) return;
  const held = same.map((o) => `${o.id} '${o.name}'`).join(', ');
  ctx.stderr.write(`note: the library already held this image as ${held}: use that one, and drop this copy with: tower images delete ${image.id}\n`);
}

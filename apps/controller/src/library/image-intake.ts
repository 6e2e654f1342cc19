/**
 * Bringing image files into the library's volume: a staging folder inside
 * the library (same file system, so the final step is a rename), files
 * copied in while hashed, CUE sheets rewritten to name the copied BINs, and
 * the staged copy validated. Nothing here touches the library's own files;
 * `ImageLibrary` commits a staged image by renaming it into place.
 */
import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { decodeCueText, parseCueSheet, rewriteCueSheet } from './image-validator.js';
import type { ByteBudget } from './hashing-copy.js';
import { copyAndHash, hashFile } from './hashing-copy.js';
import type { ImageFormat, ValidatedImage } from './image-validator.js';
import { sniffImageFormat, validateImageFile } from './image-validator.js';
import { CueMissingFileError } from './errors.js';
import { tempPath } from './atomic-file.js';
import type { ConversionProof } from './image-record.js';

/** One staged file and the name it gets in the library. */
export interface StagedFile {
  readonly staged: string;
  readonly finalName: string;
  readonly role: 'iso' | 'cue' | 'bin' | 'source' | 'toc' | 'subchannel';
  readonly bytes: number;
  readonly sha256: string;
}

/** A complete, validated image in a staging folder. */
export interface StagedImage {
  readonly files: readonly StagedFile[];
  /** Final name of the file to burn. */
  readonly imageFile: string;
  readonly validated: ValidatedImage;
  /** SHA-256 of the ISO, or of all BINs in sheet order. */
  readonly sha256: string;
  /** CDTEXTFILE the original sheet named; dropped from the library's copy. */
  readonly droppedCdTextFile?: string;
  /** What the given file was converted from (compressed, a container), with its proof (image-conversion.ts). */
  readonly conversion?: ConversionProof;
}

/** A check run on the source's validation before anything is copied or moved (throws to refuse). */
export type Precheck = (validated: ValidatedImage) => void;

/** Where the BIN files of a CUE sheet come from. */
export type BinSource = (name: string, fileIndex: number) => Promise<Readable>;

/** A staging folder in the library; `dispose()` removes it and whatever is left in it. */
export class Staging {
  private constructor(readonly dir: string) {}

  /** Make a fresh staging folder inside `libraryDir`. */
  static async create(libraryDir: string): Promise<Staging> {
    const dir = tempPath(libraryDir);
    await mkdir(dir, { mode: 0o700 });
    return new Staging(dir);
  }

  /** Remove the staging folder. */
  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Path of a file in the staging folder. */
  file(name: string): string {
    return path.join(this.dir, name);
  }
}

/** Final file names of an image id. */
export function finalNames(id: string): { iso: string; cue: string; bin: (fileIndex: number) => string } {
  return { iso: `${id}.iso`, cue: `${id}.cue`, bin: (i) => `${id}-${String(i + 1).padStart(2, '0')}.bin` };
}

async function finishCue(staging: Staging, id: string, cueText: string, bins: StagedFile[], combined: Hash): Promise<StagedImage> {
  const dropped = parseCueSheet(cueText).cdTextFile;
  const names = finalNames(id);
  const cuePath = staging.file(names.cue);
  await writeFile(cuePath, rewriteCueSheet(cueText, names.bin), { flag: 'wx' });
  const cueHash = await hashFile(cuePath);
  const validated = await validateImageFile(cuePath, { binRoots: [await realpath(staging.dir)], expectFormat: 'cue' });
  const cueFile: StagedFile = { staged: cuePath, finalName: names.cue, role: 'cue', bytes: cueHash.bytes, sha256: cueHash.sha256 };
  return { files: [cueFile, ...bins], imageFile: names.cue, validated, sha256: combined.digest('hex'), ...(dropped ? { droppedCdTextFile: dropped } : {}) };
}

/**
 * Stage a CUE image: the sheet text (already in memory), then each BIN from
 * `openBin` in sheet order, copied and hashed, then the rewritten sheet, then
 * validation of the staged set.
 */
export async function stageCue(staging: Staging, id: string, cueText: string, openBin: BinSource, budget?: ByteBudget): Promise<StagedImage> {
  const sheet = parseCueSheet(cueText);
  const names = finalNames(id);
  const combined = createHash('sha256');
  const bins: StagedFile[] = [];
  for (const [i, file] of sheet.files.entries()) {
    const dest = staging.file(names.bin(i));
    const source = await openBin(file.name, i);
    const copy = await copyAndHash(source, dest, { alsoHash: [combined], ...(budget ? { budget } : {}) });
    bins.push({ staged: dest, finalName: names.bin(i), role: 'bin', bytes: copy.bytes, sha256: copy.sha256 });
  }
  return finishCue(staging, id, cueText, bins, combined);
}

/** Stage an ISO already copied to `staged` (validated here). */
async function finishIso(staged: string, finalName: string, sha256: string, bytes: number): Promise<StagedImage> {
  const validated = await validateImageFile(staged, { expectFormat: 'iso' });
  return { files: [{ staged, finalName, role: 'iso', bytes, sha256 }], imageFile: finalName, validated, sha256 };
}

/**
 * Stage an image from a file on this server, already resolved inside the
 * import roots. `binRoots`: real folders its BINs may resolve into.
 */
export async function stageFromPath(
  staging: Staging,
  id: string,
  source: string,
  binRoots: readonly string[],
  precheck: Precheck = () => undefined,
): Promise<StagedImage> {
  const checked = await validateImageFile(source, { binRoots });
  precheck(checked);
  const names = finalNames(id);
  if (checked.format === 'iso') {
    const dest = staging.file(names.iso);
    const copy = await copyAndHash(createReadStream(source), dest);
    return finishIso(dest, names.iso, copy.sha256, copy.bytes);
  }
  const text = decodeCueText(await readFile(source));
  return stageCue(staging, id, text, async (_name, i) => {
    const bin = checked.bins[i];
    if (!bin) throw new CueMissingFileError(_name);
    return createReadStream(bin.path);
  });
}

/**
 * Stage an uploaded image. `main` is the ISO or the CUE sheet; for a CUE
 * sheet, `companions` maps each FILE name (or its base name) to its stream,
 * read in sheet order after the sheet. All streams together are limited to
 * `limit` bytes (or counted against a budget of the caller's). Unused
 * companion streams are destroyed.
 */
export async function stageUpload(
  staging: Staging,
  id: string,
  main: Readable,
  companions: ReadonlyMap<string, Readable>,
  limit: number | ByteBudget,
  /** Converts the staged upload when it is compressed or a container (image-conversion.ts); null: it is not. */
  convert?: (uploaded: string) => Promise<StagedImage | null>,
): Promise<StagedImage> {
  const budget: ByteBudget = typeof limit === 'number' ? { limitBytes: limit, usedBytes: 0 } : limit;
  const used = new Set<Readable>();
  try {
    const first = staging.file('upload');
    const copy = await copyAndHash(main, first, { budget });
    const converted = convert ? await convert(first) : null;
    if (converted) return converted;
    const format = await sniffImageFormat(first);
    const names = finalNames(id);
    if (format === 'iso') {
      const dest = staging.file(names.iso);
      await rename(first, dest);
      return await finishIso(dest, names.iso, copy.sha256, copy.bytes);
    }
    const text = decodeCueText(await readFile(first));
    await rm(first);
    return await stageCue(
      staging,
      id,
      text,
      async (name) => {
        const base = name.replace(/\\/g, '/').split('/').pop() ?? name;
        const stream = companions.get(name) ?? companions.get(base);
        if (!stream || used.has(stream)) throw new CueMissingFileError(name);
        used.add(stream);
        return stream;
      },
      budget,
    );
  } finally {
    for (const stream of companions.values()) if (!used.has(stream)) stream.destroy();
  }
}

async function moveInto(source: string, dest: string): Promise<void> {
  try {
    await rename(source, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyAndHash(createReadStream(source), dest);
    await rm(source, { force: true });
  }
}

/**
 * Stage a mastered image by moving it (a rename on the library's volume, a
 * copy otherwise). A CUE image's BIN files are moved from beside its sheet.
 * The files are validated before anything moves, so a refused image is left
 * where it was.
 */
export async function stageMastered(
  staging: Staging,
  id: string,
  tempFile: string,
  format: ImageFormat,
  precheck: Precheck = () => undefined,
  /** The SHA-256 the mastering read computed; an ISO is then not hashed a second time. */
  knownSha256?: string,
): Promise<StagedImage> {
  const checked = await validateImageFile(tempFile, { expectFormat: format });
  precheck(checked);
  const names = finalNames(id);
  if (checked.format === 'iso') {
    const dest = staging.file(names.iso);
    await moveInto(tempFile, dest);
    if (knownSha256 !== undefined && /^[0-9a-f]{64}$/.test(knownSha256)) {
      return finishIso(dest, names.iso, knownSha256, (await stat(dest)).size);
    }
    const hash = await hashFile(dest);
    return finishIso(dest, names.iso, hash.sha256, hash.bytes);
  }
  const combined = createHash('sha256');
  const bins: StagedFile[] = [];
  for (const [i, bin] of checked.bins.entries()) {
    const dest = staging.file(names.bin(i));
    await moveInto(bin.path, dest);
    const hash = await hashFile(dest, [combined]);
    bins.push({ staged: dest, finalName: names.bin(i), role: 'bin', bytes: hash.bytes, sha256: hash.sha256 });
  }
  const text = decodeCueText(await readFile(tempFile));
  const staged = await finishCue(staging, id, text, bins, combined);
  await rm(tempFile, { force: true });
  return staged;
}

/**
 * Hot folders in the configuration file (`hotFolders`): folders the
 * controller watches for job files (see hot-folder/hot-folder.ts). Each
 * entry's `dir` and `errorDir` resolve against the configuration file's
 * folder. A hot folder may not be the root folder, the library's folder or
 * inside it, the data folder itself, nor inside another hot folder; its error
 * folder may not be the hot folder itself.
 */
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ConfigError } from './config-error.js';

/** One hot folder as the file gives it. */
export const HotFolderEntrySchema = Type.Object({
  /** The folder job files are dropped into. */
  dir: Type.String({ minLength: 1, maxLength: 4096 }),
  /** Where bad job files go, each with a `.reason` file beside it. Default `<dir>/errors`. */
  errorDir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  /** A job file is taken once its size and modification time stayed the same this long, ms. Default 2000. */
  settleMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  /** How often the folder is looked at besides its change events, ms. Default 1000. */
  pollMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 60_000 })),
}, { additionalProperties: false });

/** The `hotFolders` list. */
export const HotFolderListSchema = Type.Array(HotFolderEntrySchema, { maxItems: 64 });

/** A hot folder, resolved: every path absolute, every default filled in. */
export interface HotFolderSpec {
  readonly dir: string;
  readonly errorDir: string;
  readonly settleMs: number;
  readonly pollMs: number;
}

/** Default settle period of a job file, ms. */
export const DEFAULT_SETTLE_MS = 2000;
/** Default poll period of a hot folder, ms. */
export const DEFAULT_POLL_MS = 1000;

/** Resolve and check the configured hot folders. Throws `ConfigError` naming the entry. */
export function resolveHotFolders(
  entries: Static<typeof HotFolderListSchema> | undefined,
  fileDir: string,
  where: { readonly dataDir: string; readonly libraryDir: string },
): HotFolderSpec[] {
  const specs = (entries ?? []).map((e, i): HotFolderSpec => {
    const dir = path.resolve(fileDir, e.dir);
    const errorDir = e.errorDir === undefined ? path.join(dir, 'errors') : path.resolve(fileDir, e.errorDir);
    const field = `hotFolders[${i}]`;
    if (dir === path.parse(dir).root) throw new ConfigError(`${field}.dir`, `'${dir}' is the root folder: give a folder of its own`);
    if (isInsideOrSame(path.resolve(where.libraryDir), dir)) throw new ConfigError(`${field}.dir`, `'${dir}' is the image library's folder or inside it`);
    if (dir === path.resolve(where.dataDir)) throw new ConfigError(`${field}.dir`, `'${dir}' is the data folder itself: use a folder inside it or elsewhere`);
    if (errorDir === dir) throw new ConfigError(`${field}.errorDir`, 'the error folder must not be the hot folder itself');
    return { dir, errorDir, settleMs: e.settleMs ?? DEFAULT_SETTLE_MS, pollMs: e.pollMs ?? DEFAULT_POLL_MS };
  });
  specs.forEach((a, i) => specs.forEach((b, j) => {
    if (i !== j && isInsideOrSame(a.dir, b.dir)) throw new ConfigError(`hotFolders[${j}].dir`, `'${b.dir}' is hotFolders[${i}]'s folder or inside it`);
  }));
  return specs;
}

function isInsideOrSame(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

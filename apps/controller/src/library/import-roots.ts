/**
 * Server-side import paths confined to configured roots. A path is refused
 * when it has a `..` segment, is absolute outside every root, or resolves
 * (through symlinks) outside every root's real path.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImportPathError } from './errors.js';
import { hasDotDot, isInside } from './paths.js';

/** Import roots, resolved to real paths on first use. */
export class ImportRoots {
  private resolved: Promise<string[]> | null = null;

  /** `roots`: folders operators may import from. Relative import paths are taken from the first. */
  constructor(private readonly roots: readonly string[]) {}

  /** The roots' real paths (missing roots are left out). */
  realRoots(): Promise<string[]> {
    this.resolved ??= Promise.all(this.roots.map((r) => realpath(path.resolve(r)).catch(() => null))).then((all) =>
      all.filter((r): r is string => r !== null),
    );
    return this.resolved;
  }

  /** True when a real path lies inside some root. */
  async contains(realPath: string): Promise<boolean> {
    return (await this.realRoots()).some((root) => isInside(root, realPath));
  }

  /**
   * Resolve a requested path to the real path of a regular file inside a
   * root, or throw `ImportPathError` saying why not.
   */
  async resolveFile(requested: string): Promise<string> {
    const real = await this.resolve(requested);
    const info = await stat(real);
    if (!info.isFile()) throw new ImportPathError(requested, 'not a regular file');
    return real;
  }

  /**
   * Resolve a requested path to the real path of anything inside a root (the
   * same checks as `resolveFile`, whatever kind of file it is), or throw
   * `ImportPathError` saying why not.
   */
  async resolve(requested: string): Promise<string> {
    if (requested.length === 0 || requested.includes('\0')) throw new ImportPathError(requested, 'invalid path');
    if (hasDotDot(requested)) throw new ImportPathError(requested, "the path contains '..'");
    const roots = await this.realRoots();
    const lexicalRoots = this.roots.map((r) => path.resolve(r));
    const first = lexicalRoots[0];
    if (roots.length === 0 || first === undefined) throw new ImportPathError(requested, 'no import roots are configured');
    const absolute = path.isAbsolute(requested) ? path.resolve(requested) : path.resolve(first, requested);
    if (!lexicalRoots.some((r) => isInside(r, absolute)) && !roots.some((r) => isInside(r, absolute))) {
      throw new ImportPathError(requested, 'the path is outside the import roots');
    }
    const real = await realpath(absolute).catch((err: NodeJS.ErrnoException) => {
      throw new ImportPathError(requested, err.code === 'ENOENT' ? 'no such file' : err.message);
    });
    if (!roots.some((r) => isInside(r, real))) throw new ImportPathError(requested, 'the path leads (through a link) outside the import roots');
    return real;
  }
}

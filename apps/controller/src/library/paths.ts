/**
 * Small path helpers shared by the library's modules.
 */
import path from 'node:path';

/** True when `child` is `parent` or lies below it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** True when a relative path has a `..` segment (either separator). */
export function hasDotDot(p: string): boolean {
  return p.split(/[\\/]/).includes('..');
}

/**
 * A snapshot of a folder tree (names, kinds, sizes, modification and change
 * times) taken before and after an image is built from it, so a folder that
 * changed during the build is noticed. Taking it also refuses what cannot go
 * on a disc safely: special files (FIFOs, devices, sockets: a FIFO would
 * hang the build) and symbolic links that lead outside the import roots.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { BuildFolderError } from './build-errors.js';
import { isInside } from './paths.js';

/** One entry of a tree, by its path relative to the tree's top (`/`-separated). */
export interface TreeEntry {
  readonly kind: 'dir' | 'file' | 'link';
  readonly bytes: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** A folder tree as it was at one moment. */
export interface TreeSnapshot {
  readonly entries: ReadonlyMap<string, TreeEntry>;
  readonly files: number;
  readonly totalBytes: number;
  /** The largest regular file, or null when there is none. */
  readonly largest: { readonly path: string; readonly bytes: number } | null;
}

/**
 * Walk `top` (a real path) without following links. `roots`: real paths a
 * link's target must resolve inside; `shown`: the folder as the caller named
 * it, for messages.
 */
export async function snapshotTree(top: string, roots: readonly string[], shown: string): Promise<TreeSnapshot> {
  const entries = new Map<string, TreeEntry>();
  let files = 0;
  let totalBytes = 0;
  let largest: TreeSnapshot['largest'] = null;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const full = path.join(dir, name);
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const info = await lstat(full, { bigint: true });
      const base = { bytes: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs };
      if (info.isSymbolicLink()) {
        const target = await realpath(full).catch(() => null);
        if (target === null || !roots.some((r) => isInside(r, target))) {
          throw new BuildFolderError(shown, `the link ${relPath} leads ${target === null ? 'nowhere' : 'outside the import roots'}`);
        }
        entries.set(relPath, { kind: 'link', ...base });
      } else if (info.isDirectory()) {
        entries.set(relPath, { kind: 'dir', ...base, bytes: 0n });
        await walk(full, relPath);
      } else if (info.isFile()) {
        entries.set(relPath, { kind: 'file', ...base });
        files++;
        totalBytes += Number(info.size);
        if (largest === null || Number(info.size) > largest.bytes) largest = { path: relPath, bytes: Number(info.size) };
      } else {
        throw new BuildFolderError(shown, `${relPath} is a special file (FIFO, device or socket), which cannot go on a disc`);
      }
    }
  };
  await walk(top, '');
  return { entries, files, totalBytes, largest };
}

/** What differs between two snapshots of one tree, in words (empty: nothing). */
export function treeChanges(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const changes: string[] = [];
  for (const [rel, was] of before.entries) {
    const now = after.entries.get(rel);
    if (now === undefined) changes.push(`${rel} was removed`);
    else if (now.kind !== was.kind) changes.push(`${rel} was replaced`);
    else if (now.kind !== 'dir' && now.bytes !== was.bytes) changes.push(`${rel} changed size from ${was.bytes} to ${now.bytes} bytes`);
    else if (now.mtimeNs !== was.mtimeNs || now.ctimeNs !== was.ctimeNs) changes.push(`${rel} was modified`);
  }
  for (const rel of after.entries.keys()) if (!before.entries.has(rel)) changes.push(`${rel} was added`);
  return changes;
}

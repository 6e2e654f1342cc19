/**
 * A snapshot of a folder tree (names, kinds, sizes, modification and change
 * times) taken before and after an image is built from it, so a folder that
 * changed during the build is noticed. Taking it also refuses what cannot go
 * on a disc safely: special files (FIFOs, devices, sockets: a FIFO would
 * hang the build) and symbolic links that lead outside the import roots.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { BuildFolderError, BuildOptionsError } from './build-errors.js';
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

/**
 * One snapshot of several sources, each at its path on the disc (a folder's
 * entries under it, a file as it): what `snapshotTree` checks, per source,
 * and two sources putting something at the same place (or a file where
 * another puts a folder) refused with `BuildOptionsError`.
 */
export async function snapshotGrafts(grafts: readonly { readonly real: string; readonly discPath: string }[], roots: readonly string[]): Promise<TreeSnapshot> {
  const entries = new Map<string, TreeEntry>();
  let files = 0;
  let totalBytes = 0;
  let largest: TreeSnapshot['largest'] = null;
  const put = (key: string, entry: TreeEntry, from: string): void => {
    const parts = key.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const at = parts.slice(0, i).join('/');
      const there = entries.get(at);
      const dirHere = i < parts.length || entry.kind === 'dir';
      if (there !== undefined && !(there.kind === 'dir' && dirHere)) throw new BuildOptionsError(`two sources put something at /${at} on the disc (${from})`);
    }
    entries.set(key, entry);
  };
  for (const g of grafts) {
    const info = await lstat(g.real, { bigint: true });
    if (info.isFile()) {
      put(g.discPath, { kind: 'file', bytes: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs }, g.real);
      files++;
      totalBytes += Number(info.size);
      if (largest === null || Number(info.size) > largest.bytes) largest = { path: g.discPath, bytes: Number(info.size) };
      continue;
    }
    const tree = await snapshotTree(g.real, roots, g.real);
    if (g.discPath !== '') put(g.discPath, { kind: 'dir', bytes: 0n, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs }, g.real);
    for (const [rel, entry] of tree.entries) put(g.discPath === '' ? rel : `${g.discPath}/${rel}`, entry, g.real);
    files += tree.files;
    totalBytes += tree.totalBytes;
    if (tree.largest !== null && (largest === null || tree.largest.bytes > largest.bytes)) {
      largest = { path: g.discPath === '' ? tree.largest.path : `${g.discPath}/${tree.largest.path}`, bytes: tree.largest.bytes };
    }
  }
  return { entries, files, totalBytes, largest };
}

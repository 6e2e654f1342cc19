/** Paths integration tests share. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOWER_CLI = path.join(REPO_ROOT, "apps", "controller", "bin", "tower.js");

/**
 * Where the embedded Redis of `tower start` and `tower serve` keeps its
 * files inside the data folder: its own folder (mode 0700) for the AOF and
 * its configuration file, and its password beside `tokens.json` (mode 0600,
 * generated on the first start, reused after).
 */
import path from 'node:path';
import type { TowerConfig } from './tower-config.js';

/** Folder of the embedded Redis inside the data folder. */
export const EMBEDDED_REDIS_DIR = 'redis';

/** File of the embedded Redis's password inside the data folder. */
export const REDIS_PASSWORD_FILE = 'redis-password';

/** The embedded Redis's data folder and password file for a configuration. */
export function embeddedRedisFiles(config: Pick<TowerConfig, 'dataDir'>): { readonly dataDir: string; readonly passwordFile: string } {
  return {
    dataDir: path.join(config.dataDir, EMBEDDED_REDIS_DIR),
    passwordFile: path.join(config.dataDir, REDIS_PASSWORD_FILE),
  };
}

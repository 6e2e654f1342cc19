/**
 * The configuration file an embedded `redis-server` is started with: its
 * settings, the password among them, go in a file of mode 0600 rather than
 * on the command line, where `ps` and `/proc/<pid>/cmdline` would show them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';

/** What an embedded server is configured with. */
export interface EmbeddedRedisSettings {
  readonly port: number;
  /** Folder of the AOF files (Redis's `dir`). */
  readonly dir: string;
  /** `requirepass`: every client must AUTH with it. */
  readonly password: string;
  /** `pidfile`: written by the server even when not daemonized, removed when it stops cleanly. */
  readonly pidFile?: string;
}

/** A value as a double-quoted redis.conf string (backslash, quote and control characters escaped). */
export function confString(value: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (ch) => (ch === '\\' || ch === '"' ? `\\${ch}` : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return `"${escaped}"`;
}

/** The text of the configuration file: 127.0.0.1 only, AOF on, RDB snapshots off, a password. */
export function embeddedRedisConf(s: EmbeddedRedisSettings): string {
  return [
    '# Written by the tower controller at each start of its embedded Redis; changes are overwritten.',
    `port ${s.port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `dir ${confString(s.dir)}`,
    'appendonly yes',
    'save ""',
    'daemonize no',
    ...(s.pidFile === undefined ? [] : [`pidfile ${confString(s.pidFile)}`]),
    `requirepass ${confString(s.password)}`,
    '',
  ].join('\n');
}

/** Write the configuration to `file` with mode 0600 (a temp file renamed into place). */
export async function writeEmbeddedRedisConf(file: string, settings: EmbeddedRedisSettings): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, embeddedRedisConf(settings), { mode: 0o600, flag: 'wx' });
    await chmod(temp, 0o600);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

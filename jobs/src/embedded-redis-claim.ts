/**
 * One embedded redis-server per data folder, and none outliving its tower.
 *
 * - **The lock.** The server is started as
 *   `setpriv --pdeathsig SIGTERM flock --exclusive --nonblock --no-fork
 *   <dir>/redis.lock redis-server <conf>` (argument arrays, no shell; both
 *   tools are util-linux, Essential in Debian). flock(1) takes an flock(2)
 *   lock on the lock file and then *becomes* redis-server (exec, no fork),
 *   which inherits the open file and so holds the lock as long as it lives
 *   (and any child it forks for an AOF rewrite). The kernel drops the lock
 *   when its last holder exits, however it ends (SIGKILL, OOM, power loss):
 *   a crash never leaves a stale lock, and a pid reused by another program
 *   holds nothing. A second server on the folder finds the lock taken and
 *   exits (status 75) before it opens anything there.
 * - **Parent death.** setpriv sets PR_SET_PDEATHSIG (kept across exec) to
 *   SIGTERM: when the process that started the server dies, SIGKILL
 *   included, the kernel sends the server SIGTERM and it shuts down as on a
 *   clean stop (AOF fsynced, pid file removed, lock released). The signal
 *   follows the thread that spawned it: start the server from the main thread.
 * - **Leftovers.** A server that outlived its tower anyway (started by an
 *   older version, its parent killed between fork and prctl, or ignoring
 *   SIGTERM) is looked for before each start: by its pid file (written by
 *   redis-server itself), else by asking the previous configuration's port,
 *   with the password, for `INFO server`. A pid counts only when its
 *   `/proc/<pid>/cwd` is this folder (Redis chdirs to its `dir`). Its owner,
 *   the process that started it, is in its environment
 *   (`TOWER_EMBEDDED_REDIS_OWNER`): while that process is still its parent a
 *   tower serves the folder and the start is refused; otherwise it is an
 *   orphan and is stopped with SIGTERM before the new server starts.
 */
import { readFile, readlink, realpath } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** The lock file inside the data folder, held by the serving redis-server. */
export const EMBEDDED_REDIS_LOCK = 'redis.lock';
/** The pid file inside the data folder, written by redis-server (removed on a clean stop). */
export const EMBEDDED_REDIS_PIDFILE = 'redis.pid';
/** Environment variable naming the pid of the process that started the server. */
export const EMBEDDED_REDIS_OWNER_ENV = 'TOWER_EMBEDDED_REDIS_OWNER';
/** flock's exit status when the folder is locked by another server. */
export const LOCK_CONFLICT_STATUS = 75;
/** How long an orphan may take to shut down after SIGTERM, ms. */
const ORPHAN_STOP_MS = 15_000;

/** Another live process serves the data folder with its embedded Redis. */
export class EmbeddedRedisInUseError extends Error {
  readonly code = 'REDIS_DATA_IN_USE';
  constructor(readonly dataDir: string, readonly pid: number | null, readonly ownerPid: number | null) {
    const who = pid === null ? 'another redis-server' : `redis-server pid ${pid}${ownerPid === null ? '' : ` (started by pid ${ownerPid}, still running)`}`;
    super(`the Redis data folder ${dataDir} is in use by ${who}: stop that tower first, or give this one another data folder`);
    this.name = 'EmbeddedRedisInUseError';
  }
}

/** The `setpriv` arguments that start `binary conf` holding the folder's lock and dying with its parent. */
export function lockedServerArgs(binary: string, conf: string, lockFile: string): string[] {
  return [
    '--pdeathsig', 'SIGTERM',
    'flock', '--exclusive', '--nonblock', '--no-fork', '--conflict-exit-code', String(LOCK_CONFLICT_STATUS), lockFile,
    binary, conf,
  ];
}

/** A redis-server found serving a data folder. */
export interface ServingRedis {
  readonly pid: number;
  /** Its parent now. */
  readonly ppid: number;
  /** The pid that started it (from its environment); null for a server started without the mark. */
  readonly owner: number | null;
}

/** True when the server's parent is no longer the process that started it. */
export function isOrphan(server: ServingRedis): boolean {
  // A server started without the mark (an older version) counts as an orphan only once adopted by init.
  return server.owner === null ? server.ppid === 1 : server.ppid !== server.owner;
}

/**
 * The redis-server serving `dataDir`, if one is running: the pid in its pid
 * file, else the one answering on the port of `confFile` (the previous
 * start's configuration) with `password`; either only when its working
 * folder is `dataDir`.
 */
export async function findServingRedis(dataDir: string, confFile: string, password: string): Promise<ServingRedis | null> {
  const dir = await realpath(dataDir);
  const candidates = [await pidFromFile(path.join(dataDir, EMBEDDED_REDIS_PIDFILE))];
  const port = await portOf(confFile);
  if (port !== null) candidates.push(await pidOnPort(port, password));
  for (const pid of candidates) {
    if (pid === null || !(await servesFolder(pid, dir))) continue;
    const found = await processFacts(pid);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Make way for a new server on `dataDir`: nothing to do when none serves
 * it; an orphan is stopped (SIGTERM, then waited for); a server whose
 * tower still runs is refused with `EmbeddedRedisInUseError`.
 */
export async function reclaimDataDir(dataDir: string, confFile: string, password: string, log: (line: string) => void): Promise<void> {
  const server = await findServingRedis(dataDir, confFile, password);
  if (server === null) return;
  if (!isOrphan(server)) throw new EmbeddedRedisInUseError(dataDir, server.pid, server.owner ?? server.ppid);
  log(`stopping redis-server pid ${server.pid}, left serving ${dataDir} by a tower process that is gone (its parent is now pid ${server.ppid})`);
  try {
    process.kill(server.pid, 'SIGTERM');
  } catch {
    return; // gone already
  }
  const deadline = performance.now() + ORPHAN_STOP_MS;
  while (await alive(server.pid)) {
    if (performance.now() > deadline) {
      throw new EmbeddedRedisInUseError(dataDir, server.pid, null);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function pidFromFile(file: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** The `port` line of a configuration file we wrote. */
async function portOf(confFile: string): Promise<number | null> {
  try {
    const m = /^port (\d+)$/m.exec(await readFile(confFile, 'utf8'));
    const port = m === null ? 0 : Number(m[1]);
    return port > 0 && port < 65536 ? port : null;
  } catch {
    return null;
  }
}

async function servesFolder(pid: number, dir: string): Promise<boolean> {
  try {
    const [cwd, comm] = await Promise.all([readlink(`/proc/${pid}/cwd`), readFile(`/proc/${pid}/comm`, 'utf8')]);
    return cwd === dir && comm.includes('redis');
  } catch {
    return false;
  }
}

async function processFacts(pid: number): Promise<ServingRedis | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1] ?? NaN);
    if (!Number.isSafeInteger(ppid)) return null;
    let owner: number | null = null;
    try {
      const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      const mark = environ.find((e) => e.startsWith(`${EMBEDDED_REDIS_OWNER_ENV}=`));
      const n = mark === undefined ? NaN : Number(mark.slice(EMBEDDED_REDIS_OWNER_ENV.length + 1));
      owner = Number.isSafeInteger(n) && n > 0 ? n : null;
    } catch {
      // Not readable: treated as unmarked.
    }
    return { pid, ppid, owner };
  } catch {
    return null;
  }
}

/** True while the process exists and is not a zombie. */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The `process_id` a Redis server on the port reports in `INFO server`, once it takes the password; null otherwise. */
function pidOnPort(port: number, password: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (pid: number | null): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1000, () => done(null));
    socket.once('error', () => done(null));
    socket.once('connect', () => socket.write(`*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n') && !reply.startsWith('+OK')) return done(null);
      const m = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (m !== null) done(Number(m[1]));
    });
  });
}

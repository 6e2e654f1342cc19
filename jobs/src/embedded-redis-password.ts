/**
 * The password of an embedded Redis: random, kept in a file of mode 0600 and
 * reused on every later start, so a restarted server takes the clients of
 * the one before it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Characters a stored password may hold: safe in a `redis://` URL and a redis.conf line as they are. */
const PASSWORD = /^[A-Za-z0-9._~-]{16,256}$/;

/** A password file that cannot be used. */
export class RedisPasswordFileError extends Error {
  readonly code = 'REDIS_PASSWORD_FILE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisPasswordFileError';
  }
}

/**
 * The password in `file` (its first line), or a new random one (32 bytes,
 * hex) written there with mode 0600 when the file does not exist. A file
 * that group or others may read is made 0600 first. Throws
 * `RedisPasswordFileError` for a file that holds no usable password
 * (16..256 of `A-Z a-z 0-9 . _ ~ -`).
 */
export async function readOrCreateRedisPassword(file: string): Promise<string> {
  const existing = await readPassword(file);
  if (existing !== null) return existing;
  await mkdir(path.dirname(file), { recursive: true });
  const password = randomBytes(32).toString('hex');
  try {
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const theirs = await readPassword(file);
      if (theirs !== null) return theirs;
    }
    throw new RedisPasswordFileError(`cannot write the Redis password file ${file}: ${(err as Error).message}`, { cause: err });
  }
  await chmod(file, 0o600);
  return password;
}

async function readPassword(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RedisPasswordFileError(`cannot read the Redis password file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const password = (text.split('\n')[0] ?? '').trim();
  if (!PASSWORD.test(password)) {
    throw new RedisPasswordFileError(`${file} holds no Redis password (16..256 letters, digits and . _ ~ -): fix it or delete it to generate a new one`);
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return password;
}

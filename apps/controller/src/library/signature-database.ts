/**
 * What a ClamAV signature database folder holds, for a scan's record: the
 * official databases' versions (from their 512-byte header,
 * `ClamAV-VDB:<build time>:<version>:<signatures>:...`, the header
 * `clamscan --version` reads too) and every other signature file's SHA-256,
 * as a hand-made database has no version.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SignatureFile } from './malware-scan.js';

/** Official, versioned database containers. */
const VERSIONED = new Set(['.cvd', '.cld', '.cud']);
/** Every signature file type clamscan loads from a database folder (ClamAV's signature documentation). */
const SIGNATURE_TYPES = new Set([
  ...VERSIONED, '.hdb', '.hsb', '.hdu', '.hsu', '.mdb', '.msb', '.mdu', '.msu', '.ndb', '.ndu', '.ldb', '.ldu', '.idb', '.cdb',
  '.cfg', '.crb', '.cat', '.gdb', '.pdb', '.wdb', '.ftm', '.fp', '.sfp', '.ign', '.ign2', '.info', '.yar', '.yara', '.pwdb', '.cbc', '.imp',
]);

/** Why a database folder cannot be used; the message says what to do. */
export class SignatureDatabaseProblem extends Error {}

/** The header fields of an official database file, or null when it has none. */
export function parseDatabaseHeader(header: Buffer): { version: number; builtAt: string; signatures: number } | null {
  const text = header.subarray(0, 512).toString('latin1');
  const m = /^ClamAV-VDB:([^:]*):(\d+):(\d+):/.exec(text);
  return m === null ? null : { builtAt: m[1] ?? '', version: Number(m[2]), signatures: Number(m[3]) };
}

async function headerOf(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Describe the signature files of `dir`, sorted by name. Throws
 * `SignatureDatabaseProblem` when the folder is missing or holds none.
 */
export async function describeSignatureFiles(dir: string): Promise<SignatureFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${(err as Error).message})`;
    throw new SignatureDatabaseProblem(`the signature database ${dir} ${why}: run freshclam to fetch the signatures, or set library.malwareScan.database`);
  }
  const files: SignatureFile[] = [];
  for (const name of names.sort()) {
    const ext = path.extname(name).toLowerCase();
    if (!SIGNATURE_TYPES.has(ext)) continue;
    const full = path.join(dir, name);
    const info = await stat(full);
    if (!info.isFile()) continue;
    const header = VERSIONED.has(ext) ? parseDatabaseHeader(await headerOf(full)) : null;
    files.push(header === null
      ? { name, bytes: info.size, sha256: await sha256Of(full) }
      : { name, bytes: info.size, version: header.version, builtAt: header.builtAt });
  }
  if (files.length === 0) {
    throw new SignatureDatabaseProblem(`the signature database ${dir} holds no signature files (.cvd, .cld, .hdb, .ndb...): run freshclam to fetch them`);
  }
  return files;
}

/** The version freshclam moves on: `daily`'s, else the highest official file's; null when none is versioned. */
export function databaseVersion(files: readonly SignatureFile[]): number | null {
  const daily = files.find((f) => f.version !== undefined && /^daily\./.test(f.name));
  if (daily?.version !== undefined) return daily.version;
  const versions = files.flatMap((f) => (f.version === undefined ? [] : [f.version]));
  return versions.length === 0 ? null : Math.max(...versions);
}

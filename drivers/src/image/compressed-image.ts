/**
 * Compressed images (an `.iso.zst`, a `.bin.gz`): recognised by their magic
 * bytes, never their name (gzip, xz, bzip2, zstd), and decompressed by the
 * real tool (`gzip`, `xz`, `bzip2`, `zstd`, each `-d -c`) through the tool
 * runner, its output streamed to a consumer of the caller's (the library's
 * capped, hashing copy) and never buffered whole. The proof is the format's
 * own checksum, which the tool checks as it decompresses and fails on
 * (gzip's CRC-32, bzip2's block and stream CRCs, xz's check, zstd's
 * XXH64): a stream that carries none (`xz --check=none`, `zstd --no-check`)
 * is refused, since nothing would prove the bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { CancelledError } from '../errors.js';
import { runTool, toolFailure } from '../tool-process.js';
import { imageProblem } from './image-read-error.js';

/** Compression formats recognised. */
export type Compression = 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** The integrity check a compressed stream carries. */
export type StreamChecksum = 'CRC-32' | 'CRC-64' | 'SHA-256' | 'XXH64' | 'none';

/** What the magic bytes say. */
export interface CompressionInfo {
  readonly compression: Compression;
  /** The check of the first stream or frame (the tool verifies it as it decompresses). */
  readonly checksum: StreamChecksum;
}

const XZ_CHECKS: Record<number, StreamChecksum> = { 0: 'none', 1: 'CRC-32', 4: 'CRC-64', 10: 'SHA-256' };
const BZIP2_BLOCK = Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]);
const BZIP2_EMPTY = Buffer.from([0x17, 0x72, 0x45, 0x38, 0x50, 0x90]);

/** The compression of a file from its first bytes, or null. */
export function detectCompression(head: Buffer): CompressionInfo | null {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return { compression: 'gzip', checksum: 'CRC-32' };
  if (head.length >= 8 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    return { compression: 'xz', checksum: XZ_CHECKS[(head[7] ?? 0) & 0x0f] ?? 'none' };
  }
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'BZh' && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39) {
    const block = head.subarray(4, 10);
    if (block.equals(BZIP2_BLOCK) || block.equals(BZIP2_EMPTY)) return { compression: 'bzip2', checksum: 'CRC-32' };
  }
  if (head.length >= 5 && head.readUInt32LE(0) === 0xfd2fb528) {
    // Frame header descriptor: bit 2 is the content checksum flag.
    return { compression: 'zstd', checksum: ((head[4] ?? 0) & 0x04) !== 0 ? 'XXH64' : 'none' };
  }
  return null;
}

/** What a decompression proved. */
export interface Decompression<T> extends CompressionInfo {
  /** The command run (argument array). */
  readonly command: readonly string[];
  /** SHA-256 and size of the compressed source. */
  readonly sourceSha256: string;
  readonly sourceBytes: number;
  /** What the consumer of the output gave back. */
  readonly output: T;
}

async function hashSource(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Decompress `source` (of `info`'s format) with its tool, handing the
 * output stream to `consume` (which caps and stores it; its refusal, say a
 * decompression bomb over the limit, stops the tool and is rethrown as is).
 * Throws `ImageReadError` `conversion-failed` when the stream carries no
 * checksum or the tool fails (a corrupt stream, a checksum that does not
 * hold), `ToolMissingError` when the tool is not installed.
 */
export async function decompressImage<T>(
  source: string,
  info: CompressionInfo,
  consume: (output: Readable) => Promise<T>,
  signal?: AbortSignal,
): Promise<Decompression<T>> {
  if (info.checksum === 'none') {
    throw imageProblem('conversion-failed', `the ${info.compression} stream carries no checksum, so nothing proves its decompressed bytes: compress it again with one (xz --check=crc64, zstd --check)`);
  }
  const command = [info.compression, '-d', '-c', '--', source];
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let consumed: Promise<T> | undefined;
  try {
    const run = runTool({
      program: info.compression,
      args: command.slice(1),
      signal: stop.signal,
      killGraceMs: 500,
      takeStdout: (stdout) => {
        consumed = consume(stdout).catch((err: unknown) => {
          stop.abort();
          throw err;
        });
        consumed.catch(() => undefined);
      },
    });
    const [ran, output] = await Promise.allSettled([run, run.then(() => consumed, () => consumed)]);
    if (signal?.aborted && ran.status === 'rejected') throw ran.reason;
    if (output.status === 'rejected' && !(output.reason instanceof CancelledError)) throw output.reason;
    if (ran.status === 'rejected') throw ran.reason;
    if (ran.value.exitCode !== 0 || output.status === 'rejected' || consumed === undefined) {
      const said = toolFailure(ran.value, 3).output.replace(/\s+/g, ' ').trim();
      throw imageProblem('conversion-failed', `${info.compression} could not decompress the image (exit ${ran.value.exitCode ?? ran.value.signal}): ${said || 'no message'}`);
    }
    const hashed = await hashSource(source);
    return { ...info, command, sourceSha256: hashed.sha256, sourceBytes: hashed.bytes, output: output.value as T };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

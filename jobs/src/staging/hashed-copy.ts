/**
 * What the staging cache's copies share: the tail of a staging pipeline,
 * `tee -- <part> | openssl dgst -sha256 -r`, which writes its input into the
 * part file and prints the SHA-256 of what it wrote (the bytes never enter
 * JavaScript), the reading of that run, and Node's fallback when `tee` or
 * `openssl` is missing: a transform that hashes what passes through it.
 */
import type { Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { ImageError } from 'node-cdrecord-wrapper';
import { runPipeline } from './tool-pipeline.js';
import type { PipedCommand, PipedExit, PipelineOptions } from './tool-pipeline.js';

/** The programs that copy and hash a staged image's bytes. */
export interface StagingTools {
  readonly tee: string;
  readonly openssl: string;
}

const DEFAULT_TOOLS: StagingTools = { tee: 'tee', openssl: 'openssl' };

/** `tee -- part | openssl dgst -sha256 -r`: appended to a program that writes the bytes, or fed a file (`PipelineOptions.input`). */
export function teeAndHash(part: string, tools: StagingTools = DEFAULT_TOOLS): PipedCommand[] {
  return [{ program: tools.tee, args: ['--', part] }, { program: tools.openssl, args: ['dgst', '-sha256', '-r'] }];
}

/** The last lines a failed program printed, on one line. */
export function lastLines(exit: PipedExit): string {
  return exit.stderr.split(/\r|\n/).map((l) => l.trim()).filter((l) => l !== '').slice(-3).join(' ') || 'no message';
}

/**
 * Run a pipeline that ends in `openssl dgst -sha256 -r` (after
 * {@link teeAndHash}, or alone on a file): the SHA-256 openssl printed (hex). The first program that failed becomes `failure(exit, how, index)`,
 * `how` its exit code or signal in words and `index` its place in the pipeline.
 */
export async function digestOfPipeline(
  commands: readonly PipedCommand[],
  options: PipelineOptions,
  failure: (exit: PipedExit, how: string, index: number) => ImageError,
): Promise<string> {
  const run = await runPipeline(commands, { killGraceMs: 500, ...options });
  const failed = run.failed ?? run.exits.find((e) => e.exitCode !== 0 || e.signal !== null);
  if (failed !== undefined && failed !== null) {
    throw failure(failed, failed.signal === null ? `exit ${failed.exitCode}` : `killed by ${failed.signal}`, run.exits.indexOf(failed));
  }
  const sha256 = /^([0-9a-f]{64}) /.exec(run.stdout)?.[1];
  if (sha256 === undefined) throw new ImageError(`openssl dgst printed no SHA-256 for the staged image: ${run.stdout.trim() || 'nothing'}`);
  return sha256;
}

/** A pass-through stream feeding `hash` with every chunk (and `counted` with its length). */
export function hashingTransform(hash: Hash, counted: (bytes: number) => void = () => undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      counted(chunk.length);
      done(null, chunk);
    },
  });
}

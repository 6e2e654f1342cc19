/**
 * A MAME CHD into the library: its v5 header read (the logical size must fit
 * the library's limit before anything is extracted), its SHA-1s checked by
 * `chdman verify` (the format's own proof), then extracted by chdman: a CD
 * CHD (`extractcd`) becomes a CUE image staged like any other (with tracks
 * of different frame sizes, one BIN per track: chd-tracks-import.ts), a raw CHD
 * (`extractraw`) an ISO whose SHA-1 must be the raw SHA-1 of the header.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { chdContent, parseCueSheet, readChdHeader, runTool, toolFailure, verifyChd } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedImage, Staging } from './image-intake.js';
import { finalNames, stageCue } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { validateImageFile } from './image-validator.js';
import { stageChdTracks } from './chd-tracks-import.js';

function wrapSync<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw fromImageReadError(err);
  }
}

async function sha1Of(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

async function extract(args: string[], signal?: AbortSignal): Promise<void> {
  const run = await runTool({ program: 'chdman', args, keepChars: 8192, ...(signal ? { signal } : {}) });
  if (run.exitCode !== 0) throw new ImageConversionError(`chdman ${args[0] ?? ''} failed (exit ${run.exitCode ?? run.signal}): ${toolFailure(run, 2).output.slice(-200)}`);
}

/** Stage the CHD `source` as a CUE image (CD) or an ISO (raw). */
export async function stageChd(staging: Staging, id: string, source: string, options: ConversionOptions): Promise<StagedImage> {
  const wrap = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => { throw fromImageReadError(err); });
  const handle = await open(source, 'r');
  const head = Buffer.alloc(124);
  const { size } = await handle.stat();
  await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const header = await wrap(Promise.resolve().then(() => readChdHeader(head, size)));
  const sourceName = options.sourceName ?? path.basename(source);
  if (header.hasParent) throw new ImageConversionError(`CHD ${sourceName} is a delta of a parent CHD: import the parent merged (chdman copy)`);
  if (header.logicalBytes > options.limitBytes) {
    throw new ConversionTooLargeError(`CHD ${sourceName} holds ${header.logicalBytes} bytes, more than the library's limit of ${options.limitBytes}: refused before extraction`);
  }
  const content = await wrap(chdContent(source, options.signal));
  const verified = await wrap(verifyChd(source, options.signal));
  const names = finalNames(id);
  let staged: StagedImage;
  let command: string[];
  let proof: string;
  if (content.kind === 'cd') {
    const cue = staging.file('chd.cue');
    const bin = staging.file('chd.bin');
    await extract(['extractcd', '-i', source, '-o', cue, '-ob', bin], options.signal);
    if ((await stat(bin)).size > options.limitBytes) throw new ConversionTooLargeError(`CHD ${sourceName} extracts to more than the library's limit of ${options.limitBytes} bytes`);
    const cueText = (await readFile(cue)).toString('latin1');
    command = ['chdman', 'extractcd', '-i', sourceName, '-o', 'chd.cue', '-ob', 'chd.bin'];
    if (new Set(wrapSync(() => parseCueSheet(cueText)).tracks.map((t) => t.frameBytes)).size > 1) {
      // Tracks of different frame sizes in chdman's one BIN: one BIN per track, laid out by chdman's TOC (chd-tracks-import.ts).
      const planned = await stageChdTracks(staging, id, source, bin, `CHD ${sourceName}`, (args) => extract(args, options.signal), options);
      staged = planned.staged;
      command = [...command, '+', 'chdman', 'extractcd', '-i', sourceName, '-o', 'chd.toc', '-ob', 'chd-toc.bin'];
      proof = `${verified}; ${planned.proof}`;
    } else {
      staged = await stageCue(staging, id, cueText, async (name) => {
        if (name !== 'chd.bin') throw new ImageConversionError(`chdman's CUE sheet names ${name}, not the BIN it was told to write`);
        return createReadStream(bin);
      });
      proof = `${verified}; ${content.tracks.length} CD track(s) (${content.tracks.join('; ')}) extracted by chdman and read as a CUE image`;
    }
  } else {
    const dest = staging.file(names.iso);
    await extract(['extractraw', '-i', source, '-o', dest], options.signal);
    const sha1 = await sha1Of(dest);
    if (sha1 !== header.rawSha1) throw new ImageConversionError(`chdman's extracted image has SHA-1 ${sha1}, the CHD header records ${header.rawSha1}`);
    const { sha256, bytes } = await hashFile(dest);
    const validated = await validateImageFile(dest, { expectFormat: 'iso' });
    staged = { files: [{ staged: dest, finalName: names.iso, role: 'iso', bytes, sha256 }], imageFile: names.iso, validated, sha256 };
    command = ['chdman', 'extractraw', '-i', sourceName, '-o', names.iso];
    proof = `${verified}; the extracted image's SHA-1 is the header's raw SHA-1 (${header.rawSha1})`;
  }
  options.precheck?.(staged.validated);
  const kept = options.keepOriginal ? await keepSource(staging, source, `${names.iso.replace(/\.iso$/, '')}.chd`, options.movable === true) : undefined;
  const whole = kept ?? (await hashFile(source));
  const conversion: ConversionProof = {
    from: 'chd', sourceSha256: whole.sha256, sourceBytes: whole.bytes, command, checksum: `SHA-1 ${header.sha1}`,
    proof: `${proof}; then the image read and validated`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  return { ...staged, files: kept ? [...staged.files, kept] : staged.files, conversion };
}


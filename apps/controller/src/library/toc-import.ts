/**
 * A cdrdao TOC file into the library: converted to a CUE sheet by toc2cue
 * (drivers' `convertTocFile`, whose sheet must list the TOC's tracks with
 * the same modes), then staged as a CUE image with the data files the TOC
 * names, read from beside it (inside its folder, and after symlinks inside
 * the import roots). toc2cue keeps no CD-TEXT, ISRC or CATALOG, so a TOC
 * that has them is kept beside the image (role `source`) whatever the
 * caller asked.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { convertTocFile, parseTocFile } from 'node-cdrecord-wrapper';
import { ContainerPathTraversalError, fromImageReadError, ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedImage, Staging } from './image-intake.js';
import { finalNames, stageCue } from './image-intake.js';
import type { ConversionProof } from './image-record.js';

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Stage the TOC file `source` as a CUE image. Refusals: the drivers' TOC
 * refusals as library errors (`ContainerPathTraversalError` for a file
 * named outside the TOC's folder, `CueStructureError`, `ImageConversionError`
 * when toc2cue fails or disagrees), a data file missing or resolving
 * outside `binRoots`, then the CUE image's own validation.
 */
export async function stageToc(staging: Staging, id: string, source: string, binRoots: readonly string[], options: ConversionOptions): Promise<StagedImage> {
  const folder = await realpath(path.dirname(source));
  const resolve = async (name: string): Promise<string> => {
    const lexical = path.resolve(folder, name.replace(/\\/g, '/'));
    const info = await stat(lexical).catch(() => null);
    if (!info?.isFile()) throw new ImageConversionError(`TOC file names a missing file: ${name}`);
    const real = await realpath(lexical);
    if (!isInside(folder, lexical) || !binRoots.some((root) => isInside(root, real))) {
      throw new ContainerPathTraversalError(`TOC file names a file that resolves outside its folder: ${name}`);
    }
    return real;
  };
  // Every file the TOC names is checked before toc2cue opens any of them.
  const toc = (() => {
    try {
      return parseTocFile(readFileSync(source).toString('latin1'), { refuseSwap: true });
    } catch (err) {
      throw fromImageReadError(err);
    }
  })();
  for (const name of toc.files) await resolve(name);
  const conversion = await convertTocFile(source, staging.file('toc2cue.cue'), options.signal).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  const staged = await stageCue(staging, id, conversion.cueText, async (name) => createReadStream(await resolve(name)));
  if (staged.validated.sectors !== conversion.discFrames) {
    throw new ImageConversionError(`the CUE image toc2cue made is ${staged.validated.sectors} frames long, cdrdao reads the TOC file as ${conversion.discFrames}`);
  }
  options.precheck?.(staged.validated);
  const keep = options.keepOriginal || conversion.toc.hasCdText;
  const kept = keep ? await keepSource(staging, source, `${finalNames(id).cue.replace(/\.cue$/, '')}.toc`, false) : undefined;
  const hashed = kept ?? (await hashFile(source));
  const proof: ConversionProof = {
    from: 'toc',
    sourceSha256: hashed.sha256,
    sourceBytes: hashed.bytes,
    command: conversion.command,
    proof: `cdrdao show-toc accepts the TOC file against its data files (${conversion.discFrames} frames); ${conversion.proof}; the CUE image then read and validated against the data files, as long as cdrdao's reading${conversion.toc.hasCdText ? '; toc2cue drops CD-TEXT, ISRC and CATALOG, so the TOC file is kept beside the image' : ''}`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  return { ...staged, files: kept ? [...staged.files, kept] : staged.files, conversion: proof };
}

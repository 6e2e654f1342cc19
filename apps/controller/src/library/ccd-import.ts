/**
 * A CloneCD image (`.ccd` + `.img` [+ `.sub`]) into the library: the control
 * file parsed by the drivers' `parseCcd` (one session, unscrambled; audio
 * or Mode 2 tracks make a CUE image: ccd-tracks-import.ts), the `.img`
 * found beside it by its base name
 * (inside its folder, and after symlinks inside the import roots), every raw
 * sector checked (sync, address, mode) while its user data is hashed, then
 * converted by ccd2iso; the ISO must hash to that user data, or it is
 * refused. The proof goes into the provenance.
 */
import { readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkRawMode1, parseCcd, RAW_SECTOR, runTool, toolFailure } from 'node-cdrecord-wrapper';
import { ContainerPathTraversalError, fromImageReadError, ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { validateImageFile } from './image-validator.js';
import { scanSub, stageCcdTracks, subProof } from './ccd-tracks-import.js';

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The `.img` (or `.IMG`) beside a control file, resolved inside its folder and the import roots; null when there is none. */
async function companion(source: string, ext: string, binRoots: readonly string[]): Promise<string | null> {
  const folder = await realpath(path.dirname(source));
  const base = path.basename(source).replace(/\.[^.]*$/, '');
  for (const name of [`${base}.${ext}`, `${base}.${ext.toUpperCase()}`]) {
    const lexical = path.join(folder, name);
    const info = await stat(lexical).catch(() => null);
    if (!info) continue;
    const real = await realpath(lexical);
    if (!info.isFile() || !binRoots.some((root) => isInside(root, real))) {
      throw new ContainerPathTraversalError(`CloneCD image ${name} resolves outside its folder (or is not a file)`);
    }
    return real;
  }
  return null;
}

/** Stage the CloneCD control file `source` (with its `.img`) as an ISO. */
export async function stageCcd(staging: Staging, id: string, source: string, binRoots: readonly string[], options: ConversionOptions): Promise<StagedImage> {
  const ccd = (() => {
    try {
      return parseCcd(readFileSync(source).toString('latin1'));
    } catch (err) {
      throw fromImageReadError(err);
    }
  })();
  if (ccd.sessions !== 1 || ccd.scrambled) {
    throw new ImageConversionError(`CloneCD image with ${ccd.sessions} session(s), tracks of modes ${ccd.tracks.map((t) => t.mode).join(', ')}${ccd.scrambled ? ', scrambled' : ''}: only one session of unscrambled tracks is converted`);
  }
  const img = await companion(source, 'img', binRoots);
  if (!img) throw new ImageConversionError(`CloneCD control file ${path.basename(source)} has no .img beside it`);
  const sub = await companion(source, 'sub', binRoots);
  const imgBytes = (await stat(img)).size;
  // CD-TEXT needs a TOC file beside a BIN/CUE, so such an image is converted track by track even when all Mode 1.
  // R-W subchannel, like CD-TEXT, is burned only from a TOC beside a BIN/CUE (a .sub of the wrong size is refused here or below).
  const rwData = sub !== null && imgBytes % RAW_SECTOR === 0 && (await scanSub(sub, imgBytes / RAW_SECTOR).catch(() => null))?.rwSectors;
  if (ccd.tracks.some((t) => t.mode !== 1) || ccd.cdText || (typeof rwData === 'number' && rwData > 0)) return stageCcdTracks(staging, id, { source, img, imgBytes, ...(sub ? { sub } : {}) }, ccd, options);
  const check = await checkRawMode1(img, imgBytes, Math.floor(options.limitBytes / 2048)).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  const scan = sub ? await scanSub(sub, check.sectors) : undefined;
  const names = finalNames(id);
  const dest = staging.file(names.iso);
  const run = await runTool({ program: 'ccd2iso', args: [img, dest], keepChars: 4096, ...(options.signal ? { signal: options.signal } : {}) });
  if (run.exitCode !== 0) throw new ImageConversionError(`ccd2iso could not convert the image (exit ${run.exitCode ?? run.signal}): ${toolFailure(run, 2).output.slice(-200)}`);
  const iso = await hashFile(dest);
  if (iso.sha256 !== check.userDataSha256) {
    throw new ImageConversionError(`ccd2iso's ISO (${iso.bytes} bytes) is not the user data of the image's ${check.sectors} sectors`);
  }
  const validated = await validateImageFile(dest, { expectFormat: 'iso' });
  options.precheck?.(validated);
  const stem = names.iso.replace(/\.iso$/, '');
  const kept = options.keepOriginal
    ? [await keepSource(staging, source, `${stem}.ccd`, false), await keepSource(staging, img, `${stem}.img`, false), ...(sub ? [await keepSource(staging, sub, `${stem}.sub`, false)] : [])]
    : sub && scan && scan.rwSectors > 0
      ? [await keepSource(staging, source, `${stem}.ccd`, false), await keepSource(staging, sub, `${stem}.sub`, false)]
      : [];
  const control = kept[0] ?? (await hashFile(source));
  const conversion: ConversionProof = {
    from: 'ccd',
    sourceSha256: control.sha256,
    sourceBytes: control.bytes,
    command: ['ccd2iso', path.basename(img), names.iso],
    proof: `CloneCD v${ccd.version}, ${ccd.tracks.length} Mode 1 track(s): all ${check.sectors} raw sectors of ${path.basename(img)} (${imgBytes} bytes, ${RAW_SECTOR} each) have their sync, address and mode; ccd2iso's ISO hashes to their user data; then the image read and validated${scan ? `; ${subProof(scan, false)}` : ''}`,
    ...(kept[0] ? { keptSource: kept.map((k) => k.finalName).join(', ') } : {}),
    ...(scan && kept.length > 0 ? { subchannel: { file: `${stem}.sub`, sectors: scan.sectors, rwSectors: scan.rwSectors, burned: false } } : {}),
  };
  const file: StagedFile = { staged: dest, finalName: names.iso, role: 'iso', bytes: iso.bytes, sha256: iso.sha256 };
  return { files: [file, ...kept], imageFile: names.iso, validated, sha256: iso.sha256, conversion };
}

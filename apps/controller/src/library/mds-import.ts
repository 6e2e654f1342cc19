/**
 * An Alcohol 120% image (`.mds` descriptor + `.mdf` data) into the library:
 * the descriptor parsed by the drivers' `parseMds` (one session; several
 * tracks or audio become a CUE image in mds-tracks-import.ts, tracks with
 * interleaved subchannel one in mds-subchannel-import.ts), the data file found
 * beside it (`*.mdf`: the descriptor's base name; never outside its folder
 * or the import roots). A 2048-byte track is copied out by its extent (its
 * bytes are the ISO: mdf2iso calls such a file ISO 9660 already); a
 * 2352-byte track has every raw sector checked and is converted by mdf2iso,
 * whose ISO must hash to the sectors' user data.
 */
import type { Stats } from 'node:fs';
import { createReadStream, readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MdsTrack } from 'node-cdrecord-wrapper';
import { checkRawMode1, parseMds, runTool, toolFailure } from 'node-cdrecord-wrapper';
import { ContainerPathTraversalError, ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import { copyAndHash, hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { validateImageFile } from './image-validator.js';
import { stageMdsSubchannelTracks } from './mds-subchannel-import.js';
import { stageMdsTracks } from './mds-tracks-import.js';

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The data file a track names, beside the descriptor (`*.mdf`: its base name), resolved inside the import roots. */
export async function mdsDataFile(source: string, track: MdsTrack, binRoots: readonly string[]): Promise<{ name: string; info: Stats; mdf: string }> {
  const folder = await realpath(path.dirname(source));
  const name = track.fileName.toLowerCase() === '*.mdf' ? `${path.basename(source).replace(/\.[^.]*$/, '')}.mdf` : track.fileName;
  const lexical = path.join(folder, name);
  const info = await stat(lexical).catch(() => null);
  if (!info?.isFile()) throw new ImageConversionError(`MDS descriptor names a missing data file: ${name}`);
  const mdf = await realpath(lexical);
  if (!binRoots.some((root) => isInside(root, mdf))) throw new ContainerPathTraversalError(`MDS data file ${name} resolves outside its folder`);
  return { name, info, mdf };
}

/** Stage the MDS descriptor `source` (with its data file) as an ISO. */
export async function stageMds(staging: Staging, id: string, source: string, binRoots: readonly string[], options: ConversionOptions): Promise<StagedImage> {
  const mds = (() => {
    try {
      return parseMds(readFileSync(source));
    } catch (err) {
      throw fromImageReadError(err);
    }
  })();
  const track = mds.tracks[0];
  if (mds.sessions !== 1 || mds.tracks.length !== 1 || !track || !['MODE1', 'DVD'].includes(track.mode) || track.subchannel !== 0 || ![2048, 2352].includes(track.sectorBytes)) {
    const list = mds.tracks.map((t) => `${t.number} ${t.mode}/${t.sectorBytes}${t.subchannel ? '+sub' : ''}`).join(', ');
    if (mds.sessions !== 1) throw new ImageConversionError(`MDS image with ${mds.sessions} session(s), tracks ${list}: only one session is converted`);
    if (mds.tracks.some((t) => t.subchannel !== 0)) return stageMdsSubchannelTracks(staging, id, source, mds, (t) => mdsDataFile(source, t, binRoots), options);
    return stageMdsTracks(staging, id, source, mds, (t) => mdsDataFile(source, t, binRoots), options);
  }
  const { name, info, mdf } = await mdsDataFile(source, track, binRoots);
  const sectors = track.sectors > 0 ? track.sectors : Math.floor((info.size - track.startOffset) / track.sectorBytes);
  const end = track.startOffset + sectors * track.sectorBytes;
  if (sectors === 0 || end > info.size) throw new ImageConversionError(`MDS track 1 (${sectors} sectors from byte ${track.startOffset}) runs past the end of ${name} (${info.size} bytes)`);
  if (sectors * 2048 > options.limitBytes) throw new ConversionTooLargeError(`MDS image ${path.basename(source)}: ${sectors * 2048} bytes of data, more than the library's limit of ${options.limitBytes}`);
  const names = finalNames(id);
  const dest = staging.file(names.iso);
  let sha256: string;
  let bytes: number;
  let how: string;
  let command: string[];
  if (track.sectorBytes === 2048) {
    ({ sha256, bytes } = await copyAndHash(createReadStream(mdf, { start: track.startOffset, end: end - 1 }), dest));
    command = ['copy', name, `bytes ${track.startOffset}-${end}`];
    how = `track 1 (${track.mode}, 2048-byte sectors) is bytes ${track.startOffset} to ${end} of ${name}, copied out by the library`;
  } else {
    if (track.startOffset !== 0 || end !== info.size) throw new ImageConversionError(`MDS track 1 is not the whole of ${name}: mdf2iso would convert more than the track`);
    const check = await checkRawMode1(mdf, info.size, Math.floor(options.limitBytes / 2048)).catch((err: unknown) => {
      throw fromImageReadError(err);
    });
    const run = await runTool({ program: 'mdf2iso', args: [mdf, dest], keepChars: 4096, ...(options.signal ? { signal: options.signal } : {}) });
    if (run.exitCode !== 0) throw new ImageConversionError(`mdf2iso could not convert the image (exit ${run.exitCode ?? run.signal}): ${toolFailure(run, 2).output.slice(-200)}`);
    ({ sha256, bytes } = await hashFile(dest));
    if (sha256 !== check.userDataSha256) throw new ImageConversionError(`mdf2iso's ISO (${bytes} bytes) is not the user data of ${name}'s ${check.sectors} sectors`);
    command = ['mdf2iso', name, names.iso];
    how = `all ${check.sectors} raw sectors of ${name} have their sync, address and mode; mdf2iso's ISO hashes to their user data`;
  }
  const validated = await validateImageFile(dest, { expectFormat: 'iso' });
  options.precheck?.(validated);
  const stem = names.iso.replace(/\.iso$/, '');
  const kept = options.keepOriginal ? [await keepSource(staging, source, `${stem}.mds`, false), await keepSource(staging, mdf, `${stem}.mdf`, false)] : [];
  const descriptor = kept[0] ?? (await hashFile(source));
  const conversion: ConversionProof = {
    from: 'mds',
    sourceSha256: descriptor.sha256,
    sourceBytes: descriptor.bytes,
    command,
    proof: `MDS v${mds.version}: ${how}; then the image read and validated`,
    ...(kept[0] ? { keptSource: kept.map((k) => k.finalName).join(', ') } : {}),
  };
  const file: StagedFile = { staged: dest, finalName: names.iso, role: 'iso', bytes, sha256 };
  return { files: [file, ...kept], imageFile: names.iso, validated, sha256, conversion };
}

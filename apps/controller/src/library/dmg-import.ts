/**
 * An Apple UDIF image (DMG: zlib, bzip2, raw and zero chunks) into the
 * library: its trailer and block tables read by the drivers' `readDmg`
 * (the decompressed size must fit the library's limit before anything
 * runs), converted by dmg2img into the staging folder under that limit,
 * then proven by the DMG's own checksums (dmg2img checks none): the data
 * fork's CRC-32 over the source, each partition's CRC-32 over its sectors
 * of the output, the master checksum over those. What comes out must be an
 * ISO 9660 or UDF volume (an ISO/HFS+ hybrid from `hdiutil makehybrid`
 * is one): the burners write, and verify reads back, ISO 9660/UDF data
 * discs, so an HFS+ or APFS volume alone is refused, saying so.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { DMG_SECTOR, hasIsoSignature, hasUdfOnlySignature, readDmg, runDmg2img, verifyDmgOutput } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError, UnburnableVolumeError } from './errors.js';
import type { ByteBudget } from './hashing-copy.js';
import { copyAndHash, hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { validateImageFile } from './image-validator.js';

/** The Mac volume at the start of a disk image (HFS+, HFSX, HFS, APFS, an Apple partition map), or null. */
function macVolume(head: Buffer): string | null {
  const at1024 = head.length >= 1026 ? head.toString('latin1', 1024, 1026) : '';
  if (at1024 === 'H+') return 'an HFS+ volume';
  if (at1024 === 'HX') return 'an HFSX volume';
  if (at1024 === 'BD') return 'an HFS volume';
  if (head.length >= 36 && head.toString('latin1', 32, 36) === 'NXSB') return 'an APFS container';
  if (head.length >= 514 && head.toString('latin1', 0, 2) === 'ER' && head.toString('latin1', 512, 514) === 'PM') return 'an Apple partition map (HFS+ partitions)';
  return null;
}

/** Stage the DMG `source` as an ISO. */
export async function stageDmg(staging: Staging, id: string, source: string, options: ConversionOptions): Promise<StagedImage> {
  const wrap = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => { throw fromImageReadError(err); });
  const dmg = await wrap(readDmg(source));
  const sourceName = options.sourceName ?? path.basename(source);
  const declared = dmg.sectors * DMG_SECTOR;
  if (declared > options.limitBytes) {
    throw new ConversionTooLargeError(`DMG image ${sourceName} holds ${declared} bytes, more than the library's limit of ${options.limitBytes}: refused before conversion`);
  }
  const names = finalNames(id);
  const dest = staging.file(names.iso);
  const budget: ByteBudget = {
    limitBytes: Infinity, usedBytes: 0,
    cap: { bytes: options.limitBytes, error: () => new ConversionTooLargeError(`dmg2img's output of ${sourceName} passed the library's limit of ${options.limitBytes} bytes (its block tables say ${declared}): stopped`) },
  };
  const done = await wrap(runDmg2img(source, staging.file('dmg2img.fifo'), (output) => copyAndHash(output, dest, { budget }), options.signal));
  if (done.output.bytes !== declared) throw new ImageConversionError(`DMG image ${sourceName}: dmg2img wrote ${done.output.bytes} bytes, its block tables say ${declared}`);
  const held = await wrap(verifyDmgOutput(source, dest, dmg));
  const head = Buffer.alloc(64 * 1024);
  const handle = await open(dest, 'r');
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const start = head.subarray(0, bytesRead);
  if (!hasIsoSignature(start) && !hasUdfOnlySignature(start)) {
    const mac = macVolume(start);
    if (mac) {
      throw new UnburnableVolumeError(`DMG image ${sourceName} holds ${mac} and no ISO 9660 or UDF volume: the tower burns and verifies ISO 9660/UDF data discs; make a hybrid (hdiutil makehybrid -iso -joliet -udf) and import that`);
    }
  }
  const validated = await validateImageFile(dest, { expectFormat: 'iso' });
  options.precheck?.(validated);
  const kept = options.keepOriginal ? await keepSource(staging, source, `${names.iso.replace(/\.iso$/, '')}.dmg`, options.movable === true) : undefined;
  const whole = kept ?? (await hashFile(source));
  const chunks = new Set(dmg.partitions.flatMap((p) => Object.keys(p.chunkTypes)).filter((t) => t !== 'comment' && t !== 'terminator'));
  const conversion: ConversionProof = {
    from: 'dmg',
    sourceSha256: whole.sha256,
    sourceBytes: whole.bytes,
    command: [...done.command.slice(0, 3), sourceName, '-o', 'dmg2img.fifo'],
    checksum: 'CRC-32',
    proof: `UDIF v${dmg.version}, ${dmg.partitions.length} partition(s) of ${[...chunks].sort().join(', ')} chunks, ${dmg.sectors} sectors of 512 bytes, converted by dmg2img (which checks no checksum); the DMG's own checksums checked by the library: ${held}; then the image read and validated`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  const iso: StagedFile = { staged: dest, finalName: names.iso, role: 'iso', bytes: done.output.bytes, sha256: done.output.sha256 };
  return { files: kept ? [iso, kept] : [iso], imageFile: names.iso, validated, sha256: done.output.sha256, conversion };
}

/**
 * Turn a validated image into its library record.
 */
import type { MediaClass } from 'node-cdrecord-wrapper';
import type { DamageReport } from './damage-report.js';
import type { ImageFile, ImageFilesystems, ImageRecord, Provenance } from './image-record.js';
import { SIDECAR_SCHEMA } from './image-record.js';
import type { ValidatedImage } from './image-validator.js';

/** Everything a record needs besides the validation. */
export interface RecordInput {
  readonly id: string;
  readonly name: string;
  readonly imageFile: string;
  readonly files: readonly ImageFile[];
  readonly sha256: string;
  readonly provenance: Provenance;
  readonly damage: DamageReport | null;
  readonly now: string;
  /** CDTEXTFILE named by the original sheet (dropped from the library's copy). */
  readonly droppedCdTextFile?: string;
}

function filesystemsOf(v: ValidatedImage): ImageFilesystems | undefined {
  if (v.format !== 'iso') return undefined;
  const iso = v.iso;
  return {
    iso9660: iso.iso9660,
    joliet: iso.joliet,
    rockRidge: iso.rockRidge,
    udf: iso.udf,
    elTorito: iso.elTorito !== undefined,
    ...(iso.jolietLevel !== undefined ? { jolietLevel: iso.jolietLevel } : {}),
    ...(iso.udfRevision !== undefined ? { udfRevision: iso.udfRevision } : {}),
    ...(iso.udfVolume ? { udfVersion: iso.udfVolume.revision } : {}),
    ...(iso.elTorito?.platformId !== undefined ? { bootPlatformId: iso.elTorito.platformId } : {}),
    ...(iso.elTorito?.emulation !== undefined ? { bootEmulation: iso.elTorito.emulation } : {}),
  };
}

/** Build the sidecar record of a validated image. */
export function buildRecord(v: ValidatedImage, input: RecordInput): ImageRecord {
  const smallest = v.mediaSizes[0];
  const mediaClass: MediaClass = smallest ? smallest.mediaClass : 'cd';
  const filesystems = filesystemsOf(v);
  const volumeLabel = v.format === 'iso' ? v.iso.volumeLabel : v.sheet.cdText.TITLE;
  const cue =
    v.format === 'cue'
      ? {
          ...(v.sheet.catalog ? { catalog: v.sheet.catalog } : {}),
          ...(Object.keys(v.sheet.cdText).length > 0 ? { cdText: { ...v.sheet.cdText } } : {}),
          ...(input.droppedCdTextFile ? { droppedCdTextFile: input.droppedCdTextFile } : {}),
        }
      : undefined;
  return {
    schema: SIDECAR_SCHEMA,
    id: input.id,
    name: input.name,
    format: v.format,
    imageFile: input.imageFile,
    files: input.files,
    sizeBytes: v.sizeBytes,
    sectors: v.sectors,
    ...(v.format === 'iso' ? { isoVolumeSectors: v.iso.volumeSectors } : {}),
    tracks: v.tracks,
    ...(volumeLabel ? { volumeLabel } : {}),
    ...(filesystems ? { filesystems } : {}),
    ...(cue ? { cue } : {}),
    sha256: input.sha256,
    mediaSizes: v.mediaSizes.map((m) => m.size),
    mediaClass,
    provenance: input.provenance,
    damaged: input.damage !== null,
    ...(input.damage ? { damage: input.damage } : {}),
    createdAt: input.now,
    updatedAt: input.now,
  };
}

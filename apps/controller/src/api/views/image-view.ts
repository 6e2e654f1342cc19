/**
 * ImageView from the library's image records.
 */
import type { ImageRecord } from '../../library/index.js';
import type { ImageView } from '../../shared/api-types.js';
import { toDiscTextView, toTrackViews } from './disc-text-view.js';
import { toMalwareScanView } from './malware-scan-view.js';

/**
 * The API view of an image; with `library`, the view an import answers
 * with, naming the images already held with the same content.
 */
export function toImageView(r: ImageRecord, inUse: boolean, library?: { list(): readonly ImageRecord[] }): ImageView {
  const same = library?.list().filter((o) => o.id !== r.id && o.sha256 === r.sha256) ?? [];
  const fs = r.filesystems;
  const filesystems = fs === undefined
    ? []
    : (['iso9660', 'joliet', 'rockRidge', 'udf', 'elTorito'] as const).filter((k) => fs[k]);
  const p = r.provenance;
  const detail = p.kind === 'mastered' ? p.drive : p.kind === 'imported' ? p.path : p.kind === 'built' ? p.folder : p.kind === 'uploaded' ? (p.fileName ?? '') : p.fileName;
  return {
    id: r.id,
    name: r.name,
    format: r.format,
    sizeBytes: r.sizeBytes,
    sectors: r.sectors,
    sha256: r.sha256,
    volumeLabel: r.volumeLabel ?? null,
    filesystems,
    mediaSizes: [...r.mediaSizes],
    mediaClass: r.mediaClass ?? null,
    tracks: toTrackViews(r),
    ...toDiscTextView(r),
    provenance: { kind: p.kind, detail, at: p.at },
    damaged: r.damaged,
    damage: (r.damage?.unreadable ?? []).map((d) => ({ startSector: d.startSector, sectors: d.sectors })),
    inUse,
    createdAt: r.createdAt,
    malwareScan: toMalwareScanView(p.malwareScan),
    burnFile: r.imageFile,
    keptOriginals: r.files.filter((f) => f.role === 'source').map((f) => f.path),
    conversion: p.conversion ? { from: p.conversion.from, proof: p.conversion.proof } : null,
    storage: r.storage === undefined
      ? { compression: 'plain', storedBytes: r.sizeBytes, savedBytes: 0 }
      : { compression: r.storage.compression, storedBytes: r.storage.bytes, savedBytes: r.sizeBytes - r.storage.bytes },
    ...(same.length === 0 ? {} : { sameContentAs: same.map((o) => ({ id: o.id, name: o.name })) }),
  };
}

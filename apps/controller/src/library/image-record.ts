/**
 * What the library knows about one image: the record kept in its sidecar
 * JSON (`<id>.image.json` beside the image files), so the library can be
 * rebuilt from the folder alone.
 */
import type { CdTextField, CueTrackInfo, MediaClass, MediaSize } from 'node-cdrecord-wrapper';
import type { DamageReport } from './damage-report.js';
import type { ImageFormat } from './image-validator.js';
import type { MalwareScan } from './malware-scan.js';
import path from 'node:path';
import { hasDotDot } from './paths.js';

/** Version of the sidecar layout. */
export const SIDECAR_SCHEMA = 1;
/** Suffix of sidecar files. */
export const SIDECAR_SUFFIX = '.image.json';

/** File systems and boot records found on an ISO image (`iso9660` false: a pure UDF image). */
export interface ImageFilesystems {
  readonly iso9660: boolean;
  readonly joliet: boolean;
  readonly rockRidge: boolean;
  readonly udf: boolean;
  readonly elTorito: boolean;
  readonly jolietLevel?: number;
  /** NSR02 (UDF 1.x) or NSR03 (UDF 2.x), from the recognition sequence. */
  readonly udfRevision?: string;
  /** The UDF revision its logical volume declares, e.g. `2.50`. */
  readonly udfVersion?: string;
  readonly bootPlatformId?: number;
  readonly bootEmulation?: string;
}

/**
 * How an image given in another form (compressed, a container, a cdrdao TOC)
 * became what the library burns, and what proves the conversion.
 */
export interface ConversionProof {
  /** The source's format: gzip, xz, bzip2, zstd, toc, nrg... */
  readonly from: string;
  /** The source's SHA-256 and size, as it was given. */
  readonly sourceSha256: string;
  readonly sourceBytes: number;
  /** The command that converted it (argument array). */
  readonly command: readonly string[];
  /** What was checked, in words (e.g. `the zstd frame's XXH64 content checksum, checked by zstd -d`). */
  readonly proof: string;
  /** The source's own checksum kind, when it has one (CRC-32, CRC-64, XXH64...). */
  readonly checksum?: string;
  /** The source kept in the library beside the converted image (never burned), when asked for. */
  readonly keptSource?: string;
  /**
   * The source's subchannel (a CloneCD `.sub`): the kept file, its sectors and
   * how many carry R-W data (CD+G, CD-TEXT in the program area...). P and Q are
   * written again by every burner from the CUE sheet or TOC; R-W data is kept
   * in the file and not burned (`burned` false).
   */
  readonly subchannel?: { readonly file: string; readonly sectors: number; readonly rwSectors: number; readonly burned: boolean };
}

/** How an image built from a folder was made. */
export interface BuildProvenanceOptions {
  readonly joliet: boolean;
  readonly rockRidge: boolean;
  readonly udf: boolean;
  readonly boot?: string;
}

/**
 * Where an image came from. Times are ISO 8601. `conversion`: what the given
 * file was converted from; `malwareScan`: its last malware scan (malware-scan.ts).
 */
export type Provenance = (
  | { readonly kind: 'mastered'; readonly drive: string; readonly at: string; readonly agent?: string; readonly note?: string }
  | { readonly kind: 'imported'; readonly path: string; readonly at: string }
  | { readonly kind: 'uploaded'; readonly at: string; readonly fileName?: string; readonly by?: string }
  /** Built from a folder (folder-image-builder.ts): the folder's real path, the options and the tool's command. */
  | { readonly kind: 'built'; readonly folder: string; readonly at: string; readonly by?: string; readonly command: readonly string[]; readonly options: BuildProvenanceOptions }
  /** Found in the library folder without a sidecar by `rebuild()`. */
  | { readonly kind: 'adopted'; readonly fileName: string; readonly at: string }
) & { readonly conversion?: ConversionProof; readonly malwareScan?: MalwareScan };

/**
 * How an image stored compressed is kept (image-storage.ts): its file
 * (also among `files`, role `stored`) instead of the ISO. The record's
 * `sha256`, `sizeBytes` and `imageFile` stay the image's own.
 */
export type ImageStorage = ZstdStorage | ChdStorage;

/** An ISO as independent zstd frames, one per `frameBytes` of the image (the last shorter), each with its XXH64 checksum. */
export interface ZstdStorage {
  readonly compression: 'zstd';
  /** The compressed file, relative to the library folder. */
  readonly file: string;
  readonly bytes: number;
  readonly frameBytes: number;
  /** The command each frame was made with (argument array; stdin is the frame's bytes of the image). */
  readonly command: readonly string[];
  readonly at: string;
}

/**
 * A CUE image as a MAME CHD (chd-storage.ts): the CHD instead of its BIN
 * files (`bins`, as they were among `files`, restored by a decompress); the
 * CUE sheet and TOC stay in the library beside it. Or a CD-sized ISO as a
 * CHD of one MODE1/2048 track: `bins` is then the ISO's one file entry.
 */
export interface ChdStorage {
  readonly compression: 'chd';
  readonly file: string;
  readonly bytes: number;
  /** The CHD's SHA-1 of data and metadata, and of the raw data (`chdman info`, confirmed by `chdman verify`). */
  readonly sha1: string;
  readonly dataSha1: string;
  /** The BIN files it holds, in sheet order (an ISO: the ISO). */
  readonly bins: readonly ImageFile[];
  /** The command that made it (argument array, names relative to the library folder). */
  readonly command: readonly string[];
  /** An ISO's: the one-track sheet `image.cue` of the command, written in a temp folder beside a link `image.iso` to the ISO, both gone since. */
  readonly sheet?: string;
  readonly at: string;
}

/** One file of an image, relative to the library folder. */
export interface ImageFile {
  readonly path: string;
  /**
   * `source`: a converted image's original, kept beside it and never burned; `stored`: the compressed image (`ImageRecord.storage`); `toc`: see `tocOf`;
   * `subchannel`: a track with its R-W subchannel (2448-byte frames) that the TOC names instead of its BIN.
   */
  readonly role: 'iso' | 'cue' | 'bin' | 'source' | 'stored' | 'toc' | 'subchannel';
  readonly bytes: number;
  readonly sha256: string;
}

/** Disc-level facts of a CUE sheet. */
export interface CueDiscInfo {
  readonly catalog?: string;
  readonly cdText?: Partial<Record<CdTextField, string>>;
  /** CDTEXTFILE the sheet named; not copied into the library. */
  readonly droppedCdTextFile?: string;
}

/** The record of one image (the sidecar's content). */
export interface ImageRecord {
  readonly schema: typeof SIDECAR_SCHEMA;
  readonly id: string;
  /** Display name; `rename()` changes it, never the files. */
  readonly name: string;
  readonly format: ImageFormat;
  /** The file to burn (the ISO, or the CUE sheet), relative to the library folder. */
  readonly imageFile: string;
  readonly files: readonly ImageFile[];
  /** Bytes to burn: the ISO, or all BIN files. */
  readonly sizeBytes: number;
  /** Sectors on disc (2048-byte for ISO, CD frames for CUE). */
  readonly sectors: number;
  /** ISO: volume space size in 2048-byte sectors (a hybrid image is longer). */
  readonly isoVolumeSectors?: number;
  /** Track list; an ISO is one MODE1/2048 track. */
  readonly tracks: readonly CueTrackInfo[];
  readonly volumeLabel?: string;
  readonly filesystems?: ImageFilesystems;
  readonly cue?: CueDiscInfo;
  /** SHA-256 of the bytes burned: the ISO file, or all BIN files in sheet order. */
  readonly sha256: string;
  /**
   * ISO: the file's identity (`identityText` of node-cdrecord-wrapper) once it
   * was in place with that digest. Verification trusts the digest while the
   * file keeps this identity, instead of hashing every disc read back.
   */
  readonly fileIdentity?: string;
  /** Media sizes the image fits, smallest first. */
  readonly mediaSizes: readonly MediaSize[];
  /** Smallest media class it fits (the queue its copies go to). */
  readonly mediaClass: MediaClass;
  readonly provenance: Provenance;
  /** Set while the image is stored compressed (its `imageFile` is then not in the library); absent: stored plain. */
  readonly storage?: ImageStorage;
  readonly damaged: boolean;
  readonly damage?: DamageReport;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/;

/** True for a well-formed image id (safe as a file name stem). */
export function isImageId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Sidecar file name of an image id. */
export function sidecarName(id: string): string {
  return `${id}${SIDECAR_SUFFIX}`;
}

function isRelativeSafe(p: unknown): p is string {
  return typeof p === 'string' && p.length > 0 && !p.includes('\0') && !p.startsWith('/') && !p.startsWith('\\') && !/^[a-zA-Z]:/.test(p) && !hasDotDot(p);
}

/**
 * Check a parsed sidecar's shape (the fields the library relies on; the rest
 * is trusted as written). Returns the reason it is unusable, or null.
 */
export function sidecarProblem(value: unknown, expectedId: string): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.schema !== SIDECAR_SCHEMA) return `unknown schema ${String(r.schema)}`;
  if (r.id !== expectedId) return `id ${String(r.id)} does not match the file name`;
  if (typeof r.name !== 'string') return 'no name';
  if (r.format !== 'iso' && r.format !== 'cue') return `unknown format ${String(r.format)}`;
  if (!isRelativeSafe(r.imageFile)) return 'bad imageFile';
  if (!Array.isArray(r.files) || r.files.length === 0) return 'no files';
  for (const f of r.files as unknown[]) {
    const file = f as Record<string, unknown> | null;
    if (!file || !isRelativeSafe(file.path) || typeof file.bytes !== 'number') return 'bad file entry';
  }
  if (r.storage !== undefined && !isRelativeSafe((r.storage as { file?: unknown } | null)?.file)) return 'bad storage file';
  if ((r.storage as { compression?: unknown } | undefined)?.compression === 'chd') {
    const bins = (r.storage as { bins?: unknown }).bins;
    // The BINs a decompress writes back: plain names in the library folder, nothing else.
    if (!Array.isArray(bins) || bins.length === 0 || !bins.every((b: { path?: unknown } | null) => isRelativeSafe(b?.path) && !/[/\\]/.test(b.path))) return 'bad CHD BIN list';
  }
  const kept = (r.storage as { file?: unknown } | undefined)?.file ?? r.imageFile;
  if (!(r.files as { path: string }[]).some((f) => f.path === kept)) return r.storage === undefined ? 'imageFile is not among files' : 'the stored file is not among files';
  if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) return 'bad sha256';
  if (typeof r.sizeBytes !== 'number' || typeof r.sectors !== 'number' || !Array.isArray(r.tracks)) return 'bad sizes';
  return null;
}

/**
 * The record's cdrdao TOC file, relative to the library folder: role `toc`,
 * a mastered disc's (CD-TEXT, ISRC, catalog, pregaps), naming the image's
 * BIN files beside it; burned by cdrdao on real drives.
 */
export function tocOf(record: Pick<ImageRecord, 'files'>): string | undefined {
  return record.files.find((f) => f.role === 'toc')?.path;
}

/** `{ tocPath }`: the record's TOC file beside the image file at `imagePath`, or nothing. */
export function tocPathOf(record: Pick<ImageRecord, 'files'>, imagePath: string): { tocPath?: string } {
  const toc = tocOf(record);
  return toc === undefined ? {} : { tocPath: path.join(path.dirname(imagePath), toc) };
}

/** Check a display name; returns the cleaned name or the reason it is refused. */
export function checkImageName(name: string): { ok: true; name: string } | { ok: false; reason: string } {
  const trimmed = name.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'the name is empty' };
  if (trimmed.length > 200) return { ok: false, reason: 'the name is longer than 200 characters' };
  if ([...trimmed].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return { ok: false, reason: 'the name holds control characters' };
  return { ok: true, name: trimmed };
}

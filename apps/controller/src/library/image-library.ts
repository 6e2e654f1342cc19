/**
 * The image library: a folder of images, each with a sidecar JSON record
 * (`<id>.image.json`) beside its files, indexed in memory.
 *
 * Every way in (server-side path, streamed upload, mastered temp file) stages
 * the image in a temporary folder inside the library (same volume), hashes it
 * while copying, validates the staged copy, then renames the files into place
 * and writes the sidecar last. A failure at any step removes the staging
 * folder: the library is left as it was. What a caller passes for each way
 * in: add-options.ts; the commit: image-commit.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, rm, statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AddOptions, MasteredOptions, Need, UploadOptions } from './add-options.js';
import { syncDir } from './atomic-file.js';
import { normaliseDamage, refuseDamage } from './damage-report.js';
import {
  ImageInUseError, ImageNotFoundError, InsufficientStorageError, InvalidImageNameError, isNoSpaceError, LibraryRequestError, MalwareScanError, UploadTooLargeError,
} from './errors.js';
import type { ByteBudget } from './hashing-copy.js';
import type { ImageRecord, Provenance } from './image-record.js';
import { checkImageName, isImageId, sidecarName } from './image-record.js';
import type { StagedImage } from './image-intake.js';
import { Staging, stageFromPath, stageMastered, stageUpload } from './image-intake.js';
import { keepMasteredToc } from './mastered-toc.js';
import { commitStagedImage, writeSidecar } from './image-commit.js';
import type { StorageChange } from './image-storage.js';
import { keptAsChosen } from './storage-choice.js';
import type { StorageChoice } from './storage-choice.js';
import { conversionOptionsOf } from './conversion-source.js';
import { detectConvertible, stageConverted } from './image-conversion.js';
import type { ImageFormat, ValidatedImage } from './image-validator.js';
import { imageTooLarge, MAX_IMAGE_BYTES } from './image-validator.js';
import { ImportRoots } from './import-roots.js';
import type { RebuildReport } from './library-scan.js';
import { scanLibrary } from './library-scan.js';
import { buildRecord } from './record-builder.js';
import type { ImageLibraryOptions } from './library-options.js';
import { DEFAULT_MAX_UPLOAD_BYTES } from './library-options.js';
import { DEFAULT_MALWARE_SCAN } from './malware-scan.js';
import { MalwareScanner } from './malware-scanner.js';

/** One way in: the image staged into the staging folder under its new id. */
type StageStep = (staging: Staging, id: string) => Promise<StagedImage>;

/** The image library. Create with `ImageLibrary.open()` (or the constructor, then `rebuild()`). */
export class ImageLibrary {
  readonly dir: string;
  /** Folders imports and builds may read from. */
  readonly roots: ImportRoots;
  private readonly maxUploadBytes: number;
  private readonly isInUse: (imageId: string) => Promise<boolean>;
  private readonly claimForDelete: (imageId: string) => Promise<() => Promise<void>>;
  private readonly clock: () => Date;
  private readonly keepOriginals: boolean;
  private readonly storage: StorageChoice;
  /** Its malware scanner, with the library's policy (`scanner.settings.policy`). */
  readonly scanner: MalwareScanner;
  private index = new Map<string, ImageRecord>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: ImageLibraryOptions) {
    this.dir = path.resolve(options.dir);
    this.roots = new ImportRoots(options.importRoots ?? []);
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.isInUse = options.isInUse ?? (() => Promise.resolve(false));
    this.claimForDelete = options.claimForDelete ?? (() => Promise.resolve(() => Promise.resolve()));
    this.clock = options.now ?? (() => new Date());
    this.keepOriginals = options.keepOriginals ?? false;
    this.storage = { iso: options.storage, cd: options.cdStorage };
    this.scanner = new MalwareScanner(options.malwareScan ?? DEFAULT_MALWARE_SCAN, { now: this.clock });
  }

  /** Create the folder if needed and index it (`rebuild()`). */
  static async open(options: ImageLibraryOptions): Promise<ImageLibrary> {
    const library = new ImageLibrary(options);
    await library.rebuild();
    return library;
  }

  /** Run library mutations one at a time (commits, renames, deletes, rebuilds). */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private newId(): string {
    for (;;) {
      const id = `img-${randomBytes(6).toString('hex')}`;
      if (!this.index.has(id) && !existsSync(path.join(this.dir, sidecarName(id)))) return id;
    }
  }

  /** All images, oldest first. */
  list(): ImageRecord[] {
    return [...this.index.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The image with this id, or undefined. */
  get(id: string): ImageRecord | undefined {
    return this.index.get(id);
  }

  /** The image with this id; throws `ImageNotFoundError`. */
  require(id: string): ImageRecord {
    const record = isImageId(id) ? this.index.get(id) : undefined;
    if (!record) throw new ImageNotFoundError(id);
    return record;
  }

  /** Absolute path of the file to burn (ISO or CUE sheet); not there while the image is stored compressed (`storage`). */
  imagePath(id: string): string {
    return path.join(this.dir, this.require(id).imageFile);
  }

  /** Re-read the folder: sidecars are the truth; sidecar-less images are adopted; problems are reported. */
  rebuild(): Promise<RebuildReport> {
    return this.exclusive(async () => {
      await mkdir(this.dir, { recursive: true });
      const { records, report } = await scanLibrary(this.dir, { newId: () => this.newId(), now: () => this.now() });
      this.index = records;
      return report;
    });
  }

  /**
   * Import a file on this server: `requested` is absolute or relative to the
   * first import root, and must resolve inside the import roots (`..`,
   * absolute paths elsewhere and escaping symlinks are refused with
   * `ImportPathError`). A CUE sheet's BINs are imported with it.
   */
  async importFromPath(requested: string, options: AddOptions = {}): Promise<ImageRecord> {
    const source = await this.roots.resolveFile(requested);
    const binRoots = await this.roots.realRoots();
    const need: Need = { bytes: 0, atLeast: true };
    const precheck = (v: ValidatedImage): void => {
      Object.assign(need, { bytes: v.sizeBytes, atLeast: false });
      refuseDamage(v.sectors, options);
    };
    const convertible = await detectConvertible(source);
    return this.add(
      (staging, id) => convertible
        ? stageConverted(staging, id, source, convertible, { ...conversionOptionsOf(this.maxUploadBytes, this.keepOriginals, options, Infinity, false, precheck), binRoots })
        : stageFromPath(staging, id, source, binRoots, precheck),
      { kind: 'imported', path: source, at: this.now() },
      options,
      path.basename(source),
      need,
    );
  }

  /**
   * Import a streamed upload (ISO, or a CUE sheet with its BINs as
   * `companions`). Over the size limit: `UploadTooLargeError`; larger than
   * any disc holds: `ImageTooLargeError`, as soon as that many bytes arrived
   * (or at once, by `sizeBytes`); nothing kept.
   */
  async importUpload(stream: Readable, options: UploadOptions = {}): Promise<ImageRecord> {
    const limit = Math.min(options.maxBytes ?? Infinity, this.maxUploadBytes);
    const declared = options.sizeBytes;
    if (declared !== undefined && declared > limit) throw new UploadTooLargeError(limit);
    if (declared !== undefined && declared > MAX_IMAGE_BYTES) throw imageTooLarge(declared);
    const budget: ByteBudget = { limitBytes: limit, usedBytes: 0, cap: { bytes: MAX_IMAGE_BYTES, error: (used) => imageTooLarge(used, true) } };
    const need: Need = { get bytes() { return declared ?? budget.usedBytes; }, atLeast: declared === undefined };
    const raw = options.companions ?? new Map<string, Readable>();
    const companions = raw instanceof Map ? (raw as ReadonlyMap<string, Readable>) : new Map(Object.entries(raw));
    const provenance: Provenance = {
      kind: 'uploaded',
      at: this.now(),
      ...(options.fileName ? { fileName: options.fileName } : {}),
      ...(options.uploadedBy ? { by: options.uploadedBy } : {}),
    };
    try {
      const convert = (staging: Staging, id: string) => async (uploaded: string): Promise<StagedImage | null> => {
        const convertible = await detectConvertible(uploaded);
        const how = { ...conversionOptionsOf(this.maxUploadBytes, this.keepOriginals, options, limit, true), sourceName: path.basename(options.fileName ?? 'upload') };
        return convertible ? stageConverted(staging, id, uploaded, convertible, how) : null;
      };
      return await this.add((staging, id) => stageUpload(staging, id, stream, companions, budget, convert(staging, id)), provenance, options, options.fileName, need);
    } catch (err) {
      stream.destroy();
      for (const companion of companions.values()) companion.destroy();
      throw err;
    }
  }

  /**
   * Take a finished image from the mastering code: `tempFile` (an ISO, or a
   * CUE sheet with its BINs beside it), ideally on the library's volume so it
   * is moved by a rename. Validated first; a refused image is left where it
   * is. A non-empty `damage` report needs `allowDamaged: true`.
   */
  async addMasteredImage(tempFile: string, options: MasteredOptions): Promise<ImageRecord> {
    const source = path.resolve(tempFile);
    const format: ImageFormat = options.format === 'bin-cue' ? 'cue' : options.format;
    const need: Need = { bytes: 0, atLeast: true };
    return this.add(
      (staging, id) => stageMastered(staging, id, source, format, (v) => {
        Object.assign(need, { bytes: v.sizeBytes, atLeast: false });
        refuseDamage(v.sectors, options);
      }, options.sha256).then((staged) => (options.tocFile === undefined ? staged : keepMasteredToc(staging, id, staged, path.resolve(options.tocFile)))),
      options.provenance,
      options,
      undefined,
      need,
    );
  }

  /**
   * Scan an image's files for malware now (after any scan under way; the
   * library is not held meanwhile) and keep the result in its provenance.
   * A scan that could not be done is `MalwareScanError`, the last result kept.
   */
  async scanForMalware(id: string): Promise<ImageRecord> {
    if (this.require(id).storage !== undefined) throw new LibraryRequestError(`image ${id} is stored compressed, which clamscan does not read inside: decompress it to scan it`);
    const files = this.require(id).files.map((f) => ({ path: path.join(this.dir, f.path), name: f.path }));
    const scan = await this.scanner.scan(files);
    return this.exclusive(async () => {
      const current = this.require(id);
      if (scan.result === 'error') throw new MalwareScanError(`image ${id} could not be scanned: ${scan.error ?? 'unknown error'}`);
      const record = { ...current, provenance: { ...current.provenance, malwareScan: scan }, updatedAt: this.now() };
      await writeSidecar(this.dir, record);
      this.index.set(id, record);
      return record;
    });
  }

  /** Change an image's display name (sidecar rewritten atomically). */
  rename(id: string, name: string): Promise<ImageRecord> {
    const checked = checkImageName(name);
    if (!checked.ok) return Promise.reject(new InvalidImageNameError(`cannot rename: ${checked.reason}`));
    return this.exclusive(async () => {
      const record = { ...this.require(id), name: checked.name, updatedAt: this.now() };
      await writeSidecar(this.dir, record);
      this.index.set(id, record);
      return record;
    });
  }

  /**
   * Delete an image and its files. Refused with `ImageInUseError` while an
   * unfinished run uses it: the image is claimed first (`claimForDelete`), so
   * no run is created for it while its files go. Files go first, the sidecar
   * last, so a crash leaves an orphan sidecar (reported by `rebuild()`), never
   * an image without a record.
   */
  delete(id: string): Promise<void> {
    return this.whileUnused(id, async (record) => {
      for (const f of record.files) await rm(path.join(this.dir, f.path), { force: true });
      await rm(path.join(this.dir, sidecarName(id)), { force: true });
      await syncDir(this.dir);
      this.index.delete(id);
    });
  }

  /**
   * Store an image another way (image-storage.ts: `compressStored`, `decompressStored`; chd-storage.ts: `storeAsChd`), refused with
   * `ImageInUseError` while an unfinished run uses it: the new record is written, then the files it no longer has go.
   */
  changeStorage(id: string, change: (dir: string, record: ImageRecord, at: string) => Promise<StorageChange>): Promise<ImageRecord> {
    return this.whileUnused(id, async (before) => {
      const { record, obsolete } = await change(this.dir, before, this.now());
      await writeSidecar(this.dir, record);
      this.index.set(id, record);
      for (const f of obsolete) await rm(path.join(this.dir, f), { force: true });
      return record;
    });
  }

  /** Run `task` on the image while no run can start on it: claimed like a delete, refused while an unfinished run uses it. */
  private whileUnused<T>(id: string, task: (record: ImageRecord) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const record = this.require(id);
      const release = await this.claimForDelete(id);
      try {
        if (await this.isInUse(id)) throw new ImageInUseError(id);
        return await task(record);
      } finally {
        await release();
      }
    });
  }

  /**
   * Stage, validate and commit an image. A full volume (ENOSPC, EDQUOT) at
   * any step is an `InsufficientStorageError` naming the free bytes (once the
   * staging folder is gone) and what the image needs (`need`).
   */
  private async add(stage: StageStep, provenance: Provenance, options: AddOptions, fallbackName: string | undefined, need: Need): Promise<ImageRecord> {
    if (options.name !== undefined && !checkImageName(options.name).ok) {
      throw new InvalidImageNameError(`bad name: ${(checkImageName(options.name) as { reason: string }).reason}`);
    }
    try {
      const record = await this.addStaged(stage, provenance, options, fallbackName);
      return await keptAsChosen(this.storage, record, (change) => this.changeStorage(record.id, change));
    } catch (err) {
      if (!isNoSpaceError(err)) throw err;
      const fs = await statfs(this.dir).catch(() => null);
      throw new InsufficientStorageError(fs === null ? 0 : fs.bavail * fs.bsize, need.bytes, need.atLeast, { cause: err });
    }
  }

  private async addStaged(stage: StageStep, provenance: Provenance, options: AddOptions, fallbackName: string | undefined): Promise<ImageRecord> {
    await mkdir(this.dir, { recursive: true });
    const staging = await Staging.create(this.dir);
    try {
      const id = this.newId();
      const staged = await stage(staging, id);
      refuseDamage(staged.validated.sectors, options);
      const damage = normaliseDamage(options.damage, staged.validated.sectors);
      const v = staged.validated;
      const scan = this.scanner.scansOnImport ? await this.scanner.scan(staged.files.map((f) => ({ path: f.staged, name: f.finalName }))) : null;
      const label = v.format === 'iso' ? v.iso.volumeLabel : v.sheet.cdText.TITLE;
      const name = options.name?.trim() || fallbackName || label || id;
      const record = buildRecord(v, {
        id,
        name: checkImageName(name).ok ? name : id,
        imageFile: staged.imageFile,
        files: staged.files.map((f) => ({ path: f.finalName, role: f.role, bytes: f.bytes, sha256: f.sha256 })),
        sha256: staged.sha256,
        provenance: { ...provenance, ...(staged.conversion ? { conversion: staged.conversion } : {}), ...(scan ? { malwareScan: scan } : {}) },
        damage,
        now: this.now(),
        ...(staged.droppedCdTextFile ? { droppedCdTextFile: staged.droppedCdTextFile } : {}),
      });
      return await this.exclusive(async () => {
        const committed = await commitStagedImage(this.dir, staged, record);
        this.index.set(committed.id, committed);
        return committed;
      });
    } finally {
      await staging.dispose();
    }
  }

  /** Real path of the library folder (for callers checking a temp file is on its volume). */
  async realDir(): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return realpath(this.dir);
  }
}

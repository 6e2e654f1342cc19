/**
 * The image library: public API.
 */
export * from './errors.js';
export * from './image-library.js';
export * from './library-options.js';
export * from './malware-scan.js';
export { MalwareScanner, CLAMSCAN_MAX_FILE_BYTES } from './malware-scanner.js';
export type { ScannedFile, ScannerOptions } from './malware-scanner.js';
export type { AddOptions, MasteredOptions, UploadOptions } from './add-options.js';
export type { ImageRecord, ImageFile, ImageFilesystems, ImageStorage, Provenance, CueDiscInfo } from './image-record.js';
export { SIDECAR_SUFFIX, isImageId } from './image-record.js';
export type { DamageReport, SectorRange } from './damage-report.js';
export type { RebuildReport } from './library-scan.js';
// Images are read by node-cdrecord-wrapper's image reader; these are its types.
export type { CueTrackInfo, CueLayout, CueSheet, CueTrack, CueFile, CueIndex, CdTextField, IsoInfo, ElToritoInfo } from 'node-cdrecord-wrapper';
export type { ImageFormat, ValidatedImage } from './image-validator.js';
export { validateImageFile, sniffImageFormat, parseCueSheet } from './image-validator.js';
export { runImageOf } from './run-image.js';
export { compressStored, decompressStored } from './image-storage.js';
export { chdToPlain, storeAsChd } from './chd-storage.js';
export type { StorageChange } from './image-storage.js';
export * from './build-errors.js';
export { FolderImageBuilder, capacityOf } from './folder-image-builder.js';
export type { FolderBuildRequest, PreparedBuild, BuildHooks } from './folder-image-builder.js';

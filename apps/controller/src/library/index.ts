/**
 * The image library: public API.
 */
export * from './errors.js';
export * from './image-library.js';
export type { AddOptions, MasteredOptions, UploadOptions } from './add-options.js';
export type { ImageRecord, ImageFile, ImageFilesystems, Provenance, CueDiscInfo } from './image-record.js';
export { SIDECAR_SUFFIX, isImageId } from './image-record.js';
export type { DamageReport, SectorRange } from './damage-report.js';
export type { RebuildReport } from './library-scan.js';
export type { CueTrackInfo, CueLayout } from './cue-layout.js';
export { layoutCue } from './cue-layout.js';
export type { CueSheet, CueTrack, CueFile, CueIndex, CdTextField } from './cue-sheet.js';
export { parseCueSheet, parseMsf } from './cue-sheet.js';
export type { IsoInfo, ElToritoInfo } from './iso9660.js';
export type { ImageFormat, ValidatedImage } from './image-validator.js';
export { validateImageFile, sniffImageFormat } from './image-validator.js';

/**
 * Mastering: reading a master disc into an image.
 *
 * - `masterDataDisc(drive, outFile, options)`: the first data track → ISO image (any backend).
 * - `masterAudioDisc(device, outDir, baseName, options)`: audio / mixed / multi-track CD → BIN + TOC + CUE (cdrdao, real drives).
 * - `chooseMasterFormat(media)`: which of the two a disc needs.
 */
export { DamageMap } from './damage-map.js';
export type { DamageRange } from './damage-map.js';
export { DamagedMasterError, InsufficientSpaceError, MasterOutputError } from './master-errors.js';
export { chooseMasterFormat, dataTrackToMaster } from './master-format.js';
export { masterDataDisc } from './master-data.js';
export type { MasterDataOptions, MasterProgress, MasterResult } from './master-data.js';
export { cdrdaoReadCdArgs, masterAudioDisc, RAW_FRAME_BYTES, rewriteCueFile, rewriteTocFile } from './master-audio.js';
export type { MasterAudioOptions, MasterAudioResult } from './master-audio.js';

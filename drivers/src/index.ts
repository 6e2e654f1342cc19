/**
 * node-cdrecord-wrapper: optical drives from TypeScript.
 * See drive-contract.ts for the contract every backend implements.
 */
export * from './drive-contract.js';
export * from './disc-loader-contract.js';
export * from './errors.js';
export * from './media.js';
export * from './tool-process.js';
export * from './image/index.js';
export * from './verify.js';
export { cueVerifyRefusal, verifyCueDisc } from './verify-cue.js';
export * from './cue-readback.js';
export { form2Problem } from './cue-bin-frames.js';
export { AUDIO_OFFSET_SEARCH_SAMPLES } from './audio-track-verify.js';
export * from './verified-images.js';
export * from './parse/proc-cdrom-info.js';
export * from './parse/device-listings.js';
export * from './parse/read-progress.js';
export * from './discovery/discover-drives.js';
export * from './sim/index.js';
export * from './changer/index.js';
export * from './open-drive.js';
export { CdrecordDrive } from './cdrecord/cdrecord-drive.js';
export type { CdrecordDriveOptions } from './cdrecord/cdrecord-drive.js';
export type { BurnerProgram } from './cdrecord/tool-locator.js';
export { CDRDAO_DRIVERS, cdrdaoDriverArg, parseCdrdaoDriver } from './cdrecord/cdrdao-driver.js';
export type { CdrdaoDriver, CdrdaoDriverName } from './cdrecord/cdrdao-driver.js';
export { CdTextNotDeclaredError } from './cdrecord/cd-text-not-declared-error.js';
export { classifyBurnFailure, noByteWritten, writeModeRefusal } from './parse/burn-failure.js';
export type { BurnFailureContext } from './parse/burn-failure.js';
export * from './parse/scsi-sense.js';
export * from './parse/mmc-profiles.js';
export { queryDriveProfiles, profileQueryCommands } from './cdrecord/drive-profiles.js';
export type { DriveProfiles, ProfileQueryOptions } from './cdrecord/drive-profiles.js';
export * from './parse/burn-progress.js';
export * from './parse/cdrskin-drive-info.js';
export * from './master/index.js';

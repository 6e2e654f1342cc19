/**
 * Jukeboxes: a SCSI media changer driven with mtx (`MtxChanger`), its
 * `mtx status` parser, its error, and the disc loader of one of its drives
 * (`ChangerLoader`, implementing disc-loader-contract.ts).
 */
export * from './changer-error.js';
export * from './changer-loader.js';
export * from './mtx-changer.js';
export * from './mtx-status.js';

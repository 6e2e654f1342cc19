/**
 * @tower/jobs: queues, job payloads, the run store and the processors of
 * duplication runs (BullMQ on Redis).
 */
export * from './embedded-redis.js';
export * from './queue-names.js';
export * from './protocol/index.js';
export * from './job-types.js';
export * from './run-records.js';
export type { RunImage, StoredBin, StoredImage } from './run-image.js';
export { storedImageProblem } from './run-image.js';
export { chdSha1, DEFAULT_CHDMAN_STALL_MS, extractChdBins, runChdman, verifyChdFile } from './staging/chd-extract.js';
export type { ChdmanOptions, ChdSha1, ExpectedBytes } from './staging/chd-extract.js';
export { ImageStagingCache } from './staging/image-staging-cache.js';
export type { ImageStagingOptions, StagedLease } from './staging/image-staging-cache.js';
export * from './run-store.js';
export { RUN_TRANSITIONS } from './run-control.js';
export type { RunControlAction, RunControlResult, RunControlState } from './run-control.js';
export * from './run-events.js';
export * from './copy-processor.js';
export * from './copy-failed-error.js';
export * from './copy-suitability.js';
export * from './drive-state.js';
export * from './loader-link.js';
export { DriveStateOutbox } from './drive-state-outbox.js';
export type { DriveStateOutboxOptions } from './drive-state-outbox.js';
export * from './agent-connections.js';
export * from './agent-lease.js';
export * from './redis-deadline.js';
export { WaitingDrives } from './waiting-drives.js';
export type { JobReceiver } from './waiting-drives.js';
export * from './drive-quarantine.js';
export * from './drive-worker.js';
export * from './run-planner.js';
export * from './run-request.js';
export * from './redis-connectivity.js';
export * from './job-reclaim.js';
export * from './logger.js';
export * from './bullmq-error-line.js';
export * from './disc-merge.js';
export * from './disc-set.js';
export * from './set-merge.js';
export { decideSetDisc } from './set-routing.js';
export type { SetDecision, SetRoutingInput } from './set-routing.js';
export * from './merge-rows.js';
export * from './merge-staging.js';
export * from './copy-queue-peek.js';

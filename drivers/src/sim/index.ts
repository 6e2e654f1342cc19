/**
 * The simulated drive backend (`sim:N`): drive, speed model, faults,
 * auto-loader and address parsing.
 */
export * from './auto-loader.js';
export * from './burn-checks.js';
export * from './image-cache.js';
export * from './sim-address.js';
export * from './sim-disc.js';
export * from './sim-faults.js';
export * from './sim-disc-loader.js';
export * from './simulated-drive.js';
export * from './speed-model.js';
export * from './typed-emitter.js';
export * from './writer-capability.js';

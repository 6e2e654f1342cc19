/**
 * node-cdrecord-wrapper: optical drives from TypeScript.
 * See drive-contract.ts for the contract every backend implements.
 */
export * from './drive-contract.js';
export * from './errors.js';
export * from './media.js';
export * from './tool-process.js';

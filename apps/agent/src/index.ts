/**
 * @tower/agent: the tower agent, which owns one host's drives and serves
 * copy jobs and master reads from the controller over Redis (the protocol
 * is `@tower/jobs`'s `RedisSchema` and agent commands).
 */
export { TowerAgent, DriveClaimedError } from './tower-agent.js';
export type { TowerAgentOptions } from './tower-agent.js';
export { openAgentDrives, disposeAgentDrive } from './agent-drives.js';
export type { AgentDrive } from './agent-drives.js';
export { attachChangers } from './agent-changers.js';
export { AgentConfigError } from './agent-config-error.js';
export type { ChangerSpec, DriveSource, DriveSpec } from './drive-specs.js';
export type { MasterLibrary, MasteredImage, MasterProvenance } from './master-library.js';

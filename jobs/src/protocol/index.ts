/**
 * The tower's wire protocol over Redis, shared by the controller, the agents
 * and the drive workers: every key, channel and queue name (`RedisSchema`),
 * the agent commands and replies, and the agents' heartbeat records.
 */
export * from './redis-schema.js';
export * from './agent-commands.js';
export * from './agent-records.js';

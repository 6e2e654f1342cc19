/**
 * The agent's loggers: one per agent (`agent` on every line) and one per
 * drive worker (`agent` and `drive`), children of the logger the process
 * gives (the `tower` command's pino logger; see the controller's
 * process-logger.ts), or of a line function in tests.
 */
import { toLogger } from '@tower/jobs';
import type { Logger, LogSink } from '@tower/jobs';

/** The logger of agent `agentId`: every line carries `{ agent }`. */
export function agentLogger(sink: LogSink | undefined, agentId: string): Logger {
  return toLogger(sink).child({ agent: agentId });
}

/** The logger of one drive worker of an agent: every line carries `{ agent, drive }`. */
export function driveLogger(agent: Logger, driveId: string): Logger {
  return agent.child({ drive: driveId });
}

/** The level of one of the agent's Redis connectivity lines (jobs' RedisConnectivity, reaching it as errors). */
export function connectivityLevel(message: string): 'info' | 'warn' | null {
  if (/^Redis at .* is reachable again/.test(message)) return 'info';
  if (/^cannot reach Redis/.test(message)) return 'warn';
  return null;
}

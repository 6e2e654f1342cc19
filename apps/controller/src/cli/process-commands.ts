/**
 * `tower serve`, `tower agent` and `tower start`: the long-running
 * processes. Each reads the configuration (`--config <file>` or
 * `TOWER_CONFIG`, plus environment overrides), runs until SIGINT/SIGTERM,
 * then shuts down cleanly. Failures to start are one line on stderr
 * (e.g. a missing redis-server names `apt-get install redis-server`).
 *
 * A signal always ends the process, whatever it is waiting for: the clean
 * shutdown gets `STOP_GRACE_MS`, then the process exits by force (status 1);
 * a second SIGINT/SIGTERM exits at once (130/143).
 */
import type { Command } from 'commander';
import type { TowerConfig } from '../config/config.js';
import type { ProcessIo } from '../server/tower-processes.js';
import type { CliContext } from './drive-commands.js';

/** After SIGINT/SIGTERM, how long the clean shutdown may take before the process exits by force, ms. */
export const STOP_GRACE_MS = 10_000;

interface ProcessOptions {
  readonly config?: string;
}

/** Register `serve`, `agent` and `start`. */
export function registerProcessCommands(program: Command, ctx: CliContext): void {
  type Role = 'runStart' | 'runServe' | 'runAgent';
  const role = (name: string, description: string, entry: Role): void => {
    program
      .command(name)
      .description(description)
      .option('--config <file>', 'configuration file (JSON); default $TOWER_CONFIG, else built-in defaults')
      .action(async (opts: ProcessOptions) => {
        boundShutdown(ctx);
        const { loadConfig } = await import('../config/config.js');
        const config = await loadConfig(opts.config === undefined ? {} : { file: opts.config });
        // The server side (Fastify, BullMQ, socket.io) loads only for these commands, so the other commands start fast.
        const processes = await import('../server/tower-processes.js');
        // Log lines on stderr: readable on a terminal, JSON lines otherwise (process-logger.ts).
        const { createProcessLogger } = await import('../server/process-logger.js');
        const io: ProcessIo = {
          out: (line) => ctx.stdout.write(`${line}\n`),
          log: createProcessLogger({ level: config.log?.level ?? 'info', stream: ctx.stderr }),
          signal: ctx.signal,
        };
        const run: (config: TowerConfig, io: ProcessIo) => Promise<void> = processes[entry];
        try {
          await run(config, io);
        } finally {
          // Whatever a library left running (timers, sockets) must not keep a stopped (or failed) process alive.
          setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
        }
      });
  };
  role('start', 'controller and agent in one process, with an embedded Redis unless REDIS_URL is set (what npm start runs)', 'runStart');
  role('serve', 'the controller: HTTP API, live feed and run planner (no drives)', 'runServe');
  role('agent', 'serve this host\'s drives to the controller\'s Redis (REDIS_URL)', 'runAgent');
}

/**
 * Once the signal is aborted (the first SIGINT/SIGTERM): exit by force after
 * STOP_GRACE_MS, and at once on a second signal. The timer does not keep an
 * otherwise finished process alive.
 */
function boundShutdown(ctx: CliContext): void {
  const arm = (): void => {
    setTimeout(() => {
      ctx.stderr.write(`tower: still stopping ${STOP_GRACE_MS / 1000} s after the signal; exiting now\n`);
      process.exit(1);
    }, STOP_GRACE_MS).unref();
    const now = (signal: NodeJS.Signals) => (): void => {
      ctx.stderr.write(`tower: ${signal} again: exiting now\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', now('SIGINT'));
    process.once('SIGTERM', now('SIGTERM'));
  };
  if (ctx.signal.aborted) arm();
  else ctx.signal.addEventListener('abort', arm, { once: true });
}

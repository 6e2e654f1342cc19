/**
 * `tower history`: attempts filtered by run, drive, outcome and time, as a
 * table, JSON or the API's CSV; to stdout or, with `--output`, to a file
 * written whole or not at all.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { AttemptOutcomeName } from '../shared/api-types.js';
import { writeFileAtomic } from '../library/atomic-file.js';
import type { HistoryFilter } from './api-client.js';
import { isoTime, parseLimit, parseOutcome } from './cli-arguments.js';
import { UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, withConnectionOptions } from './controller-context.js';
import { renderHistory } from './views.js';

/** Options of `tower history`. */
export interface HistoryOptions extends ConnectionOptions {
  readonly run?: string;
  readonly drive?: string;
  readonly outcome?: AttemptOutcomeName;
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
  readonly csv?: boolean;
  readonly output?: string;
  readonly force?: boolean;
}

/** The API query for the options. */
export function historyFilter(opts: HistoryOptions): HistoryFilter {
  if (opts.since !== undefined && opts.until !== undefined && opts.until < opts.since) {
    throw new UsageError('--until is before --since');
  }
  return {
    ...(opts.run === undefined ? {} : { runId: opts.run }),
    ...(opts.drive === undefined ? {} : { driveId: opts.drive }),
    ...(opts.outcome === undefined ? {} : { outcome: opts.outcome }),
    ...(opts.since === undefined ? {} : { from: opts.since }),
    ...(opts.until === undefined ? {} : { to: opts.until }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
  };
}

async function historyCommand(ctx: ControllerCliContext, opts: HistoryOptions): Promise<void> {
  if (opts.csv && opts.json) throw new UsageError('choose one of --csv and --json');
  if (opts.output !== undefined && opts.output.trim() === '') throw new UsageError('--output needs a file name');
  // Refused before anything is asked of the controller, as `tower drive read` does.
  if (opts.output !== undefined && opts.force !== true && (await access(path.resolve(opts.output)).then(() => true, () => false))) {
    throw new UsageError(`${opts.output} exists; use --force to replace it`);
  }
  const filter = historyFilter(opts);
  const client = clientFor(ctx, opts);
  let content: string;
  let rows: number | null = null;
  if (opts.csv) {
    content = await client.historyCsv(filter);
  } else {
    const attempts = await client.history(filter);
    rows = attempts.length;
    content = opts.json ? `${JSON.stringify(attempts, null, 2)}\n` : `${renderHistory(attempts)}\n`;
  }
  if (opts.output === undefined) {
    ctx.stdout.write(content);
    return;
  }
  const file = path.resolve(opts.output);
  await writeFileAtomic(file, content);
  ctx.stderr.write(`wrote ${rows === null ? 'history' : `${rows} attempts`} to ${file}\n`);
}

/** Register `tower history`. */
export function registerHistoryCommand(program: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(
    program
      .command('history')
      .description('burn attempts: who burned what, where, when, and how it ended')
      .option('--run <id>', 'only this run')
      .option('--drive <id>', 'only this drive')
      .option('--outcome <outcome>', 'passed, failed, cancelled or interrupted', parseOutcome)
      .option('--since <iso>', 'started at or after (e.g. 2024-05-01 or 2024-05-01T08:00:00Z)', isoTime('--since'))
      .option('--until <iso>', 'started at or before', isoTime('--until'))
      .option('--limit <n>', 'at most n attempts', parseLimit)
      .option('--csv', 'CSV as the controller exports it')
      .option('--output <file>', 'write to this file (whole or not at all) instead of stdout')
      .option('--force', 'replace the --output file if it exists'),
  ).action((opts: HistoryOptions) => historyCommand(ctx, opts));
}

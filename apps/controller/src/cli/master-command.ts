/**
 * `tower master <driveId> --name <name>`: read the disc in a drive into the
 * image library (a master), optionally waiting with a progress bar.
 */
import type { Command } from 'commander';
import type { MasterRequest } from '../shared/api-types.js';
import { parseImageName, parseMasterFormat, parseRetries, requireId } from './cli-arguments.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { assertMasterSucceeded, followMaster, masterSummary } from './follow-run.js';
import { masterLine } from './views.js';

/** Options of `tower master`. */
export interface MasterOptions extends ConnectionOptions {
  readonly name: string;
  readonly format?: 'iso' | 'bin-cue';
  readonly allowDamaged?: boolean;
  readonly retries?: number;
  readonly wait?: boolean;
}

/** The API request for `tower master`'s arguments. */
export function masterRequest(driveId: string, opts: MasterOptions): MasterRequest {
  return {
    driveId: requireId('drive', driveId),
    name: opts.name,
    ...(opts.format === undefined ? {} : { format: opts.format }),
    ...(opts.allowDamaged ? { allowDamaged: true } : {}),
    ...(opts.retries === undefined ? {} : { retries: opts.retries }),
  };
}

async function masterCommand(ctx: ControllerCliContext, driveId: string, opts: MasterOptions): Promise<void> {
  const request = masterRequest(driveId, opts);
  const client = clientFor(ctx, opts);
  const master = await client.createMaster(request);
  if (!opts.wait) {
    printResult(ctx, opts, master, () => `${masterLine(master)}\nfollow it with: tower watch`);
    return;
  }
  const final = await followMaster(ctx, client, master.id, opts.json ? null : ctx.stderr);
  assertMasterSucceeded(final);
  printResult(ctx, opts, final, () => `${masterSummary(final)}\n${masterLine(final)}`);
}

/** Register `tower master`. */
export function registerMasterCommand(program: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(
    program
      .command('master <driveId>')
      .description('read the disc in a drive into the image library (operator)')
      .requiredOption('--name <name>', 'name of the new image', parseImageName)
      .option('--format <format>', 'iso or bin-cue (default: from the disc)', parseMasterFormat)
      .option('--allow-damaged', 'keep a master with unreadable sectors (marked damaged)')
      .option('--retries <n>', 're-reads of each bad sector, 0..20 (default 3)', parseRetries)
      .option('--wait', 'follow the read with a progress bar; exit 0 only when it is done'),
  ).action((driveId: string, opts: MasterOptions) => masterCommand(ctx, driveId, opts));
}

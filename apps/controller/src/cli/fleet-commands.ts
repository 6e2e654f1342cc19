/**
 * Drive commands through the controller: `tower drives`, `tower eject`,
 * `tower quarantine`, `tower release`, `tower stats`, and a person's hand at
 * a simulated auto-loader: `tower load-blanks` and `tower empty-rejects`.
 */
import type { Command } from 'commander';
import { integerIn, parseReason, requireId } from './cli-arguments.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { renderDrives, renderStats } from './views.js';

/** Register the drive commands that go through the controller. */
export function registerFleetCommands(program: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(program.command('drives').description('list the tower\'s drives and what each is doing'))
    .action(async (opts: ConnectionOptions) => {
      const drives = await clientFor(ctx, opts).listDrives();
      printResult(ctx, opts, drives, () => renderDrives(drives));
    });

  withConnectionOptions(program.command('eject <driveId>').description('open a drive\'s tray (operator)'))
    .action(async (driveId: string, opts: ConnectionOptions) => {
      const id = requireId('drive', driveId);
      const drive = await clientFor(ctx, opts).ejectDrive(id);
      printResult(ctx, opts, drive, () => `ejected ${drive.id} (now ${drive.state})`);
    });

  withConnectionOptions(
    program
      .command('quarantine <driveId>')
      .description('take a drive out of service until released (operator)')
      .requiredOption('--reason <text>', 'why, in words (1..500 characters)', parseReason),
  ).action(async (driveId: string, opts: ConnectionOptions & { reason: string }) => {
    const id = requireId('drive', driveId);
    const drive = await clientFor(ctx, opts).quarantineDrive(id, opts.reason);
    printResult(ctx, opts, drive, () => `quarantined ${drive.id}: ${drive.quarantine?.reason ?? opts.reason}`);
  });

  withConnectionOptions(program.command('release <driveId>').description('put a quarantined drive back into service (operator)'))
    .action(async (driveId: string, opts: ConnectionOptions) => {
      const id = requireId('drive', driveId);
      const drive = await clientFor(ctx, opts).releaseDrive(id);
      printResult(ctx, opts, drive, () => `released ${drive.id} (now ${drive.state})`);
    });

  withConnectionOptions(
    program
      .command('load-blanks <driveId> [count]')
      .description('put blanks into a simulated drive\'s auto-loader (operator; default 50)'),
  ).action(async (driveId: string, count: string | undefined, opts: ConnectionOptions) => {
    const id = requireId('drive', driveId);
    const n = count === undefined ? 50 : integerIn('count', 1, 100_000)(count);
    const drive = await clientFor(ctx, opts).loadBlanks(id, n);
    printResult(ctx, opts, drive, () => `loaded ${n} blank${n === 1 ? '' : 's'} into ${drive.label} (now ${drive.state}, ${drive.loader?.blanks ?? '?'} in its input)`);
  });

  withConnectionOptions(program.command('empty-rejects <driveId>').description('take the coasters out of a simulated drive\'s reject bin (operator)'))
    .action(async (driveId: string, opts: ConnectionOptions) => {
      const id = requireId('drive', driveId);
      const drive = await clientFor(ctx, opts).emptyRejects(id);
      printResult(ctx, opts, drive, () => `emptied the reject bin of ${drive.label} (now ${drive.state})`);
    });

  withConnectionOptions(program.command('stats').description('per-drive statistics: discs, failure rate, last error, quarantines'))
    .action(async (opts: ConnectionOptions) => {
      const stats = await clientFor(ctx, opts).driveStats();
      printResult(ctx, opts, stats, () => renderStats(stats));
    });
}

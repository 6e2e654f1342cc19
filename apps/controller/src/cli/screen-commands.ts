/**
 * `tower screens …`: wall screens (operator). `tower screens pair --name
 * wall-1` prints a pairing code to enter on the screen's page
 * (`/shopfloor/`), valid 10 minutes and once; the screen trades it for a
 * token of its own. `tower screens` lists screens, `tower screens revoke
 * <id>` revokes one at once.
 */
import type { Command } from 'commander';
import type { ScreenPairing, ScreenView } from '../shared/api-types.js';
import { requireId } from './cli-arguments.js';
import { UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, resolveConnection, withConnectionOptions } from './controller-context.js';
import { formatDateTime } from '../shared/units.js';
import { renderTable } from './table.js';

/** `--name` of a screen: 1..64 letters, digits, spaces and . _ - (as the API accepts). */
export function parseScreenName(value: string): string {
  const name = value.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name)) {
    throw new UsageError(`--name must be 1 to 64 letters, digits, spaces and . _ - (starting with a letter or digit), got '${value}'`);
  }
  return name;
}

/** The screens table of `tower screens`. */
export function renderScreens(screens: readonly ScreenView[]): string {
  return renderTable(
    ['ID', 'NAME', 'STATUS', 'SINCE', 'BY'],
    screens.map((s) => [
      s.id,
      s.name,
      s.status === 'pending' ? `pending until ${formatDateTime(s.expiresAt)}` : 'paired',
      formatDateTime(s.pairedAt ?? s.createdAt),
      s.createdBy,
    ]),
    'No wall screens. Pair one with: tower screens pair --name wall-1',
  );
}

/** What `tower screens pair` prints: the code, where to enter it, how to undo it. */
export function renderPairing(pairing: ScreenPairing, controllerUrl: string): string {
  return [
    `pairing code for screen '${pairing.screen.name}': ${pairing.code}`,
    `on the screen, open ${controllerUrl}/shopfloor/ and enter the code (valid until ${formatDateTime(pairing.expiresAt, { zone: true })}, once)`,
    `revoke the screen later with: tower screens revoke ${pairing.screen.id}`,
  ].join('\n');
}

/** Register `tower screens …`. */
export function registerScreenCommands(program: Command, ctx: ControllerCliContext): void {
  const screens = program.command('screens').description('wall screens: list, pair (a code for a new screen), revoke (operator)');
  withConnectionOptions(screens.command('list', { isDefault: true }).description('list the wall screens, paired and pending (default)'))
    .action(async (opts: ConnectionOptions) => {
      const list = await clientFor(ctx, opts).listScreens();
      printResult(ctx, opts, list, () => renderScreens(list));
    });

  withConnectionOptions(
    screens
      .command('pair')
      .description('make a pairing code for a new wall screen: valid 10 minutes, once; no token goes in the screen\'s URL')
      .requiredOption('--name <name>', 'the screen\'s name, e.g. wall-1 (1..64 letters, digits, spaces and . _ -)', parseScreenName),
  ).action(async (opts: ConnectionOptions & { name: string }) => {
    const { url } = resolveConnection(ctx, opts);
    const pairing = await clientFor(ctx, opts).pairScreen(opts.name);
    printResult(ctx, opts, pairing, () => renderPairing(pairing, url));
  });

  withConnectionOptions(screens.command('revoke <screenId>').description('revoke a wall screen at once (or cancel its pairing code)'))
    .action(async (screenId: string, opts: ConnectionOptions) => {
      const id = requireId('screen', screenId);
      await clientFor(ctx, opts).revokeScreen(id);
      printResult(ctx, opts, { ok: true, revoked: id }, () => `revoked screen ${id}: its token no longer works and its live view is closed`);
    });
}

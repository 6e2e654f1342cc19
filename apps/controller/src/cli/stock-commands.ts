/**
 * `tower stock …`: the blank stock. `tower stock` lists every counted media
 * type (received, used, wasted, adjusted, on hand, low-stock level);
 * `tower stock receive <type> <count> [--note]` records blanks received;
 * `tower stock adjust <type> --by <±n> --reason <text>` corrects a count by
 * hand (audited); `tower stock threshold <type> <n|off>` sets the level at
 * which the stock-low alert fires. Used and wasted blanks count themselves.
 */
import type { Command } from 'commander';
import { RECORDABLE_MEDIA_TYPES } from 'node-cdrecord-wrapper/media';
import { MAX_STOCK_CHANGE } from '../shared/stock-limits.js';
import type { StockLevelView } from '../shared/stock-schemas.js';
import { integerIn, textOf } from './cli-arguments.js';
import { UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { renderTable } from './table.js';

/** A media type as the stock names it (`dvd+r` → `DVD+R`), or a usage error listing them. */
export function parseStockType(value: string): string {
  const want = value.trim().toUpperCase().replace(/\s+/g, ' ');
  const found = RECORDABLE_MEDIA_TYPES.find((t) => t === want);
  if (found === undefined) throw new UsageError(`unknown media type '${value}': use one of ${RECORDABLE_MEDIA_TYPES.join(', ')}`);
  return found;
}

const parseCount = integerIn('the count', 1, MAX_STOCK_CHANGE);
const parseDelta = (value: string): number => {
  const n = integerIn('--by', -MAX_STOCK_CHANGE, MAX_STOCK_CHANGE)(value);
  if (n === 0) throw new UsageError('--by must not be 0: give the blanks added (+n) or taken away (-n)');
  return n;
};
const parseThreshold = (value: string): number | null => (value.trim().toLowerCase() === 'off' ? null : integerIn('the threshold', 0, MAX_STOCK_CHANGE)(value));

/** The table of `tower stock`. */
export function renderStock(levels: readonly StockLevelView[]): string {
  return renderTable(
    ['TYPE', { header: 'ON HAND', align: 'right' }, { header: 'RECEIVED', align: 'right' }, { header: 'USED', align: 'right' },
      { header: 'WASTED', align: 'right' }, { header: 'ADJUSTED', align: 'right' }, { header: 'LOW AT', align: 'right' }, ''],
    levels.map((l) => [l.mediaType, l.onHand, l.received, l.used, l.wasted, l.adjusted, l.threshold ?? '-', l.low ? 'LOW' : '']),
    'No blank stock counted yet. Record a delivery with: tower stock receive DVD-R 500',
  );
}

const levelLine = (l: StockLevelView): string => `${l.mediaType}: ${l.onHand} on hand (received ${l.received}, used ${l.used}, wasted ${l.wasted}, adjusted ${l.adjusted})${l.low ? ' — LOW' : ''}`;

/** Register `tower stock …`. */
export function registerStockCommands(program: Command, ctx: ControllerCliContext): void {
  const stock = program.command('stock').description('blank stock per media type: list, receive, adjust (with a reason), threshold');
  withConnectionOptions(stock.command('list', { isDefault: true }).description('the blank stock per media type (default)'))
    .action(async (opts: ConnectionOptions) => {
      const levels = await clientFor(ctx, opts).stock();
      printResult(ctx, opts, levels, () => renderStock(levels));
    });

  withConnectionOptions(
    stock.command('receive <type> <count>').description('record blanks received (operator)')
      .option('--note <text>', 'a delivery note or batch number, for the audit log (up to 200 characters)', textOf('--note', 0, 200)),
  ).action(async (type: string, count: string, opts: ConnectionOptions & { note?: string }) => {
    const body = { mediaType: parseStockType(type), count: parseCount(count), ...(opts.note === undefined || opts.note === '' ? {} : { note: opts.note }) };
    const level = await clientFor(ctx, opts).changeStock('received', body);
    printResult(ctx, opts, level, () => levelLine(level));
  });

  withConnectionOptions(
    stock.command('adjust <type>').description('correct a count by hand, with a reason (operator; audited)')
      .requiredOption('--by <n>', 'blanks added (+n) or taken away (-n)', parseDelta)
      .requiredOption('--reason <text>', 'why (3 to 200 characters), for the audit log', textOf('--reason', 3, 200)),
  ).action(async (type: string, opts: ConnectionOptions & { by: number; reason: string }) => {
    const body = { mediaType: parseStockType(type), delta: opts.by, reason: opts.reason };
    const level = await clientFor(ctx, opts).changeStock('adjust', body);
    printResult(ctx, opts, level, () => levelLine(level));
  });

  withConnectionOptions(stock.command('threshold <type> <level>').description("set the level at which the stock-low alert fires, or 'off' (operator)"))
    .action(async (type: string, level: string, opts: ConnectionOptions) => {
      const body = { mediaType: parseStockType(type), threshold: parseThreshold(level) };
      const got = await clientFor(ctx, opts).changeStock('threshold', body);
      printResult(ctx, opts, got, () => `${got.mediaType}: ${got.threshold === null ? 'no low-stock alert' : `low-stock alert at ${got.threshold}`}; ${levelLine(got)}`);
    });
}

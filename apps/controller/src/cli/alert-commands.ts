/**
 * `tower alerts …`: `tower alerts` lists the conditions that hold now and
 * the latest alerts; `tower alerts deliveries [--limit n]` the delivery log
 * (each try by webhook or email: delivered, retrying, failed).
 */
import type { Command } from 'commander';
import type { AlertDelivery, AlertsOverviewView } from '../shared/alert-schemas.js';
import { formatDateTime } from '../shared/units.js';
import { integerIn } from './cli-arguments.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { renderTable } from './table.js';

/** What `tower alerts` prints. */
export function renderAlerts(o: AlertsOverviewView): string {
  const active = renderTable(['SINCE', 'CONDITION', 'SUBJECT', 'MESSAGE'], o.active.map((a) => [formatDateTime(a.at), a.condition, a.subject, a.message]), 'No alert holds now.');
  const recent = renderTable(['AT', 'KIND', 'CONDITION', 'SUBJECT', 'MESSAGE'], o.recent.slice(0, 20).map((a) => [formatDateTime(a.at), a.kind, a.condition, a.subject, a.message]), '(none yet)');
  return `${active}\n\nLatest alerts:\n${recent}`;
}

/** What `tower alerts deliveries` prints. */
export function renderDeliveries(list: readonly AlertDelivery[]): string {
  return renderTable(
    ['AT', 'CHANNEL', 'TARGET', 'ALERT', { header: 'TRY', align: 'right' }, 'STATUS', 'DETAIL'],
    list.map((d) => [formatDateTime(d.at), d.channel, d.target, `${d.kind} ${d.key}`, d.attempt, d.status,
      d.error ?? (d.httpStatus === null ? '' : `HTTP ${d.httpStatus}`)]),
    'No deliveries yet (no webhook or email configured, or nothing alerted).',
  );
}

/** Register `tower alerts …`. */
export function registerAlertCommands(program: Command, ctx: ControllerCliContext): void {
  const alerts = program.command('alerts').description('alerts: what holds now and the latest; the webhook and email delivery log');
  withConnectionOptions(alerts.command('list', { isDefault: true }).description('the conditions that hold now and the latest alerts (default)'))
    .action(async (opts: ConnectionOptions) => {
      const overview = await clientFor(ctx, opts).alerts();
      printResult(ctx, opts, overview, () => renderAlerts(overview));
    });
  withConnectionOptions(
    alerts.command('deliveries').description('the delivery log: each try by webhook or email, newest first')
      .option('--limit <n>', 'tries shown, 1..1000 (default 100)', integerIn('--limit', 1, 1000)),
  ).action(async (opts: ConnectionOptions & { limit?: number }) => {
    const list = await clientFor(ctx, opts).alertDeliveries(opts.limit);
    printResult(ctx, opts, list, () => renderDeliveries(list));
  });
}

/**
 * `tower report`: the production report (good discs, coasters, yield and
 * blanks by day, shift, operator or drive) as a table, JSON or the API's
 * CSV; and `tower runs certificate <runId> -o file.pdf`: a run's
 * certificate. Files are written whole or not at all, and an existing one
 * only with `--force`.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../library/atomic-file.js';
import type { ProductionReportView, ReportGroupingName } from '../shared/report-schemas.js';
import { formatCount, formatRatioPercent, isIsoDay, UNKNOWN } from '../shared/units.js';
import { requireId } from './cli-arguments.js';
import { UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, withConnectionOptions } from './controller-context.js';
import { renderTable } from './table.js';

/** Options of `tower report`. */
export interface ReportOptions extends ConnectionOptions {
  readonly by?: ReportGroupingName;
  readonly from?: string;
  readonly to?: string;
  readonly csv?: boolean;
  readonly output?: string;
  readonly force?: boolean;
}

const GROUPINGS: readonly ReportGroupingName[] = ['day', 'shift', 'operator', 'drive'];

/** `--by`: day, shift, operator or drive. */
export function parseGrouping(value: string): ReportGroupingName {
  const found = GROUPINGS.find((g) => g === value);
  if (found === undefined) throw new UsageError(`--by must be one of ${GROUPINGS.join(', ')}, got '${value}'`);
  return found;
}

/** `--from`/`--to`: a day `YYYY-MM-DD` in the report's time zone. */
export function reportDay(name: string): (value: string) => string {
  return (value) => {
    if (!isIsoDay(value)) throw new UsageError(`${name} must be a day YYYY-MM-DD, got '${value}'`);
    return value;
  };
}

/** The report as a table: one line per group, then the totals. */
export function renderProductionReport(report: ProductionReportView): string {
  const media = (m: Readonly<Record<string, number>>): string => Object.entries(m).map(([t, n]) => `${t} ${formatCount(n)}`).join(', ');
  const rows = report.rows.map((r) => [
    r.label, formatCount(r.passed), formatCount(r.coasters), r.yield === null ? UNKNOWN : formatRatioPercent(r.yield), media(r.mediaUsed),
    r.drives.map((d) => `${d.driveLabel ?? d.driveId} ${d.passed}/${d.coasters}`).join(', '),
  ]);
  const t = report.totals;
  const table = renderTable(
    [report.by, { header: 'good', align: 'right' }, { header: 'coasters', align: 'right' }, { header: 'yield', align: 'right' }, 'blanks', 'drives (good/coasters)'],
    [...rows, ['total', formatCount(t.passed), formatCount(t.coasters), t.yield === null ? UNKNOWN : formatRatioPercent(t.yield), media(t.mediaUsed), '']],
  );
  const span = `${new Date(report.from).toISOString()} .. ${new Date(report.to).toISOString()} (${report.timeZone})`;
  return report.rows.length === 0 ? `No discs burned ${span}.` : `${table}\n${span}`;
}

async function refuseExisting(output: string | undefined, force: boolean | undefined): Promise<string | null> {
  if (output === undefined) return null;
  if (output.trim() === '') throw new UsageError('--output needs a file name');
  const file = path.resolve(output);
  if (force !== true && (await access(file).then(() => true, () => false))) throw new UsageError(`${output} exists; use --force to replace it`);
  return file;
}

async function reportCommand(ctx: ControllerCliContext, opts: ReportOptions): Promise<void> {
  if (opts.csv && opts.json) throw new UsageError('choose one of --csv and --json');
  if (opts.from !== undefined && opts.to !== undefined && opts.to < opts.from) throw new UsageError('--to is before --from');
  const file = await refuseExisting(opts.output, opts.force);
  const query = {
    ...(opts.by === undefined ? {} : { by: opts.by }),
    ...(opts.from === undefined ? {} : { from: opts.from }),
    ...(opts.to === undefined ? {} : { to: opts.to }),
  };
  const client = clientFor(ctx, opts);
  let content: string;
  if (opts.csv) content = await client.productionReportCsv(query);
  else {
    const report = await client.productionReport(query);
    content = opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderProductionReport(report)}\n`;
  }
  if (file === null) {
    ctx.stdout.write(content);
    return;
  }
  await writeFileAtomic(file, content);
  ctx.stderr.write(`wrote the production report to ${file}\n`);
}

/** `tower runs certificate <runId> -o file.pdf [--force]`: the run's certificate, written whole or not at all. */
export async function certificateCommand(ctx: ControllerCliContext, runId: string, opts: ConnectionOptions & { output?: string; force?: boolean }): Promise<void> {
  if (opts.output === undefined) throw new UsageError("required option '-o, --output <file>' not specified");
  const file = await refuseExisting(opts.output, opts.force);
  const pdf = await clientFor(ctx, opts).runCertificate(requireId('run', runId));
  if (file === null) return;
  await writeFileAtomic(file, Buffer.from(pdf));
  const done = { runId, file, bytes: pdf.byteLength };
  ctx.stdout.write(opts.json ? `${JSON.stringify(done, null, 2)}\n` : `wrote the certificate of run ${runId} to ${file} (${pdf.byteLength} bytes)\n`);
}

/** Register `tower report`. */
export function registerReportCommands(program: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(
    program
      .command('report')
      .description('production report: good discs, coasters, yield and blanks used by day, shift, operator or drive')
      .option('--by <what>', 'day (default), shift, operator or drive', parseGrouping)
      .option('--from <day>', 'first day YYYY-MM-DD (default: 7 days before --to)', reportDay('--from'))
      .option('--to <day>', 'last day YYYY-MM-DD, whole (default: now)', reportDay('--to'))
      .option('--csv', 'CSV as the controller exports it')
      .option('--output <file>', 'write to this file (whole or not at all) instead of stdout')
      .option('--force', 'replace the --output file if it exists'),
  ).action((opts: ReportOptions) => reportCommand(ctx, opts));
}


/**
 * Disc labels through the controller: `tower label save <name> <file.svg>`
 * (an SVG template with merge fields, checked by the controller),
 * `tower label list`, `tower label show <name>`, `tower label delete
 * <name>`, `tower label prints [--run <id>] [--limit n]` (the print log). A
 * run prints labels with `tower run … --print-labels <template>`.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { LabelPrint, LabelTemplateViewType } from '../shared/label-schemas.js';
import { LABEL_SVG_MAX } from '../shared/label-limits.js';
import { formatDateTime } from '../shared/units.js';
import { integerIn, parseLabelName, requireId } from './cli-arguments.js';
import { UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { printResult, withConnectionOptions } from './controller-context.js';
import { labelClientFor } from './label-api-client.js';
import { renderTable } from './table.js';

async function readSvg(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text.length === 0 || text.length > LABEL_SVG_MAX) throw new UsageError(`${file}: a label template is 1..${LABEL_SVG_MAX} characters of SVG, this is ${text.length}`);
  return text;
}

/** What `tower label list` prints. */
export function renderLabelTemplates(list: readonly LabelTemplateViewType[]): string {
  return renderTable(['NAME', 'FIELDS', 'SAVED', 'BY', 'DESCRIPTION'],
    list.map((t) => [t.name, t.fields.join(' '), formatDateTime(t.updatedAt), t.updatedBy, t.description ?? '']),
    'No label templates. Save one with: tower label save <name> <file.svg>');
}

/** What `tower label show` prints: the template's details, then its SVG. */
export function renderLabelTemplate(t: LabelTemplateViewType): string {
  return [
    `label template ${t.name}${t.description === undefined ? '' : ` (${t.description})`}`,
    `  fields: ${t.fields.length === 0 ? '(none)' : t.fields.map((f) => `{{${f}}}`).join(' ')}`,
    `  saved by ${t.updatedBy} at ${formatDateTime(t.updatedAt)}`,
    '',
    t.svg,
  ].join('\n');
}

/** What `tower label prints` prints. */
export function renderLabelPrints(list: readonly LabelPrint[]): string {
  return renderTable(
    ['AT', 'RUN', 'KIND', 'COPY', 'QUEUE', { header: 'TRY', align: 'right' }, 'STATUS', 'DETAIL'],
    list.map((p) => [formatDateTime(p.at), p.runId, p.kind, p.copy === null ? '' : `${p.copy} of ${p.copies}`, p.queue, p.attempt, p.status, p.error ?? p.jobId ?? '']),
    'No label printed yet.',
  );
}

/** Register `tower label …`. */
export function registerLabelCommands(program: Command, ctx: ControllerCliContext): void {
  const label = program.command('label').description('disc label templates (SVG) and the label print log');
  withConnectionOptions(
    label.command('save <name> <file>').description('save an SVG label template from a file, replacing one of that name; checked by the controller (operator)')
      .option('--description <text>', 'what the template is for (up to 200 characters)'),
  ).action(async (name: string, file: string, opts: ConnectionOptions & { description?: string }) => {
    const checked = parseLabelName(name);
    if (opts.description !== undefined && opts.description.length > 200) throw new UsageError('--description is at most 200 characters');
    const svg = await readSvg(file);
    const saved = await labelClientFor(ctx, opts).saveLabelTemplate(checked, { svg, ...(opts.description === undefined ? {} : { description: opts.description }) });
    printResult(ctx, opts, saved, () => `saved label template ${saved.name}: fields ${saved.fields.map((f) => `{{${f}}}`).join(' ') || '(none)'}`);
  });
  withConnectionOptions(label.command('list', { isDefault: true }).description('list the label templates (default)'))
    .action(async (opts: ConnectionOptions) => {
      const list = await labelClientFor(ctx, opts).listLabelTemplates();
      printResult(ctx, opts, list, () => renderLabelTemplates(list));
    });
  withConnectionOptions(label.command('show <name>').description('one label template and its SVG'))
    .action(async (name: string, opts: ConnectionOptions) => {
      const t = await labelClientFor(ctx, opts).getLabelTemplate(parseLabelName(name));
      printResult(ctx, opts, t, () => renderLabelTemplate(t));
    });
  withConnectionOptions(label.command('delete <name>').description('delete a label template (operator)'))
    .action(async (name: string, opts: ConnectionOptions) => {
      const checked = parseLabelName(name);
      await labelClientFor(ctx, opts).deleteLabelTemplate(checked);
      printResult(ctx, opts, { deleted: checked }, () => `deleted label template ${checked}`);
    });
  withConnectionOptions(
    label.command('prints').description('the label print log: each try, newest first')
      .option('--run <id>', 'only this run\'s prints')
      .option('--limit <n>', 'tries shown, 1..1000 (default 100)', integerIn('--limit', 1, 1000)),
  ).action(async (opts: ConnectionOptions & { run?: string; limit?: number }) => {
    const list = await labelClientFor(ctx, opts).labelPrints({
      ...(opts.run === undefined ? {} : { runId: requireId('run', opts.run) }), ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    });
    printResult(ctx, opts, list, () => renderLabelPrints(list));
  });
}

/**
 * Run templates through the controller: `tower template save <name> --image
 * <id> --copies N [settings]` (or `--set a,b,c --copies SETS`, and
 * `--serials FIRST-LAST`), `tower template list`, `tower template show
 * <name>`, `tower template delete <name>`. Starting one is `tower run
 * --template <name>` (run-commands.ts). Every argument is checked here
 * before anything is sent; a bad one is one line on stderr and exit 2.
 */
import type { Command } from 'commander';
import type { TemplateRequest, TemplateView } from '../shared/template-schemas.js';
import { parseCopies, parseDriveList, parseLabel, parseLabelName, parseMediaClass, parsePriority, parseVerify, requireId, verifyText } from './cli-arguments.js';
import { positiveNumber, UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { parseSerials } from './serial-range.js';
import type { SerialsInput } from './serial-range.js';
import { parseSetImages } from './set-run-text.js';

/** The run settings a template or a template's run takes on the command line. */
export interface RunSettingOptions {
  readonly copies?: number;
  readonly verify?: TemplateRequest['verify'];
  readonly speed?: number;
  readonly dummyFirst?: boolean;
  readonly drives?: string[];
  readonly priority?: number;
  readonly label?: string;
  readonly media?: TemplateRequest['media'];
  readonly maxAttempts?: number;
  readonly printLabels?: string;
}

/** A template name: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
export function parseTemplateName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new UsageError(`template name must be a letter or digit then up to 63 letters, digits, '.', '_' or '-', got '${value.slice(0, 80)}'`);
  }
  return value;
}

/** `--max-attempts`: attempts per copy before it is replaced, 1..10. */
function parseMaxAttempts(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10) throw new UsageError(`--max-attempts must be a whole number from 1 to 10, got '${value}'`);
  return n;
}

/** Add the run settings' options (all optional) to a command. */
export function withRunSettings(command: Command): Command {
  return command
    .option('--verify <policy>', 'all (default), first-per-drive, off or every-nth:N', parseVerify)
    .option('--speed <x>', 'write speed in x (default: each drive\'s maximum)', positiveNumber('--speed', 100))
    .option('--dummy-first', 'test burn before each real one')
    .option('--drives <ids>', 'only these drives or groups, comma-separated', parseDriveList)
    .option('--priority <p>', '1 (first) .. 1000 (default 100)', parsePriority)
    .option('--label <text>', 'label text for the report (up to 200 characters)', parseLabel)
    .option('--media <class>', 'blank media: cd, dvd, dvd-dl, bd or bd-dl', parseMediaClass)
    .option('--max-attempts <n>', 'attempts per copy before it is replaced (1..10, default 3)', parseMaxAttempts)
    .option('--print-labels <template>', 'print a label for each good disc with this label template (tower label list)');
}

/** The settings given on the command line, as the API takes them (only those given). */
export function runSettings(opts: RunSettingOptions): Omit<TemplateRequest, 'imageId' | 'copies'> & { copies?: number } {
  if (opts.speed !== undefined && !Number.isInteger(opts.speed)) throw new UsageError(`--speed must be a whole number from 1 to 100, got '${opts.speed}'`);
  return {
    ...(opts.copies === undefined ? {} : { copies: opts.copies }),
    ...(opts.verify === undefined ? {} : { verify: opts.verify }),
    ...(opts.speed === undefined ? {} : { speed: opts.speed }),
    ...(opts.dummyFirst ? { dummyFirst: true } : {}),
    ...(opts.drives === undefined ? {} : { drives: opts.drives }),
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
    ...(opts.label === undefined ? {} : { label: opts.label }),
    ...(opts.media === undefined ? {} : { media: opts.media }),
    ...(opts.maxAttempts === undefined ? {} : { maxAttemptsPerCopy: opts.maxAttempts }),
    ...(opts.printLabels === undefined ? {} : { printLabels: true, labelTemplate: parseLabelName(opts.printLabels) }),
  };
}

/** One template in words. */
export function renderTemplate(t: TemplateView): string {
  const image = t.imageName === null ? `${t.imageId} (no longer in the library)` : `'${t.imageName}' (${t.imageId})`;
  const parts = [
    t.set === undefined ? `template ${t.name}: ${t.copies} copies of ${image}` : `template ${t.name}: ${t.copies} sets of ${t.set.imageIds.length} discs (${t.set.imageIds.join(', ')})`,
    ...(t.merge?.serials === undefined ? [] : [`  serials from ${t.merge.serials.first}${t.merge.serials.last === undefined ? '' : ` to ${t.merge.serials.last}`}, one per ${t.set === undefined ? 'copy' : 'set'}`]),
    `  verify ${verifyText(t.verify ?? 'all')}, speed ${t.speed === undefined ? 'max' : `${t.speed}x`}, priority ${t.priority ?? 100}`
      + `${t.media === undefined ? '' : `, media ${t.media}`}${t.dummyFirst ? ', test burn first' : ''}${t.maxAttemptsPerCopy === undefined ? '' : `, ${t.maxAttemptsPerCopy} attempts per copy`}`,
    `  drives ${t.drives === undefined ? 'all' : t.drives.join(', ')}${t.label === undefined ? '' : `, label '${t.label}'`}`,
    `  saved by ${t.updatedBy} at ${new Date(t.updatedAt).toISOString()}`,
  ];
  return parts.join('\n');
}

function renderTemplates(list: readonly TemplateView[]): string {
  if (list.length === 0) return 'No templates. Save one with: tower template save <name> --image <imageId> --copies N';
  const width = Math.max(4, ...list.map((t) => t.name.length));
  return [
    `${'NAME'.padEnd(width)}  COPIES  IMAGE`,
    ...list.map((t) => `${t.name.padEnd(width)}  ${String(t.copies).padStart(6)}  ${t.imageName ?? `${t.imageId} (gone)`}`),
  ].join('\n');
}

type SaveOptions = ConnectionOptions & RunSettingOptions & { image?: string; copies: number; set?: string[]; serials?: SerialsInput };

/** `tower template save`'s request: `--image`, or `--set a,b,c` (disc 1 is the image; the copies are sets), and `--serials`. */
function saveRequest(opts: SaveOptions): TemplateRequest {
  if (opts.image !== undefined && opts.set !== undefined) throw new UsageError('--set names the set\'s images: give --image or --set, not both');
  const imageId = opts.image ?? opts.set?.[0];
  if (imageId === undefined) throw new UsageError("required option '--image <imageId>' not specified (or --set IMG1,IMG2,...)");
  return {
    ...runSettings(opts),
    imageId: requireId('image', imageId),
    copies: opts.copies,
    ...(opts.set === undefined ? {} : { set: { imageIds: opts.set.map((id) => requireId('image', id)) } }),
    ...(opts.serials === undefined ? {} : { merge: { serials: opts.serials } }),
  };
}

/** Register `tower template …`. */
export function registerTemplateCommands(program: Command, ctx: ControllerCliContext): void {
  const template = program.command('template').description('run templates: save, list, show, delete (start one with tower run --template NAME)');
  withConnectionOptions(
    withRunSettings(
      template
        .command('save <name>')
        .description('save a run\'s settings under a name, replacing a template of that name (operator)')
        .option('--image <imageId>', 'the library image its runs burn')
        .option('--set <ids>', 'a collated set run: the discs\' image ids in order, comma-separated (instead of --image; --copies then counts sets)', parseSetImages)
        .option('--serials <range>', 'a serial number on each disc, one per copy (one per set with --set): FIRST-LAST', parseSerials)
        .requiredOption('--copies <n>', 'good copies wanted (1..10000; with --set: complete sets)', parseCopies),
    ),
  ).action(async (name: string, opts: SaveOptions) => {
    const request = saveRequest(opts);
    const saved = await clientFor(ctx, opts).saveTemplate(parseTemplateName(name), request);
    printResult(ctx, opts, saved, () => `saved ${renderTemplate(saved)}\nstart it with: tower run --template ${saved.name}`);
  });
  withConnectionOptions(template.command('list', { isDefault: true }).description('list the templates (default)'))
    .action(async (opts: ConnectionOptions) => {
      const list = await clientFor(ctx, opts).listTemplates();
      printResult(ctx, opts, list, () => renderTemplates(list));
    });
  withConnectionOptions(template.command('show <name>').description('one template\'s settings'))
    .action(async (name: string, opts: ConnectionOptions) => {
      const t = await clientFor(ctx, opts).getTemplate(parseTemplateName(name));
      printResult(ctx, opts, t, () => renderTemplate(t));
    });
  withConnectionOptions(template.command('delete <name>').description('delete a template; runs started from it are not touched (operator)'))
    .action(async (name: string, opts: ConnectionOptions) => {
      const checked = parseTemplateName(name);
      await clientFor(ctx, opts).deleteTemplate(checked);
      printResult(ctx, opts, { deleted: checked }, () => `deleted template ${checked}`);
    });
}

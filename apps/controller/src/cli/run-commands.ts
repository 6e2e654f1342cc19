/**
 * Duplication runs through the controller: `tower run <imageId> --copies N`
 * (optionally following it live with `--wait`), and `tower runs …` to list,
 * show, pause, resume and cancel them.
 */
import type { Command } from 'commander';
import type { CreateRunRequest, RunView, VerifyPolicyInput } from '../shared/api-types.js';
import type { ApiClient } from './api-client.js';
import { integerIn, parseCopies, parseDriveList, parseLabel, textOf, parseLabelName, parseMediaClass, parsePriority, parseVerify, requireId } from './cli-arguments.js';
import { positiveNumber, UsageError } from './cli-output.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { clientFor, printResult, withConnectionOptions } from './controller-context.js';
import { assertRunSucceeded, followRun } from './follow-run.js';
import { runSpeedWarning, stdioDrivesOfRun } from './stdio-speed-warning.js';
import type { MergeCsvFile } from './merge-csv-option.js';
import { copiesOfSerials, parseSerials } from './serial-range.js';
import { parseSetImages, withSetRun } from './set-run-text.js';
import type { SerialsInput } from './serial-range.js';
import { renderRun, renderRuns, runLine } from './views.js';
import { MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS } from '../shared/run-text-limits.js';

/** Options of `tower run`. */
export interface RunOptions extends ConnectionOptions {
  /** Required unless `template` gives it. */
  readonly copies?: number;
  /** Start a saved template's run; the other settings given override its own. */
  readonly template?: string;
  readonly verify?: VerifyPolicyInput;
  readonly speed?: number;
  readonly dummyFirst?: boolean;
  readonly drives?: string[];
  readonly priority?: number;
  readonly label?: string;
  /** Customer name and order number, for the certificate. */
  readonly customer?: string;
  readonly order?: string;
  readonly media?: CreateRunRequest['media'];
  /** Per-disc serial numbers (`--serials 1001-1500`); the range gives the copies when `--copies` does not. */
  readonly serials?: SerialsInput;
  /** Where the serial goes on each disc (default /SERIAL.TXT). */
  readonly serialFile?: string;
  /** A CSV file of one row per disc (files and fields of its own); its rows give the copies when `--copies` does not. */
  readonly mergeCsv?: string;
  /** Print a label for each good disc with this label template. */
  readonly printLabels?: string;
  /** `{{merge.1}}`, `{{merge.2}}`… on the labels, in the order given (`--merge-field`, repeatable). */
  readonly mergeField?: string[];
  /** A collated set run: the discs' image ids in order (`--set a,b,c`); the count is then of sets (`--sets`). */
  readonly set?: string[];
  readonly sets?: number;
  readonly wait?: boolean;
}

/** The API request for `tower run`'s arguments (already checked by their parsers); `csv`: `--merge-csv`'s file, read. */
export function createRunRequest(imageId: string, opts: RunOptions, csv?: MergeCsvFile): CreateRunRequest {
  if (csv !== undefined && opts.serials !== undefined) throw new UsageError('give --serials or --merge-csv, not both');
  if (csv !== undefined && opts.copies !== undefined && opts.copies !== csv.rows) {
    throw new UsageError(opts.set === undefined ? `--merge-csv has ${csv.rows} rows, one per disc, but --copies is ${opts.copies}` : `--merge-csv has ${csv.rows} rows, one per set, but --sets is ${opts.copies}`);
  }
  const copies = opts.copies ?? (opts.serials === undefined ? csv?.rows : copiesOfSerials(opts.serials));
  if (copies === undefined) throw new UsageError("required option '--copies <n>' not specified (or give --template NAME, --serials FIRST-LAST or --merge-csv FILE)");
  if (opts.serialFile !== undefined && opts.serials === undefined) throw new UsageError('--serial-file needs --serials');
  return {
    imageId: requireId('image', imageId),
    copies,
    ...(opts.verify === undefined ? {} : { verify: opts.verify }),
    ...(opts.speed === undefined ? {} : { speed: opts.speed }),
    ...(opts.dummyFirst ? { dummyFirst: true } : {}),
    ...(opts.drives === undefined ? {} : { drives: opts.drives }),
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
    ...(opts.label === undefined ? {} : { label: opts.label }),
    ...(opts.customer === undefined && opts.order === undefined ? {} : {
      customer: { ...(opts.customer === undefined ? {} : { name: opts.customer }), ...(opts.order === undefined ? {} : { order: opts.order }) },
    }),
    ...(opts.media === undefined ? {} : { media: opts.media }),
    ...(opts.serials === undefined ? {} : { merge: { serials: { ...opts.serials, ...(opts.serialFile === undefined ? {} : { file: opts.serialFile }) } } }),
    ...(csv === undefined ? {} : { merge: { csv: csv.text } }),
    ...(opts.printLabels === undefined ? {} : { printLabels: true, labelTemplate: parseLabelName(opts.printLabels) }),
    ...labelMergeOf(opts),
    ...(opts.set === undefined ? {} : { set: { imageIds: opts.set.map((id) => requireId('image', id)) } }),
  };
}

async function runCommand(ctx: ControllerCliContext, givenImageId: string | undefined, given: RunOptions): Promise<void> {
  // A set run (--set a,b,c --sets K): disc 1 is the run's image, and the count is of sets.
  const { imageId, opts } = withSetRun(givenImageId, given);
  if (imageId !== undefined && opts.template !== undefined) throw new UsageError('give an image id or --template NAME, not both');
  if (imageId === undefined && opts.template === undefined) throw new UsageError("missing required argument 'imageId' (or give --template NAME)");
  if (opts.mergeCsv !== undefined && opts.template !== undefined) throw new UsageError('give --template NAME or --merge-csv FILE, not both');
  // Loaded when given: `tower run` reads no more of the CLI than it needs (cli-bundle.test.ts).
  const csv = opts.mergeCsv === undefined ? undefined : await (await import('./merge-csv-option.js')).readMergeCsv(opts.mergeCsv);
  const client = clientFor(ctx, opts);
  // Loaded when given, as the CSV's reader: `tower run IMAGE` reads no template module (a file, compiled, at each start).
  const templates = opts.template === undefined ? undefined : await import('./template-commands.js');
  const run = templates === undefined || opts.template === undefined
    ? await client.createRun(createRunRequest(imageId ?? '', opts, csv))
    : await client.runTemplate(templates.parseTemplateName(opts.template), { ...templates.runSettings(opts), ...labelMergeOf(opts) });
  // A run no drive in service can serve is created, and waits: say so at once (with --json it is the run's statusReason).
  if (!opts.json && run.statusReason !== null && run.statusReason.startsWith('needs a person')) ctx.stderr.write(`warning: ${run.statusReason}\n`);
  // Blank stock that cannot cover the run (the API's `warnings`; with --json they are in the run printed).
  if (!opts.json) for (const w of run.warnings ?? []) ctx.stderr.write(`warning: ${w}\n`);
  if (!opts.json && opts.speed !== undefined) await warnStdioSpeed(ctx, client, opts.drives);
  const what = run.set === undefined ? `${run.copies} copies of '${run.imageName}'` : `${run.set.sets} sets of ${run.set.discs} discs (${run.set.imageIds.join(', ')})`;
  if (!opts.wait) {
    printResult(ctx, opts, run, () => `created run ${run.id}: ${what} (${run.mediaClass}, verify ${run.verify}, priority ${run.priority})\nfollow it with: tower runs show ${run.id}  or  tower watch`);
    return;
  }
  if (!opts.json) ctx.stderr.write(`created run ${run.id}: ${what}; waiting (Ctrl-C stops waiting, the run goes on)\n`);
  const final = await followRun(ctx, client, run.id, opts.json ? null : ctx.stderr);
  assertRunSucceeded(final);
  printResult(ctx, opts, final, () => runLine(final));
}

/** Say so when a run given a speed may go to stdio: pseudo drives, which ignore it. Advisory: a failed look at the drives says nothing. */
async function warnStdioSpeed(ctx: ControllerCliContext, client: ApiClient, names: readonly string[] | undefined): Promise<void> {
  const drives = await client.listDrives().catch(() => []);
  const stdio = stdioDrivesOfRun(drives, names);
  if (stdio.length > 0) ctx.stderr.write(`${runSpeedWarning(stdio)}\n`);
}

/** `labelMerge` of `--merge-field` values, or nothing. */
function labelMergeOf(opts: RunOptions): { labelMerge?: string[] } {
  return opts.mergeField === undefined ? {} : { labelMerge: opts.mergeField };
}

/** `--merge-field`, repeatable: the values in order, each checked. */
export function collectMergeField(value: string, previous: string[] | undefined): string[] {
  const all = [...(previous ?? []), value];
  if (value.length > MAX_LABEL_MERGE_CHARS) throw new UsageError(`--merge-field: at most ${MAX_LABEL_MERGE_CHARS} characters, got ${value.length}`);
  if (all.length > MAX_LABEL_MERGE_FIELDS) throw new UsageError(`--merge-field: at most ${MAX_LABEL_MERGE_FIELDS} values`);
  return all;
}

type RunAction = 'pause' | 'resume' | 'cancel';

async function controlRun(ctx: ControllerCliContext, action: RunAction, runId: string, opts: ConnectionOptions & { inFlight?: 'cancel' | 'finish' }): Promise<void> {
  const id = requireId('run', runId);
  const client = clientFor(ctx, opts);
  let run: RunView;
  if (action === 'pause') run = await client.pauseRun(id);
  else if (action === 'resume') run = await client.resumeRun(id);
  else run = await client.cancelRun(id, opts.inFlight === undefined ? {} : { inFlight: opts.inFlight });
  printResult(ctx, opts, run, () => runLine(run));
}

function parseInFlight(value: string): 'cancel' | 'finish' {
  if (value === 'cancel' || value === 'finish') return value;
  throw new UsageError(`--in-flight must be 'cancel' or 'finish', got '${value}'`);
}

/** Register `tower run` and `tower runs …`. */
export function registerRunCommands(program: Command, ctx: ControllerCliContext): void {
  registerRunCommand(program, ctx);
  registerRunsCommands(program, ctx);
}

/** Register `tower run` alone (what `tower run …` needs: the registry registers no `runs` subcommand for it). */
export function registerRunCommand(program: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(
    program
      .command('run [imageId]')
      .description('duplicate an image: exactly N good copies across the tower, or a saved template\'s run (operator)')
      .option('--copies <n>', 'good copies wanted (1..10000); required unless --template gives it', parseCopies)
      .option('--template <name>', 'start a saved template\'s run (tower template list); the options given override its settings')
      .option('--verify <policy>', 'all (default), first-per-drive, off or every-nth:N', parseVerify)
      .option('--speed <x>', 'write speed in x (default: each drive\'s maximum; stdio: drives write at file speed)', positiveNumber('--speed', 100))
      .option('--dummy-first', 'test burn before each real one')
      .option('--drives <ids>', 'only these drives or groups, comma-separated', parseDriveList)
      .option('--priority <p>', '1 (first) .. 1000 (default 100)', parsePriority)
      .option('--label <text>', 'label text for the certificate, history and reports (up to 200 characters)', parseLabel)
      .option('--customer <name>', 'customer name for the certificate (1..200 characters)', textOf('--customer', 1, 200))
      .option('--order <number>', 'customer order number for the certificate (1..100 characters)', textOf('--order', 1, 100))
      .option('--media <class>', 'blank media: cd, dvd, dvd-dl, bd or bd-dl (default: the smallest the image fits that the drives hold)', parseMediaClass)
      .option('--print-labels <template>', 'print a label for each good disc with this label template (tower label list)')
      .option('--merge-field <text>', 'fills the label\'s {{merge.1}}, {{merge.2}}… in the order given (repeatable; up to 99 of 200 characters)', collectMergeField)
      .option('--serials <range>', 'a serial number on each disc, one per copy: FIRST-LAST, zero-padded as written, an optional prefix (SN-00001-00500)', parseSerials)
      .option('--serial-file <path>', 'where the serial goes on each disc (default /SERIAL.TXT)')
      .option('--set <ids>', 'a collated set run: the discs\' image ids in order, comma-separated (no image id then)', parseSetImages)
      .option('--sets <n>', 'complete sets wanted, with --set (sets × discs at most 10000)', integerIn('--sets', 1, 10_000))
      .option('--merge-csv <file>', 'a CSV of one row per disc (header: file:/PATH with source paths inside the controller\'s import roots, text:/PATH, field names); its rows give the copies')
      .option('--wait', 'follow the run live; exit 0 only when exactly N copies passed'),
  ).action((imageId: string | undefined, opts: RunOptions) => runCommand(ctx, imageId, opts));
}

/** Register `tower runs …`: list, show, again, pause, resume, cancel, certificate. */
export function registerRunsCommands(program: Command, ctx: ControllerCliContext): void {
  const runs = program.command('runs').description('duplication runs: list, show, again, pause, resume, cancel');
  withConnectionOptions(runs.command('list', { isDefault: true }).description('list the runs (default)'))
    .action(async (opts: ConnectionOptions) => {
      const list = await clientFor(ctx, opts).listRuns();
      printResult(ctx, opts, list, () => renderRuns(list, 'No runs. Start one with: tower run <imageId> --copies N'));
    });
  withConnectionOptions(runs.command('show <runId>').description('one run in detail'))
    .action(async (runId: string, opts: ConnectionOptions) => {
      const run = await clientFor(ctx, opts).getRun(requireId('run', runId));
      printResult(ctx, opts, run, () => renderRun(run));
    });
  withConnectionOptions(runs.command('again <runId>').description('run a finished run again: a new run with its settings (operator)'))
    .action(async (runId: string, opts: ConnectionOptions) => {
      const run = await clientFor(ctx, opts).runAgain(requireId('run', runId));
      printResult(ctx, opts, run, () => `created run ${run.id}: ${run.copies} copies of '${run.imageName}' again (${run.mediaClass}, verify ${run.verify}, priority ${run.priority})\nfollow it with: tower runs show ${run.id}  or  tower watch`);
    });
  withConnectionOptions(runs.command('pause <runId>').description('stop starting new copies; burns in flight finish (operator)'))
    .action((runId: string, opts: ConnectionOptions) => controlRun(ctx, 'pause', runId, opts));
  withConnectionOptions(runs.command('resume <runId>').description('resume a paused run (operator)'))
    .action((runId: string, opts: ConnectionOptions) => controlRun(ctx, 'resume', runId, opts));
  withConnectionOptions(
    runs
      .command('cancel <runId>')
      .description('cancel a run (operator)')
      .option('--in-flight <what>', "burns in flight: 'cancel' them now (default) or let them 'finish'", parseInFlight),
  ).action((runId: string, opts: ConnectionOptions & { inFlight?: 'cancel' | 'finish' }) => controlRun(ctx, 'cancel', runId, opts));
  withConnectionOptions(
    runs
      .command('certificate <runId>')
      .description("save a run's certificate (PDF): label, customer, image and SHA-256, verify policy, counts, every disc, who started it")
      .option('-o, --output <file>', 'the PDF file to write (whole or not at all)')
      .option('--force', 'replace the file if it exists'),
  // Loaded when given: `tower run` and `tower runs` read no more of the CLI than they need (cli-bundle.test.ts).
  ).action(async (runId: string, opts: CertificateOptions) => (await import('./report-commands.js')).certificateCommand(ctx, runId, opts));
}

/** Options of `tower runs certificate`. */
type CertificateOptions = ConnectionOptions & { output?: string; force?: boolean };

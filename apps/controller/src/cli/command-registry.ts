/**
 * Which module registers which `tower` command, so the CLI loads only the
 * one it runs: `tower run …` never reads the drive layer's commands, the
 * server side or the other controller commands. Each module is imported
 * when its command is given as the first argument; for anything else (no
 * command, `--help`, `help …`, a mistyped command) every module is loaded
 * and registered in this order, so the help listing and the suggestions are
 * as they always were. A command given first is dispatched by commander to
 * that command alone, so what its siblings are does not change its parsing,
 * its help or its errors.
 *
 * On a slow host a module costs its file lookups and compilation (the rig's
 * QEMU guest reads every file over 9p), so this list is what `tower run
 * --wait` pays for at each start.
 */
import type { Command } from 'commander';
import type { CliContext } from './drive-commands.js';

/** Registers one module's commands on the `tower` program. */
type Register = (program: Command, ctx: CliContext) => void;

/** One module of commands: the top-level names it registers, and how to load its register function. */
export interface CommandGroup {
  readonly names: readonly string[];
  load(): Promise<Register>;
}

/** Every command module, in the order `tower --help` lists their commands. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['drive'], load: async () => (await import('./drive-commands.js')).registerDriveCommands },
  { names: ['demo'], load: async () => (await import('./demo-command.js')).registerDemoCommand },
  { names: ['start', 'serve', 'agent'], load: async () => (await import('./process-commands.js')).registerProcessCommands },
  // The controller commands, as controller-commands.ts registers them.
  { names: ['drives', 'eject', 'quarantine', 'release', 'load-blanks', 'empty-rejects', 'stats'], load: async () => (await import('./fleet-commands.js')).registerFleetCommands },
  { names: ['images'], load: async () => (await import('./image-commands.js')).registerImageCommands },
  { names: ['master'], load: async () => (await import('./master-command.js')).registerMasterCommand },
  // One module, two groups: `tower run` builds none of the `runs` subcommands' options (commander's work at each start).
  { names: ['run'], load: async () => (await import('./run-commands.js')).registerRunCommand },
  { names: ['runs'], load: async () => (await import('./run-commands.js')).registerRunsCommands },
  { names: ['template'], load: async () => (await import('./template-commands.js')).registerTemplateCommands },
  { names: ['watch'], load: async () => (await import('./watch-command.js')).registerWatchCommand },
  { names: ['history'], load: async () => (await import('./history-command.js')).registerHistoryCommand },
  { names: ['report'], load: async () => (await import('./report-commands.js')).registerReportCommands },
  { names: ['screens'], load: async () => (await import('./screen-commands.js')).registerScreenCommands },
  { names: ['stock'], load: async () => (await import('./stock-commands.js')).registerStockCommands },
  { names: ['alerts'], load: async () => (await import('./alert-commands.js')).registerAlertCommands },
  { names: ['label'], load: async () => (await import('./label-commands.js')).registerLabelCommands },
];

/** The groups to load for `argv`: the first argument's own, else all of them. */
export function groupsFor(argv: readonly string[], groups: readonly CommandGroup[] = COMMAND_GROUPS): readonly CommandGroup[] {
  const first = argv[0];
  const own = first === undefined ? undefined : groups.find((g) => g.names.includes(first));
  return own === undefined ? groups : [own];
}

/** Load and register the commands `argv` needs on `program`. */
export async function registerCommands(program: Command, ctx: CliContext, argv: readonly string[]): Promise<void> {
  for (const group of groupsFor(argv)) (await group.load())(program, ctx);
}

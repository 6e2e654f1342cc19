/**
 * The CLI loads only the module of the command it runs (command-registry.ts):
 * the registry must name every top-level command of each module exactly, and
 * with no command (help, a typo) register them all in the order the static
 * registration did, so `tower --help` and the suggestions do not change.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, groupsFor, registerCommands } from '../../src/cli/command-registry.js';
import { registerControllerCommands } from '../../src/cli/controller-commands.js';
import { registerDemoCommand } from '../../src/cli/demo-command.js';
import { registerDriveCommands } from '../../src/cli/drive-commands.js';
import { registerProcessCommands } from '../../src/cli/process-commands.js';

const ctx = { stdout: process.stdout, stderr: process.stderr, signal: new AbortController().signal };
const names = (program: Command): string[] => program.commands.map((c) => c.name());

describe('command registry', () => {
  it('each group registers exactly the commands it names', async () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command('tower');
      (await group.load())(program, ctx);
      expect(names(program), group.names.join(',')).toEqual(group.names);
    }
  });

  it('all groups register what tower registered before, in the same order and with the same help', async () => {
    const before = new Command('tower').description('optical disc duplication tower controller');
    registerDriveCommands(before, ctx);
    registerDemoCommand(before, ctx);
    registerProcessCommands(before, ctx);
    registerControllerCommands(before, ctx);
    const now = new Command('tower').description('optical disc duplication tower controller');
    await registerCommands(now, ctx, []);
    expect(names(now)).toEqual(names(before));
    expect(names(now)).toEqual(COMMAND_GROUPS.flatMap((g) => g.names));
    expect(now.helpInformation()).toBe(before.helpInformation());
  });

  it('a command given first loads its own group only; anything else loads them all', () => {
    const only = (argv: string[]): string[] => groupsFor(argv).flatMap((g) => g.names);
    expect(only(['run', 'img', '--copies', '2', '--wait'])).toEqual(['run']);
    expect(only(['runs', '--json'])).toEqual(['runs']);
    expect(only(['release', 'd1'])).toEqual(['drives', 'eject', 'quarantine', 'release', 'load-blanks', 'empty-rejects', 'stats']);
    expect(only(['start', '--config', 'x'])).toEqual(['start', 'serve', 'agent']);
    const all = COMMAND_GROUPS.flatMap((g) => g.names);
    for (const argv of [[], ['--help'], ['-h'], ['help', 'run'], ['rnu'], ['--json', 'runs'], ['list']]) expect(only(argv), argv.join(' ')).toEqual(all);
  });

  it('tower run loads none of the other command modules, and registers no `runs` subcommand', async () => {
    const program = new Command('tower');
    await registerCommands(program, ctx, ['run', 'img', '--copies', '1']);
    expect(names(program)).toEqual(['run']);
    const runs = new Command('tower');
    await registerCommands(runs, ctx, ['runs', 'show', 'r1']);
    expect(names(runs)).toEqual(['runs']);
    expect(runs.commands[0]?.commands.map((c) => c.name())).toEqual(['list', 'show', 'again', 'pause', 'resume', 'cancel', 'certificate']);
  });
});

/**
 * The `tower` command. Direct drive mode today (`tower drive …`); the
 * controller commands talk to its API.
 */
import { Command, CommanderError } from 'commander';
import { registerControllerCommands } from './controller-commands.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDriveCommands } from './drive-commands.js';
import { registerProcessCommands } from './process-commands.js';
import { EXIT, exitCodeFor, failureJson, failureLine } from './cli-output.js';

async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const json = argv.includes('--json');

  const program = new Command('tower')
    .description('optical disc duplication tower controller')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true);
  const context = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal };
  registerDriveCommands(program, context);
  registerDemoCommand(program, context);
  registerProcessCommands(program, context);
  registerControllerCommands(program, context);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok;
      process.stderr.write(`tower: ${(err.message.split('\n')[0] ?? '').replace(/^error: /, '')}\n`);
      return EXIT.usage;
    }
    if (json) process.stdout.write(`${JSON.stringify(failureJson(err))}\n`);
    process.stderr.write(`${failureLine(err)}\n`);
    return exitCodeFor(err);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

process.exitCode = await main(process.argv.slice(2));

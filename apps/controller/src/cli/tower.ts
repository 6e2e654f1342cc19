/**
 * The `tower` command. Direct drive mode today (`tower drive …`); the
 * controller commands talk to its API. Only the module of the command given
 * is loaded (command-registry.ts).
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeFor, failureJson, failureLine } from './cli-output.js';
import { registerCommands } from './command-registry.js';
import { checkSubcommand, usageLine } from './usage-errors.js';

/** This package's version (`tower --version`). */
function packageVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

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
    .showSuggestionAfterError(true)
    // Read only when asked for: the other commands need no package.json (a file, and Node's CommonJS loader, at each start).
    .version(argv.includes('-V') || argv.includes('--version') ? packageVersion() : '', '-V, --version', 'print the version');
  const context = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal };

  try {
    await registerCommands(program, context, argv);
    checkSubcommand(program, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok;
      process.stderr.write(`tower: ${usageLine(err.message)}\n`);
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

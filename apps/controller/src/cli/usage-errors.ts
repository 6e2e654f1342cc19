/**
 * Usage errors as one line: Commander's message with its suggestion kept
 * ("unknown command 'drvies' (Did you mean drives?)"), and a mistyped
 * subcommand of a group whose default is `list` (`tower runs shwo x`)
 * refused as unknown rather than handed to `list` as arguments.
 */
import { CommanderError } from 'commander';
import type { Command } from 'commander';

/** Commander's message on one line, without its `error: ` lead. */
export function usageLine(message: string): string {
  return message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}

/** Edit distance of two short words, a swap of two neighbours counting one (for suggestions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * For `tower <group> <word> …` where the group has a default subcommand:
 * throw Commander's unknown-command error when `word` names none of the
 * group's subcommands (with the closest as a suggestion).
 */
export function checkSubcommand(program: Command, argv: readonly string[]): void {
  const [groupName, word] = argv;
  if (groupName === undefined || word === undefined || word.startsWith('-')) return;
  const group = program.commands.find((c) => c.name() === groupName);
  if (group === undefined || group.commands.length === 0) return;
  const names = group.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(word) || word === 'help') return;
  const close = names.map((n) => ({ n, d: distance(word, n) })).filter((x) => x.d <= Math.max(1, Math.floor(x.n.length / 3))).sort((x, y) => x.d - y.d)[0];
  const hint = close === undefined ? '' : `\n(Did you mean ${close.n}?)`;
  throw new CommanderError(1, 'commander.unknownCommand', `error: unknown command '${word}' for 'tower ${groupName}'${hint}`);
}

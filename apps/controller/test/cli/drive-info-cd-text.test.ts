/**
 * A drive's declared CD-TEXT writing in `tower drive info` (direct mode,
 * text and --json) and the words the CLI and the UI share for it.
 */
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDriveCommands } from '../../src/cli/drive-commands.js';
import { cdTextWriting } from '../../src/shared/cd-text-writing.js';

async function driveCli(argv: string[]): Promise<string> {
  let stdout = '';
  const out = new Writable({ write(chunk: Buffer, _e, cb) { stdout += chunk.toString(); cb(); } });
  const err = new Writable({ write(_c: Buffer, _e, cb) { cb(); } });
  const program = new Command('tower').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  registerDriveCommands(program, { stdout: out as NodeJS.WriteStream, stderr: err as NodeJS.WriteStream, signal: new AbortController().signal });
  await program.parseAsync(argv, { from: 'user' });
  return stdout;
}

describe('CD-TEXT writing of a drive', () => {
  it('reads the same in the CLI and the UI: declared, not declared, or no TOC burned', () => {
    expect(cdTextWriting(true)).toBe('writes CD-TEXT');
    expect(cdTextWriting(false)).toBe('not declared to write CD-TEXT');
    expect(cdTextWriting(undefined)).toBe('burns no TOC file');
  });

  it('tower drive info says it, and --json gives the drive\'s features', async () => {
    const text = await driveCli(['drive', 'info', 'sim:3']);
    expect(text).toMatch(/^CD-TEXT: {3}burns no TOC file$/m);
    const json = JSON.parse(await driveCli(['drive', 'info', 'sim:3', '--json'])) as { features?: { writesCdText?: boolean; watchesMedia?: boolean } };
    expect(json.features?.watchesMedia).toBe(true);
    expect(json.features).not.toHaveProperty('writesCdText');
  });
});

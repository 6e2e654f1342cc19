/**
 * `tower drive burn`'s stderr (issue 13 point 20): `--speed` on a `stdio:`
 * pseudo drive says in one warning line that it is ignored, and Ctrl-C
 * during a burn clears the progress bar's line before the error line, so the
 * error never lands on the bar. Run as tower.ts runs a command: Commander,
 * then the failure line of what the action threw.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureLine } from '../../src/cli/cli-output.js';
import { registerDriveCommands } from '../../src/cli/drive-commands.js';
import { STDIO_SPEED_WARNING } from '../../src/cli/stdio-speed-warning.js';
import { makeIso, makeTempDir } from '../../../../drivers/test/support/test-images.js';

/** Stderr as a terminal: what was written, and a hook on each write. */
class Terminal extends Writable {
  text = '';
  readonly isTTY = true;
  readonly columns = 100;
  onWrite: (text: string) => void = () => undefined;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    this.onWrite(this.text);
    done();
  }
}

async function driveCli(argv: string[], stderr: Terminal, signal = new AbortController().signal): Promise<{ stdout: string; failed: boolean }> {
  let stdout = '';
  const out = new Writable({ write(chunk: Buffer, _e, cb) { stdout += chunk.toString(); cb(); } });
  const program = new Command('tower').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  registerDriveCommands(program, { stdout: out as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, signal });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { stdout, failed: false };
  } catch (err) {
    stderr.write(`${failureLine(err)}\n`);
    return { stdout, failed: true };
  }
}

let temp: { dir: string; cleanup: () => void };
let iso: string;
beforeAll(() => {
  temp = makeTempDir('tower-drive-burn-');
  iso = makeIso(temp.dir, { payloadBytes: 4 * 1024 * 1024 });
});
afterAll(() => temp.cleanup());

describe('tower drive burn --speed on a stdio: pseudo drive', () => {
  it('warns in one line that the speed is ignored, before anything else', async () => {
    const stderr = new Terminal();
    // A missing image stops the burn right after the warning.
    const result = await driveCli(['drive', 'burn', `stdio:${path.join(temp.dir, 'disc.img')}`, path.join(temp.dir, 'missing.iso'), '--speed', '8'], stderr);
    expect(result.failed).toBe(true);
    const lines = stderr.text.split('\n');
    expect(lines[0]).toBe('tower: warning: --speed is ignored on stdio: pseudo drives (cdrskin writes them at file speed)');
    expect(lines[0]).toBe(STDIO_SPEED_WARNING);
    expect(lines.filter((l) => l.includes('warning'))).toHaveLength(1);
    expect(lines[1]).toMatch(/^tower: .*missing\.iso/);
  });

  it('says nothing without --speed, or for a drive that takes it', async () => {
    for (const argv of [
      ['drive', 'burn', `stdio:${path.join(temp.dir, 'disc.img')}`, path.join(temp.dir, 'missing.iso')],
      ['drive', 'burn', 'sim:0', path.join(temp.dir, 'missing.iso'), '--speed', '8'],
    ]) {
      const stderr = new Terminal();
      await driveCli(argv, stderr);
      expect(stderr.text, argv.join(' ')).not.toContain('warning');
      expect(stderr.text).toMatch(/^tower: .*missing\.iso.*\n$/);
    }
  });
});

describe('Ctrl-C during tower drive burn', () => {
  it('clears the progress bar before the error line', async () => {
    const abort = new AbortController();
    const stderr = new Terminal();
    // Ctrl-C as soon as the bar has been drawn with some progress.
    stderr.onWrite = (text) => {
      if (/\r\[#+-*\] /.test(text)) abort.abort();
    };
    const result = await driveCli(['drive', 'burn', 'sim:0?media=CD-R&timeScale=0.01&progressMs=5', iso], stderr, abort.signal);
    expect(result.failed).toBe(true);
    expect(abort.signal.aborted).toBe(true);
    const text = stderr.text;
    expect(text).toMatch(/\r\[#+-*\] burn /);
    // After the bar's last drawing: carriage return, clear the line, then the error alone on its line.
    const last = text.slice(text.lastIndexOf('\r'));
    // eslint-disable-next-line no-control-regex
    expect(last).toMatch(/^\r\x1b\[K(tower: [^\n]+)\n$/);
    expect(last).not.toContain('[#');
  });
});

/**
 * A refused SCSI command becomes a typed error with the command and its
 * sense, and a write mode refused before any byte is written is told apart
 * from failures after writing began. Fixtures: the tgt captures (streams
 * apart, optical tools reference §9); derived variants say what they change.
 */
import { describe, expect, it } from 'vitest';
import {
  ScsiCommandError,
  ToolError,
  WriteError,
  WriteModeRefusedError,
  WrongMediaError,
} from '../../src/errors.js';
import { classifyBurnFailure, noByteWritten, writeModeRefusal } from '../../src/parse/burn-failure.js';
import type { ToolRun } from '../../src/tool-process.js';
import { loadSample, loadStreams } from '../support/load-sample.js';

const device = '/dev/sr0';
const refused = (): ToolRun => loadStreams('tgt-cdrskin-burn-sao-refused.txt');
const text = (run: ToolRun): string => `${run.stdout}\n${run.stderr}`;

describe('WriteModeRefusedError from the tgt SAO burn', () => {
  it('names the command, its opcode and the sense in one line, and is not a drive fault', () => {
    const err = classifyBurnFailure(refused(), { device, imageSectors: 2048 });
    expect(err).toBeInstanceOf(WriteModeRefusedError);
    expect(err).toBeInstanceOf(ScsiCommandError);
    expect(err.message).toBe(
      '/dev/sr0: cdrskin: RESERVE TRACK (53h) refused: sense 5/20/00 Illegal request, invalid command operation code (SAO write mode; nothing was written)',
    );
    expect(err).toMatchObject({
      code: 'WRITE_MODE_REFUSED',
      mode: 'sao',
      retryable: true,
      driveFault: false,
      needsOperator: false,
      device,
      scsi: { opcode: 0x53, command: 'RESERVE TRACK', senseKey: 5, asc: 0x20, ascq: 0 },
    });
    expect(err.tool).toMatchObject({ tool: 'cdrskin', exitCode: 10 });
    expect(err.tool?.output).toMatch(/Cannot reserve track of 4194304 bytes/);
    expect(err.toJSON()).toMatchObject({ code: 'WRITE_MODE_REFUSED', mode: 'sao', scsi: { opcode: 0x53 } });
  });

  it('is the same when the streams arrive merged', () => {
    const err = classifyBurnFailure(loadSample('tgt-cdrskin-burn-sao-refused.txt'), { device });
    expect(err).toBeInstanceOf(WriteModeRefusedError);
  });

  it('takes the mode from the context over the output', () => {
    const err = classifyBurnFailure(refused(), { device, writeMode: 'tao' });
    expect(err).toMatchObject({ mode: 'tao' });
    expect(err.message).toMatch(/\(TAO write mode; nothing was written\)$/);
  });
});

describe('no byte written: judged from the output', () => {
  it('the refused SAO burn wrote nothing; the TAO burn and a mid-burn EIO did', () => {
    expect(noByteWritten(text(refused()))).toBe(true);
    expect(writeModeRefusal(text(refused()))).toMatchObject({ opcode: 0x53, senseKey: 5 });
    const tao = loadStreams('tgt-cdrskin-burn-tao-dvdplusr.txt');
    expect(noByteWritten(text(tao))).toBe(false);
    expect(writeModeRefusal(text(tao))).toBeNull();
    const eio = loadSample('cdrskin-burn-sao-nbdfuse-eio-midburn.txt');
    expect(noByteWritten(eio.stdout)).toBe(false);
  });

  it('a refusal after a progress line with data is not a write-mode refusal (derived: one progress line added)', () => {
    const run = refused();
    const written: ToolRun = {
      ...run,
      stdout: run.stdout.replace('Starting new track at sector: 0\n', 'Starting new track at sector: 0\n\rTrack 01:    1 of    4 MB written (fifo 100%) [buf  50%]   0.9x.\n'),
    };
    expect(noByteWritten(text(written))).toBe(false);
    expect(writeModeRefusal(text(written))).toBeNull();
    const err = classifyBurnFailure(written, { device });
    expect(err).not.toBeInstanceOf(WriteModeRefusedError);
    expect(err).toBeInstanceOf(ScsiCommandError);
    expect(err.driveFault).toBe(true);
  });

  it('a refused command that sets up no write mode is a ScsiCommandError (derived: READ DISC STRUCTURE instead of RESERVE TRACK)', () => {
    const run = refused();
    const other: ToolRun = { ...run, stderr: run.stderr.replace('53h RESERVE TRACK', 'ADh READ DISC STRUCTURE') };
    expect(writeModeRefusal(text(other))).toBeNull();
    const err = classifyBurnFailure(other, { device });
    expect(err).not.toBeInstanceOf(WriteModeRefusedError);
    expect(err).toMatchObject({ code: 'SCSI_COMMAND_FAILED', retryable: true, driveFault: true, needsOperator: false });
    expect(err.message).toBe('/dev/sr0: cdrskin: READ DISC STRUCTURE (ADh) refused: sense 5/20/00 Illegal request, invalid command operation code');
  });
});

describe('other failures keep their classes', () => {
  it('a burn on the burned (closed) disc is WrongMediaError', () => {
    const err = classifyBurnFailure(loadStreams('tgt-cdrskin-burn-on-burned-disc.txt'), { device });
    expect(err).toBeInstanceOf(WrongMediaError);
    expect(err.message).toBe('/dev/sr0: the disc is closed (DVD-ROM); insert a blank disc');
  });

  it('a medium error while writing stays a WriteError (wodim, README §5.1)', () => {
    expect(classifyBurnFailure(loadSample('readme/wodim-medium-write-error.txt'), { device })).toBeInstanceOf(WriteError);
  });

  it('without sense data the generic error names the cause from stderr, not "burning failed" (derived: SCSI lines removed)', () => {
    const run = refused();
    const bare: ToolRun = { ...run, stderr: run.stderr.split('\n').filter((l) => !/SCSI error|CDB=/.test(l)).join('\n') };
    const err = classifyBurnFailure(bare, { device });
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe('/dev/sr0: cdrskin failed (exit 10): cdrskin: FATAL : Cannot reserve track of 4194304 bytes');
  });
});

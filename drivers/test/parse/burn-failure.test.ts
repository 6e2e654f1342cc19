import { describe, expect, it } from 'vitest';
import {
  BufferUnderrunError,
  DriveBusyError,
  DriveGoneError,
  ImageError,
  MediaTooSmallError,
  NoMediaError,
  ToolError,
  ToolKilledError,
  UnitAttentionError,
  WriteError,
  WriteProtectedError,
  WrongMediaError,
} from '../../src/errors.js';
import type { DriveError } from '../../src/errors.js';
import { classifyBurnFailure } from '../../src/parse/burn-failure.js';
import type { ToolRun } from '../../src/tool-process.js';
import { loadSample, loadStreams } from '../support/load-sample.js';

const device = '/dev/sr0';

function classify(name: string, options: { stream?: 'stdout' | 'stderr' } = {}): DriveError {
  const run = loadSample(name, options);
  const err = classifyBurnFailure(run, { device, imageSectors: 9398 });
  expect(err.device).toBe(device);
  expect(err.tool?.tool).toBe(run.program);
  expect(err.tool?.exitCode).toBe(run.exitCode);
  expect(err.tool?.output.length).toBeGreaterThan(0);
  expect(err.message).not.toMatch(/\n/);
  return err;
}

describe('classifyBurnFailure on captured failures', () => {
  it.each([
    ['cdrskin-burn-diskfull-tmpfs.txt', 9398, 5120],
    ['cdrskin-burn-toolarge-loopdev.txt', 9398, 4096],
  ])('%s: predicted size does not fit -> MediaTooSmallError', (name, needed, available) => {
    const err = classify(name);
    expect(err).toBeInstanceOf(MediaTooSmallError);
    expect((err as MediaTooSmallError).neededSectors).toBe(needed);
    expect((err as MediaTooSmallError).availableSectors).toBe(available);
    expect(err.message).toBe(`${device}: image needs ${needed} sectors but the media holds only ${available}`);
  });

  it.each([
    ['cdrskin-burn-diskfull-tmpfs-force.txt', 10485760],
    ['cdrskin-burn-toolarge-loopdev-force.txt', undefined],
    ['cdrskin-burn-nbdkit-full-plugin.txt', 0],
  ])('%s: ENOSPC mid-write -> WriteError (no space)', (name, bytes) => {
    const err = classify(name);
    expect(err).toBeInstanceOf(WriteError);
    expect(err).not.toBeInstanceOf(BufferUnderrunError);
    expect(err.message).toMatch(/no space left/);
    if (bytes !== undefined) expect((err as WriteError).bytesWritten).toBe(bytes);
  });

  it('EIO mid-burn -> WriteError with the bytes written', () => {
    const err = classify('cdrskin-burn-sao-nbdfuse-eio-midburn.txt');
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).bytesWritten).toBe(3112960);
    expect(err.message).toBe(`${device}: write error after 3.0 MiB; the disc is unusable`);
  });

  it.each(['cdrskin-burn-readonly-target.txt', 'cdrskin-burn-readonly-newfile.txt'])('%s -> WriteProtectedError', (name) => {
    expect(classify(name)).toBeInstanceOf(WriteProtectedError);
  });

  it('missing source image -> ImageError naming it', () => {
    const err = classify('cdrskin-burn-missing-source.txt');
    expect(err).toBeInstanceOf(ImageError);
    expect(err.message).toBe(`${device}: cannot open image /tmp/exp/nonexistent.iso: No such file or directory`);
  });

  it('missing target directory -> DriveGoneError', () => {
    expect(classify('cdrskin-burn-missing-targetdir.txt')).toBeInstanceOf(DriveGoneError);
  });

  it('root without the permission file -> ToolError telling what to create', () => {
    const err = classify('cdrskin-burn-stdio-root-without-permfile.txt');
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toContain('create /root/cdrskin_permissions/allow_emulated_drives');
    expect(err.message).toContain('$HOME/cdrskin_permissions/allow_emulated_drives');
  });

  it('stdio target without --allow_emulated_drives -> ToolError', () => {
    expect(classify('cdrskin-burn-no-allow-emulated.txt')).toBeInstanceOf(ToolError);
  });

  it.each(['qemu-busy-cdrskin-burn.txt', 'qemu-busy-cdrskin-minfo.txt', 'qemu-busy-wodim-atip.txt'])('%s -> DriveBusyError', (name) => {
    expect(classify(name)).toBeInstanceOf(DriveBusyError);
  });

  it.each(['qemu-nodisc-cdrskin-burn.txt', 'qemu-nodisc-wodim-burn-cdrsimul.txt', 'qemu-nodisc-cdrskin-minfo.txt'])('%s -> NoMediaError', (name) => {
    const err = classify(name);
    expect(err).toBeInstanceOf(NoMediaError);
    expect(err.message).toBe(`${device}: no disc in the drive`);
  });

  it('closed CD-ROM -> WrongMediaError naming it', () => {
    const err = classify('qemu-cdrskin-burn-on-rom.txt');
    expect(err).toBeInstanceOf(WrongMediaError);
    expect(err.message).toBe(`${device}: the disc is closed (CD-ROM); insert a blank disc`);
  });

  it.each([
    ['qemu-cdrskin-blank-on-rom.txt', /not erasable/],
    ['cdrskin-burn-cuefile-audio-stdio.txt', /audio tracks can only be written to CD/],
    ['cdrskin-burn-cuefile-mode1-2352-stdio.txt', /MODE1\/2352/],
  ])('%s -> WrongMediaError', (name, message) => {
    const err = classify(name);
    expect(err).toBeInstanceOf(WrongMediaError);
    expect(err.message).toMatch(message);
  });

  it('cdrdao on a written disc with stdin closed -> WrongMediaError', () => {
    const err = classify('qemu-cdrdao-write-written-stdin-devnull.txt');
    expect(err.tool?.tool).toBe('cdrdao');
    expect(err).toBeInstanceOf(WrongMediaError);
  });

  it('cdrdao without a device node -> DriveGoneError', () => {
    expect(classify('cdrdao-write-nodevice.txt')).toBeInstanceOf(DriveGoneError);
  });

  it('wodim on a ROM drive -> ToolError (not a recorder)', () => {
    const err = classify('qemu-wodim-burn-on-rom.txt');
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toMatch(/not a recorder/);
  });

  it('anything else -> ToolError with the last message', () => {
    const err = classify('wodim-burn-file-target.txt');
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(`${device}: wodim failed (exit 255): Cannot open SCSI driver!`);
    const garbage = classify('cdrdao-write-simulate-file.txt');
    expect(garbage).toBeInstanceOf(ToolError);
  });
});

describe('classifyBurnFailure on real-hardware texts quoted in the README', () => {
  it('wodim medium error -> WriteError with the bytes from "error after"', () => {
    const err = classify('readme/wodim-medium-write-error.txt');
    expect(err).toBeInstanceOf(WriteError);
    expect(err).not.toBeInstanceOf(BufferUnderrunError);
    expect((err as WriteError).bytesWritten).toBe(1460592);
  });

  it('wodim "looks like a buffer underrun" -> BufferUnderrunError', () => {
    const err = classify('readme/wodim-buffer-underrun-brasero.txt');
    expect(err).toBeInstanceOf(BufferUnderrunError);
    expect((err as WriteError).bytesWritten).toBe(1079296);
    expect(err.code).toBe('BUFFER_UNDERRUN');
  });

  it('wodim cannot fixate -> WriteError', () => {
    const err = classify('readme/wodim-fixate-failure.txt');
    expect(err).toBeInstanceOf(WriteError);
    expect(err.message).toMatch(/closing the disc failed/);
  });

  it('cdrdao write data failed -> WriteError; buffer under run -> BufferUnderrunError', () => {
    expect(classify('readme/cdrdao-write-data-failed.txt')).toBeInstanceOf(WriteError);
    expect(classify('readme/cdrdao-buffer-underrun.txt')).toBeInstanceOf(BufferUnderrunError);
  });

  it('wodim "Data may not fit" (message from wodim source) -> MediaTooSmallError', () => {
    const run: ToolRun = {
      program: 'wodim',
      exitCode: 255,
      signal: null,
      stdout: 'Total size:      792 MB (78:30.24) = 353268 sectors\nBlocks total: 359846 Blocks current: 333000 Blocks remaining: -20268\n',
      stderr: 'wodim: WARNING: Data may not fit on current disk.\n',
      durationMs: 1,
    };
    const err = classifyBurnFailure(run, { device });
    expect(err).toBeInstanceOf(MediaTooSmallError);
    expect((err as MediaTooSmallError).neededSectors).toBe(353268);
    expect((err as MediaTooSmallError).availableSectors).toBe(333000);
  });

  it('a tool killed by a signal (not by a cancel of ours) -> ToolKilledError saying so', () => {
    const run: ToolRun = { program: 'cdrskin', exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '', durationMs: 1 };
    const err = classifyBurnFailure(run, { device });
    expect(err).toBeInstanceOf(ToolKilledError);
    expect(err.code).toBe('TOOL_KILLED');
    expect(err.message).toBe(`${device}: cdrskin was killed by SIGKILL, before it printed anything; a disc it was writing is unusable`);
  });
});

/**
 * The faults of the rig (test/rig/faults.rig.test.ts), as cdrskin met them on
 * tgt's emulated DVD+R recorders in the QEMU guest: each names the drive's
 * own words (the command and its sense) or the tool's fate, never a bare
 * tool failure.
 */
describe('classifyBurnFailure on recorders failing mid-burn (tgt rig captures)', () => {
  function fault(name: string, dev: string): DriveError {
    const run = loadStreams(name);
    const err = classifyBurnFailure(run, { device: dev, writeMode: 'tao' });
    expect(err).not.toBeInstanceOf(ToolError);
    expect(err.device).toBe(dev);
    expect(err.tool?.tool).toBe('cdrskin');
    expect(err.message).not.toMatch(/\n/);
    return err;
  }

  it('the disc taken out mid-write (2/3A/00 on WRITE) -> NoMediaError with the sense', () => {
    const err = fault('tgt-cdrskin-burn-disc-pulled.txt', '/dev/sr0');
    expect(err).toBeInstanceOf(NoMediaError);
    expect(err.message).toBe('/dev/sr0: the disc left the drive during the burn after 64 KiB: cdrskin: WRITE(10) (2Ah) failed: sense 2/3A/00 Drive not ready, medium not present');
  });

  it('the backing store full (3/11/00 on WRITE) -> WriteError with the sense and the bytes written', () => {
    const err = fault('tgt-cdrskin-burn-backing-full.txt', '/dev/sr1');
    expect(err).toBeInstanceOf(WriteError);
    expect(err.code).toBe('WRITE_ERROR');
    expect(err.driveFault).toBe(true);
    expect((err as WriteError).bytesWritten).toBe(2097152);
    expect(err.message).toBe('/dev/sr1: write error after 2.0 MiB: cdrskin: WRITE(10) (2Ah) failed: sense 3/11/00 Medium error, unrecovered read error; the disc is unusable');
  });

  it('cdrskin killed in the guest -> ToolKilledError with its last words', () => {
    const err = fault('tgt-cdrskin-burn-killed.txt', '/dev/sr2');
    expect(err).toBeInstanceOf(ToolKilledError);
    expect(err.tool?.signal).toBe('SIGKILL');
    expect(err.tool?.exitCode).toBeNull();
    expect(err.driveFault).toBe(false);
    expect(err.message).toBe('/dev/sr2: cdrskin was killed by SIGKILL, after it printed "Starting new track at sector: 0"; a disc it was writing is unusable');
  });

  it('another LUN of the target deleted (6/3F/0E) -> UnitAttentionError, not the drive\'s fault', () => {
    const write = fault('tgt-cdrskin-burn-other-lun-deleted.txt', '/dev/sr0');
    expect(write).toBeInstanceOf(UnitAttentionError);
    expect(write.code).toBe('UNIT_ATTENTION');
    expect(write.driveFault).toBe(false);
    expect(write.retryable).toBe(true);
    expect(write.message).toBe('/dev/sr0: the drive interrupted the burn with UNIT ATTENTION after 32 KiB: cdrskin: WRITE(10) (2Ah) failed: sense 6/3F/0E Drive event, reported LUNs data has changed; the disc is unusable');
    const closing = fault('tgt-cdrskin-burn-other-lun-deleted-fixating.txt', '/dev/sr0');
    expect(closing).toBeInstanceOf(UnitAttentionError);
    expect((closing as UnitAttentionError).scsi).toMatchObject({ opcode: 0x35, senseKey: 6, asc: 0x3f, ascq: 0x0e });
    expect(closing.message).toBe('/dev/sr0: the drive interrupted the burn with UNIT ATTENTION after 4.4 MiB: cdrskin: SYNCHRONIZE CACHE (35h) failed: sense 6/3F/0E Drive event, reported LUNs data has changed; the disc is unusable');
  });

  it('another LUN deleted while the disc was loading (6/3F/0E after START UNIT) -> UnitAttentionError, nothing written', () => {
    const err = fault('tgt-cdrskin-burn-other-lun-deleted-start-unit.txt', '/dev/sr2');
    expect(err).toBeInstanceOf(UnitAttentionError);
    expect((err as UnitAttentionError).scsi).toMatchObject({ opcode: 0x1b, senseKey: 6, asc: 0x3f, ascq: 0x0e });
    expect(err.driveFault).toBe(false);
    expect(err.message).toBe('/dev/sr2: the drive interrupted the burn with UNIT ATTENTION: cdrskin: START UNIT (+ LOAD) (1Bh) failed: sense 6/3F/0E Drive event, reported LUNs data has changed; nothing was written');
  });

  it('the LUN deleted (5/25/00 on WRITE) -> DriveGoneError with the sense', () => {
    const err = fault('tgt-cdrskin-burn-lun-deleted.txt', '/dev/sr3');
    expect(err).toBeInstanceOf(DriveGoneError);
    expect(err.message).toBe('/dev/sr3: the drive is gone from the bus after 32 KiB: cdrskin: WRITE(10) (2Ah) refused: sense 5/25/00 Illegal request, logical unit not supported');
  });
});

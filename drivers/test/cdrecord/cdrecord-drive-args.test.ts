/**
 * CdrecordDrive with a recording spawner: argument arrays, working
 * directories, refusals before spawning, progress and results from recorded
 * output. No tool runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import type { BurnImage, BurnProgress } from '../../src/drive-contract.js';
import {
  DriveBusyError,
  ImageError,
  InvalidDeviceError,
  MediaTooSmallError,
  NoMediaError,
  WrongMediaError,
} from '../../src/errors.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeCall, FakeReply } from '../support/fake-spawner.js';
import { loadSpawnChunks, parseSample, readFixture } from '../support/load-sample.js';
import { makeTempDir } from '../support/test-images.js';

const sample = (name: string): string => parseSample(readFixture(name)).output;

const BLANK_CDR_MINFO = [
  'cdrskin: status 1 burn_disc_blank "The drive holds a blank disc"',
  "Vendor_info    : 'PLEXTOR'",
  "Identifikation : 'DVDR   PX-716A'",
  "Revision       : '1.11'",
  'Mounted media class:      CD',
  'Mounted media type:       CD-R',
  'Disk Is not erasable',
  'disk status:              empty',
  'Track  Sess Type   Start Addr End Addr   Size',
  '    1     1 Blank  0          359845     359846    ',
  'Next writable address:              0         ',
  'Remaining writable size:            359846    ',
  '',
].join('\n');

let work: ReturnType<typeof makeTempDir>;
let iso: BurnImage;
let cue2048: BurnImage;
let cueAudio: BurnImage;

function file(name: string, bytes: number): string {
  const p = path.join(work.dir, name);
  writeFileSync(p, Buffer.alloc(bytes, 1));
  return p;
}

beforeAll(() => {
  work = makeTempDir('cdrecord-args-');
  iso = { format: 'iso', path: file('image.iso', 3 * 1024 * 1024), sizeBytes: 3 * 1024 * 1024, sectors: 1536 };
  file('data.bin', 2048 * 100);
  writeFileSync(path.join(work.dir, 'data.cue'), 'FILE "data.bin" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n');
  cue2048 = { format: 'cue', path: path.join(work.dir, 'data.cue'), sizeBytes: 204800, sectors: 100 };
  file('audio.bin', 2352 * 100);
  writeFileSync(path.join(work.dir, 'audio.cue'), 'FILE "audio.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
  cueAudio = { format: 'cue', path: path.join(work.dir, 'audio.cue'), sizeBytes: 235200, sectors: 100 };
});
afterAll(() => work.cleanup());

/** Real drive whose -minfo says `minfo`, burner answering with `burn`. */
function opticalDrive(minfo: string, burn: (call: FakeCall) => FakeReply = () => ({ stdout: sample('cdrskin-burn-sao-stdio.txt') }), burner: 'cdrskin' | 'wodim' = 'cdrskin') {
  const fake = fakeSpawner((call) => (call.args.includes('-minfo') ? { stdout: minfo, exitCode: /BURN_DISC_EMPTY/.test(minfo) ? 7 : 0 } : burn(call)));
  const drive = new CdrecordDrive({ address: '/dev/sr0', burner, spawner: fake.spawner, env: { PATH: '/usr/bin:/bin', HOME: work.dir } });
  return { drive, calls: fake.calls };
}

describe('addresses', () => {
  it('knows stdio and optical addresses and rejects the rest', () => {
    expect(new CdrecordDrive({ address: 'stdio:/tmp/x.img' }).kind).toBe('stdio');
    expect(new CdrecordDrive({ address: 'stdio:rel/x.img' }).target).toBe(path.resolve('rel/x.img'));
    expect(new CdrecordDrive({ address: '/dev/sr1' }).kind).toBe('optical');
    for (const bad of ['sim:1', 'sr0', '', 'stdio:']) {
      expect(() => new CdrecordDrive({ address: bad })).toThrow(InvalidDeviceError);
    }
  });
});

describe('stdio burns', () => {
  it('runs cdrskin with the emulated-drive option, the options asked for and the caller env', async () => {
    const { spawner, calls } = fakeSpawner(() => ({ stdout: sample('cdrskin-burn-sao-stdio.txt') }));
    const env = { PATH: '/usr/bin', HOME: '/somewhere' };
    const target = path.join(work.dir, 'args.img');
    const drive = new CdrecordDrive({ address: `stdio:${target}`, spawner, env });
    const result = await drive.burn(iso, { speed: 4, dummy: true, eject: true, mode: 'tao' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.program).toBe('cdrskin');
    expect(calls[0]!.args).toEqual(['-v', '--allow_emulated_drives', `dev=stdio:${target}`, '-tao', 'speed=4', '-dummy', '-eject', iso.path]);
    expect(calls[0]!.request.env).toBe(env);
    expect(result).toMatchObject({ bytesWritten: 19247104, minBufferPercent: 50, dummy: true });
    expect(result.averageSpeedX).toBeCloseTo(19247104 / 0.061 / 1385000, 0);
  });

  it('defaults to SAO at full speed', async () => {
    const { spawner, calls } = fakeSpawner(() => ({ stdout: sample('cdrskin-burn-sao-stdio.txt') }));
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'default.img')}`, spawner });
    await drive.burn(iso, {});
    expect(calls[0]!.args).toEqual(['-v', '--allow_emulated_drives', `dev=stdio:${path.join(work.dir, 'default.img')}`, '-sao', iso.path]);
  });

  it('reports progress from the chunks cdrskin sends (DVD units on stdio)', async () => {
    const { chunks } = loadSpawnChunks('node-spawn-cdrskin-burn-nbdfuse-rate40Mbit.txt');
    const { spawner } = fakeSpawner(() => ({
      stdout: chunks.filter((c) => c.stream === 'stdout').map((c) => c.text),
      stderr: chunks.filter((c) => c.stream === 'stderr').map((c) => c.text),
    }));
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'progress.img')}`, spawner });
    const image: BurnImage = { ...iso, sizeBytes: 19247104, sectors: 9398 };
    const events: BurnProgress[] = [];
    await drive.burn({ ...image, path: iso.path }, { onProgress: (p) => events.push(p) });
    expect(events[0]).toMatchObject({ phase: 'preparing', bytesWritten: 0, bytesTotal: 19247104 });
    // cdrskin on stdio prints no "Starting new track": writing begins with the first data written, never at 0 bytes.
    const writing = events.filter((p) => p.phase === 'writing');
    expect(events.filter((p) => p.phase === 'preparing').every((p) => p.bytesWritten === 0 && p.speedX === 0)).toBe(true);
    expect(writing.length).toBeGreaterThan(1);
    for (const p of writing) {
      expect(p).toMatchObject({ fifoPercent: 100, bufferPercent: 50, track: 1 });
      expect(p.bytesWritten).toBeGreaterThanOrEqual(2 * 1048576);
      expect(p.speedMBps).toBeCloseTo((p.speedX * 1385000) / 1e6, 1);
    }
    expect(writing[writing.length - 1]).toMatchObject({ bytesWritten: 19247104 });
    for (let i = 1; i < writing.length; i++) expect(writing[i]!.bytesWritten).toBeGreaterThanOrEqual(writing[i - 1]!.bytesWritten);
  });

  it('burns a MODE1/2048 CUE with cuefile= from the CUE folder', async () => {
    const { spawner, calls } = fakeSpawner(() => ({ stdout: sample('cdrskin-burn-cuefile-mode1-2048-stdio.txt') }));
    const target = path.join(work.dir, 'cue.img');
    await new CdrecordDrive({ address: `stdio:${target}`, spawner }).burn(cue2048, { mode: 'tao' });
    expect(calls[0]!.args).toEqual(['-v', '--allow_emulated_drives', `dev=stdio:${target}`, '-sao', `cuefile=${cue2048.path}`]);
    expect(calls[0]!.request.cwd).toBe(work.dir);
  });

  it('refuses audio CUE images on stdio before spawning', async () => {
    const { spawner, calls } = fakeSpawner(() => ({}));
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'audio.img')}`, spawner });
    await expect(drive.burn(cueAudio, {})).rejects.toBeInstanceOf(WrongMediaError);
    expect(calls).toHaveLength(0);
  });

  it('refuses a missing image before spawning', async () => {
    const { spawner, calls } = fakeSpawner(() => ({}));
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'x.img')}`, spawner });
    await expect(drive.burn({ ...iso, path: path.join(work.dir, 'missing.iso') }, {})).rejects.toBeInstanceOf(ImageError);
    expect(calls).toHaveLength(0);
  });

  it('turns a failed run into its typed error', async () => {
    const { spawner } = fakeSpawner(() => ({ stdout: sample('cdrskin-burn-sao-nbdfuse-eio-midburn.txt'), exitCode: 10 }));
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'eio.img')}`, spawner });
    const err = await drive.burn(iso, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WRITE_ERROR', bytesWritten: 3112960, device: drive.address });
  });

  it('blanks through cdrskin and has no tray', async () => {
    const { spawner, calls } = fakeSpawner(() => ({ stdout: sample('cdrskin-blank-fast-stdio.txt') }));
    const target = path.join(work.dir, 'blank.img');
    const drive = new CdrecordDrive({ address: `stdio:${target}`, spawner });
    await drive.blank('fast');
    await drive.eject();
    await drive.load();
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([['cdrskin', '-v', '--allow_emulated_drives', `dev=stdio:${target}`, 'blank=fast']]);
  });
});

describe('real drives', () => {
  it('burns an ISO with cdrskin after checking the disc', async () => {
    const { drive, calls } = opticalDrive(BLANK_CDR_MINFO);
    const progress: BurnProgress[] = [];
    await drive.burn(iso, { speed: 8, onProgress: (p) => progress.push(p) });
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([
      ['cdrskin', '--no_load', 'dev=/dev/sr0', '-minfo'],
      ['cdrskin', '-v', 'dev=/dev/sr0', '-sao', 'speed=8', iso.path],
    ]);
    // CD media: the x figure is in CD units.
    const writing = progress.find((p) => p.phase === 'writing' && p.bytesWritten > 0);
    expect(writing?.speedMBps).toBeCloseTo((298.9 * 153600) / 1e6, 1);
  });

  it('gives wodim a short grace time and -dao', async () => {
    const { drive, calls } = opticalDrive(BLANK_CDR_MINFO, () => ({ stdout: sample('qemu-wodim-burn-cdrsimul-sao.txt') }), 'wodim');
    const result = await drive.burn(iso, { dummy: true });
    const burn = calls.find((c) => c.program === 'wodim');
    expect(burn?.args).toEqual(['-v', 'dev=/dev/sr0', 'gracetime=2', '-dao', '-dummy', iso.path]);
    expect(result).toMatchObject({ bytesWritten: 19247104, averageSpeedX: 39.9, dummy: true });
  });

  it('burns a CUE with cdrdao from the CUE folder', async () => {
    file('data.bin', 2048 * 100);
    const { drive, calls } = opticalDrive(BLANK_CDR_MINFO, () => ({ stderr: sample('readme/cdrdao-write-real.txt') }));
    await drive.burn(cue2048, { speed: 8, dummy: true, eject: true });
    const cdrdao = calls.find((c) => c.program === 'cdrdao');
    expect(cdrdao?.args).toEqual(['write', '--device', '/dev/sr0', '-n', '--speed', '8', '--simulate', '--eject', cue2048.path]);
    expect(cdrdao?.request.cwd).toBe(work.dir);
  });

  it('refuses without a disc, with a closed disc, and when the image is too big', async () => {
    const none = opticalDrive(sample('qemu-nodisc-cdrskin-minfo.txt'));
    await expect(none.drive.burn(iso, {})).rejects.toBeInstanceOf(NoMediaError);
    expect(none.calls).toHaveLength(1);
    const rom = opticalDrive(sample('qemu-cdrskin-minfo.txt'));
    await expect(rom.drive.burn(iso, {})).rejects.toBeInstanceOf(WrongMediaError);
    const small = opticalDrive(BLANK_CDR_MINFO.replace(/359846/g, '1000').replace('359845', '999'));
    const err = await small.drive.burn(iso, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaTooSmallError);
    expect(err).toMatchObject({ neededSectors: 1536, availableSectors: 1000 });
    expect(small.calls).toHaveLength(1);
  });

  it('reports media from -minfo, busy drives as DriveBusyError', async () => {
    expect(await opticalDrive(BLANK_CDR_MINFO).drive.media()).toEqual({
      status: 'blank',
      type: 'CD-R',
      rewritable: false,
      capacitySectors: 359846,
      usedSectors: 0,
      freeSectors: 359846,
    });
    expect((await opticalDrive(sample('qemu-nodisc-cdrskin-minfo.txt')).drive.media()).status).toBe('none');
    const { spawner } = fakeSpawner(() => ({ stdout: sample('qemu-busy-cdrskin-minfo.txt'), exitCode: 3 }));
    const busy = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner });
    await expect(busy.media()).rejects.toBeInstanceOf(DriveBusyError);
  });

  it('without a profile list: identity from -checkdrive, capabilities from wodim -prcap', async () => {
    const { spawner, calls } = fakeSpawner((call) =>
      call.args.includes('-prcap') ? { stdout: sample('readme/wodim-prcap-writer.txt') } : { stdout: sample('qemu-cdrskin-checkdrive.txt') },
    );
    const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner, env: { PATH: '/usr/bin:/bin' } });
    const info = await drive.info();
    // The QEMU drive's outputs list no profiles, so both profile queries come back empty.
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([
      ['xorriso', '-outdev', '/dev/sr0', '-list_profiles', 'out'],
      ['cdrskin', '-v', 'dev=/dev/sr0', '-atip'],
      ['cdrskin', 'dev=/dev/sr0', '-checkdrive'],
      ['wodim', 'dev=/dev/sr0', '-prcap'],
    ]);
    expect(info).toMatchObject({
      address: '/dev/sr0',
      kind: 'optical',
      stableId: '/dev/sr0',
      vendor: 'QEMU',
      model: 'QEMU DVD-ROM',
      firmware: '2.5+',
      canTestWrite: true,
      maxWriteSpeedX: 62,
      capabilitiesFrom: 'mode-page',
      writeMode: { preferred: 'sao', refused: [] },
    });
    expect(info.writes).toContain('CD-R');
  });

  it('ejects and loads with the eject program when it is on PATH, else with the burner', async () => {
    const bin = path.join(work.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'eject'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const withEject = fakeSpawner(() => ({}));
    const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner: withEject.spawner, env: { PATH: bin } });
    await drive.eject();
    await drive.load();
    expect(withEject.calls.map((c) => [c.program, ...c.args])).toEqual([
      ['eject', '/dev/sr0'],
      ['eject', '-t', '/dev/sr0'],
    ]);
    const without = fakeSpawner(() => ({}));
    const plain = new CdrecordDrive({ address: '/dev/sr0', burner: 'wodim', spawner: without.spawner, env: { PATH: path.join(work.dir, 'empty') } });
    await plain.eject();
    await plain.load();
    expect(without.calls.map((c) => [c.program, ...c.args])).toEqual([
      ['wodim', 'dev=/dev/sr0', '-eject'],
      ['wodim', 'dev=/dev/sr0', '-load'],
    ]);
  });

  it('eject failures become typed errors', async () => {
    const { spawner } = fakeSpawner(() => ({ stderr: 'eject: cannot open /dev/sr0: Device or resource busy\n', exitCode: 1 }));
    const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner, env: { PATH: path.join(work.dir, 'bin') } });
    await expect(drive.eject()).rejects.toBeInstanceOf(DriveBusyError);
  });

  it('blank on write-once media -> WrongMediaError', async () => {
    const { spawner, calls } = fakeSpawner(() => ({ stdout: sample('qemu-cdrskin-blank-on-rom.txt'), exitCode: 8 }));
    const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner });
    await expect(drive.blank('all')).rejects.toBeInstanceOf(WrongMediaError);
    expect(calls[0]!.args).toEqual(['-v', 'dev=/dev/sr0', 'blank=all']);
  });

  it('refuses a second operation on the same drive within the process', async () => {
    const { drive } = opticalDrive(BLANK_CDR_MINFO);
    const first = drive.burn(iso, {});
    await expect(drive.blank('fast')).rejects.toBeInstanceOf(DriveBusyError);
    await first;
  });
});

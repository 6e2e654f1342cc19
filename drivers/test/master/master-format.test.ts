/**
 * The table of contents the backends report (`MediaStatus.tracks`), the
 * choice of master format, the track masterDataDisc reads, and the damage map.
 */
import { describe, expect, it } from 'vitest';
import { discTracksFromWodimToc, queryRealMedia } from '../../src/cdrecord/real-media.js';
import type { DiscTrack, MediaStatus } from '../../src/drive-contract.js';
import { NoMediaError, WrongMediaError } from '../../src/errors.js';
import { chooseMasterFormat, DamageMap, DamagedMasterError, dataTrackToMaster, InsufficientSpaceError } from '../../src/master/index.js';
import { createDisc, mediaStatusOf } from '../../src/sim/sim-disc.js';
import { runTool } from '../../src/tool-process.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import { loadSample, parseSample, readFixture } from '../support/load-sample.js';

const complete = (tracks?: DiscTrack[], usedSectors = 9398): MediaStatus => ({
  status: 'complete',
  type: 'CD-ROM',
  rewritable: false,
  capacitySectors: usedSectors,
  usedSectors,
  freeSectors: 0,
  ...(tracks === undefined ? {} : { tracks }),
});
const data = (number: number, startSector: number, sectors: number, session = 1): DiscTrack => ({ number, session, kind: 'data', startSector, sectors });
const audio = (number: number, startSector: number, sectors: number): DiscTrack => ({ number, session: 1, kind: 'audio', startSector, sectors });

async function mediaFromSample(sample: string): Promise<MediaStatus> {
  const run = loadSample(sample);
  const { spawner } = fakeSpawner(() => ({ stdout: run.stdout, exitCode: run.exitCode ?? 0 }));
  return queryRealMedia('cdrskin', '/dev/sr0', (command) => runTool({ ...command, spawner }));
}

describe('table of contents from the backends', () => {
  it('real drive, cdrskin -minfo: the track table (CD-ROM and DVD-ROM recorded in QEMU)', async () => {
    expect((await mediaFromSample('qemu-cdrskin-minfo.txt')).tracks).toEqual([data(1, 0, 9398)]);
    expect((await mediaFromSample('qemu-dvd-cdrskin-minfo.txt')).tracks).toEqual([data(1, 0, 379062)]);
  });

  it('real drive, no disc: no tracks', async () => {
    const media = await mediaFromSample('qemu-nodisc-cdrskin-minfo.txt');
    expect(media.status).toBe('none');
    expect(media.tracks).toBeUndefined();
  });

  it('real drive, cdrskin -minfo of an appendable mixed disc: audio/data, blank rows left out', async () => {
    const text = [
      '$ cdrskin dev=/dev/sr0 -minfo',
      'Mounted media type:       CD-R',
      'disk status:              incomplete/appendable',
      'Track  Sess Type   Start Addr End Addr   Size',
      '    1     1 Audio  0          17999      18000     ',
      '    2     2 Data   29400      38797      9398      ',
      '    3     3 Blank  49950      359845     309896    ',
      'Next writable address:              49950     ',
      'Remaining writable size:            309896    ',
      '[exit code: 0]',
    ].join('\n');
    const { spawner } = fakeSpawner(() => ({ stdout: parseSample(text).output, exitCode: 0 }));
    const media = await queryRealMedia('cdrskin', '/dev/sr0', (command) => runTool({ ...command, spawner }));
    expect(media.tracks).toEqual([audio(1, 0, 18000), { ...data(2, 29400, 9398), session: 2 }]);
    expect(chooseMasterFormat(media)).toBe('bin-cue');
    expect(dataTrackToMaster(media, '/dev/sr0')).toEqual({ ...data(2, 29400, 9398), session: 2 });
  });

  it('real drive, wodim -toc: tracks up to the next track or the lead-out', () => {
    expect(discTracksFromWodimToc(parseSample(readFixture('qemu-wodim-toc.txt')).output)).toEqual([data(1, 0, 9398)]);
    const mixed = [
      'track:   1 lba:         0 (        0) 00:02:00 adr: 1 control: 0 mode: -1',
      'track:   2 lba:     18000 (    72000) 04:02:00 adr: 1 control: 4 mode: 1',
      'track:lout lba:     27398 (   109592) 06:07:23 adr: 1 control: 4 mode: -1',
    ].join('\n');
    expect(discTracksFromWodimToc(mixed)).toEqual([audio(1, 0, 18000), data(2, 18000, 9398)]);
  });

  it('simulated disc: one data track of the recorded length once written, none when blank', () => {
    expect(mediaStatusOf(createDisc('DVD+R'), false).tracks).toBeUndefined();
    const written = createDisc({ type: 'DVD+R', status: 'complete', content: { format: 'iso', path: '/x.iso', recordedBytes: 10 * 2048 + 5 } });
    expect(mediaStatusOf(written, false).tracks).toEqual([data(1, 0, 11)]);
  });
});

describe('chooseMasterFormat', () => {
  it('ISO for one data track (or no table of contents), BIN/CUE for audio or several tracks', () => {
    expect(chooseMasterFormat(complete([data(1, 0, 9398)]))).toBe('iso');
    expect(chooseMasterFormat(complete())).toBe('iso');
    expect(chooseMasterFormat(complete([audio(1, 0, 18000)]))).toBe('bin-cue');
    expect(chooseMasterFormat(complete([audio(1, 0, 18000), data(2, 29400, 9398)]))).toBe('bin-cue');
    expect(chooseMasterFormat(complete([data(1, 0, 9000), data(2, 20000, 100, 2)]))).toBe('bin-cue');
  });
});

describe('dataTrackToMaster', () => {
  it('takes the first data track whole, else usedSectors; never more', () => {
    expect(dataTrackToMaster(complete([data(1, 0, 9396)], 9398), 'd')).toEqual(data(1, 0, 9396));
    expect(dataTrackToMaster(complete(undefined, 1234), 'd')).toEqual(data(1, 0, 1234));
  });

  it('refuses no disc, blank discs and audio-only discs', () => {
    expect(() => dataTrackToMaster({ ...complete(), status: 'none' }, 'd')).toThrow(NoMediaError);
    expect(() => dataTrackToMaster({ ...complete(), status: 'blank', usedSectors: 0 }, 'd')).toThrow(WrongMediaError);
    expect(() => dataTrackToMaster(complete([audio(1, 0, 18000)]), 'd')).toThrow(/masterAudioDisc/);
    expect(() => dataTrackToMaster(complete(undefined, 0), 'd')).toThrow(WrongMediaError);
  });
});

describe('DamageMap', () => {
  it('merges adjacent and overlapping sectors into ranges', () => {
    const map = new DamageMap(1000);
    for (const s of [305, 300, 301, 302, 303, 304, 10, 500]) map.add(s);
    map.add(499, 3);
    expect(map.ranges).toEqual([
      { startSector: 10, sectors: 1, status: 'unreadable' },
      { startSector: 300, sectors: 6, status: 'unreadable' },
      { startSector: 499, sectors: 3, status: 'unreadable' },
    ]);
    expect(map.unreadableSectors).toBe(10);
    expect(map.isUnreadable(303)).toBe(true);
    expect(map.isUnreadable(306)).toBe(false);
    expect(() => map.add(1000)).toThrow(RangeError);
  });

  it('exports a GNU ddrescue mapfile covering the image', () => {
    const map = new DamageMap(400, 16);
    map.add(300, 20);
    const lines = map.toDdrescueMapfile().split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual([
      '0x00000000     +               1',
      '0x00000000  0x00096000  +',
      '0x00096000  0x0000A000  -',
      '0x000A0000  0x00028000  +',
    ]);
    expect(new DamageMap(2).toDdrescueMapfile()).toContain('0x00000000  0x00001000  +\n');
    const last = new DamageMap(2);
    last.add(1);
    expect(last.toDdrescueMapfile().trimEnd().split('\n').at(-1)).toBe('0x00000800  0x00000800  -');
  });
});

describe('mastering errors', () => {
  it('carry their flags and details', () => {
    const space = new InsufficientSpaceError('full', 100, 10);
    expect(space.toJSON()).toMatchObject({ name: 'InsufficientSpaceError', code: 'INSUFFICIENT_SPACE', retryable: false, driveFault: false });
    const map = new DamageMap(10);
    map.add(3);
    const damaged = new DamagedMasterError('bad', map, { device: '/dev/sr0' });
    expect(damaged.toJSON()).toMatchObject({ code: 'DAMAGED_MASTER', device: '/dev/sr0', unreadableSectors: 1 });
    expect(damaged.map.ranges).toEqual([{ startSector: 3, sectors: 1, status: 'unreadable' }]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  cleanToolText,
  mediaStatusFromMinfo,
  mediaTypeFromName,
  parseDriveInquiry,
  parseMinfo,
  parsePrcap,
} from '../../src/parse/cdrskin-drive-info.js';
import { discTracksFromMinfo, queryRealMedia } from '../../src/cdrecord/real-media.js';
import { loadStreams, parseSample, readFixture } from '../support/load-sample.js';

const out = (name: string): string => parseSample(readFixture(name)).output;

describe('parseDriveInquiry', () => {
  it('reads the stdio pseudo drive', () => {
    expect(parseDriveInquiry(out('cdrskin-checkdrive-stdio-newfile.txt'))).toEqual({
      vendor: 'YOYODYNE',
      model: 'WARP DRIVE',
      firmware: 'FX01',
      deviceType: 'Emulated (stdio-drive, 2k random read-write)',
      emulated: true,
      writeModes: ['TAO', 'SAO'],
    });
  });

  it('reads a ROM drive via cdrskin and wodim (padded, other spelling)', () => {
    const cdrskin = parseDriveInquiry(out('qemu-cdrskin-checkdrive.txt'));
    expect(cdrskin).toMatchObject({ vendor: 'QEMU', model: 'QEMU DVD-ROM', firmware: '2.5+', emulated: false, writeModes: [] });
    const wodim = parseDriveInquiry(out('qemu-wodim-checkdrive.txt'));
    expect(wodim).toMatchObject({ vendor: 'QEMU', model: 'QEMU DVD-ROM', firmware: '2.5+', writeModes: [] });
  });

  it('reads a real writer and tolerates garbage bytes', () => {
    expect(parseDriveInquiry(out('readme/cdrskin-minfo-blank-dvdr.txt'))).toMatchObject({
      vendor: 'PIONEER',
      model: 'DVD-RW DVR-221L',
      firmware: '1.00',
      writeModes: ['TAO', 'SAO'],
    });
    expect(parseDriveInquiry("Vendor_info    : '\u0000QE\u00ffMU\u0007  '\nIdentifikation : 'X'\n")).toMatchObject({ vendor: 'QEMU', model: 'X' });
    expect(cleanToolText('j1\u00b2\u00cb!V \tRev: ')).toBe('j1!V Rev:');
  });

  it('returns null when there is no inquiry block', () => {
    expect(parseDriveInquiry(out('qemu-busy-cdrskin-minfo.txt'))).toBeNull();
    expect(parseDriveInquiry(out('cdrdao-drive-info-file.txt'))).toBeNull();
  });
});

describe('parsePrcap', () => {
  it('reads what a real writer reads and writes', () => {
    const caps = parsePrcap(out('readme/wodim-prcap-writer.txt'));
    expect(caps.writes).toEqual(['CD-R', 'CD-RW', 'DVD-R', 'DVD-R DL', 'DVD-RAM']);
    expect(caps.reads).toEqual(expect.arrayContaining(['CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RAM']));
    expect(caps.canTestWrite).toBe(true);
    expect(caps.maxWriteSpeedCdX).toBe(62);
    expect(caps.maxWriteSpeedDvdX).toBe(8);
  });

  it('finds nothing on a ROM drive that prints no capability page', () => {
    expect(parsePrcap(out('qemu-wodim-prcap.txt'))).toEqual({ reads: [], writes: [], canTestWrite: false });
  });
});

describe('mediaTypeFromName', () => {
  it.each([
    ['stdio file', 'file'],
    ['CD-ROM', 'CD-ROM'],
    ['CD-RW', 'CD-RW'],
    ['DVD+R', 'DVD+R'],
    ['DVD+R/DL', 'DVD+R DL'],
    ['DVD-R sequential recording', 'DVD-R'],
    ['DVD-R/DL sequential recording', 'DVD-R DL'],
    ['DVD-RW restricted overwrite', 'DVD-RW'],
    ['BD-R sequential recording', 'BD-R'],
    ['BD-RE', 'BD-RE'],
    ['none', null],
    ['Unknown class (profile 0xFFFF)', null],
  ])('%s -> %s', (name, type) => {
    expect(mediaTypeFromName(name)).toBe(type);
  });
});

describe('parseMinfo / mediaStatusFromMinfo', () => {
  it('empty stdio file: blank file', () => {
    const report = parseMinfo(out('cdrskin-minfo-stdio-blank.txt'));
    expect(report).toMatchObject({ discStatus: 'blank', mediaType: 'file', mediaName: 'stdio file', erasable: true, tracks: [] });
  });

  it('written stdio file and loop device: complete', () => {
    for (const name of ['cdrskin-minfo-stdio-written.txt', 'cdrskin-minfo-loopdev.txt']) {
      const status = mediaStatusFromMinfo(parseMinfo(out(name)));
      expect(status).toMatchObject({ status: 'complete', type: 'file', rewritable: true, freeSectors: 0 });
    }
  });

  it('grown stdio file: "disk status: complete" wins over the appendable status line', () => {
    expect(parseMinfo(out('cdrskin-minfo-grow-stdio.txt')).discStatus).toBe('complete');
  });

  it('pressed CD-ROM and DVD-ROM: complete with their recorded size', () => {
    expect(mediaStatusFromMinfo(parseMinfo(out('qemu-cdrskin-minfo.txt')))).toEqual({
      status: 'complete',
      type: 'CD-ROM',
      rewritable: false,
      capacitySectors: 9398,
      usedSectors: 9398,
      freeSectors: 0,
    });
    const dvd = parseMinfo(out('qemu-dvd-cdrskin-minfo.txt'));
    expect(dvd.tracks).toEqual([{ track: 1, session: 1, type: 'Data', start: 0, end: 379061, size: 379062 }]);
    expect(mediaStatusFromMinfo(dvd)).toMatchObject({ status: 'complete', type: 'DVD-ROM', capacitySectors: 379062 });
  });

  it('no disc: none', () => {
    for (const name of ['qemu-nodisc-cdrskin-minfo.txt', 'qemu-nodisc-cdrskin-atip.txt']) {
      expect(mediaStatusFromMinfo(parseMinfo(out(name)))).toEqual({
        status: 'none',
        type: null,
        rewritable: false,
        capacitySectors: 0,
        usedSectors: 0,
        freeSectors: 0,
      });
    }
  });

  it('-atip output alone: status from the burn_disc line', () => {
    expect(parseMinfo(out('qemu-cdrskin-atip.txt')).discStatus).toBe('complete');
    expect(parseMinfo(out('cdrskin-atip-stdio-blank.txt')).discStatus).toBe('blank');
  });

  it('blank DVD+R in a real writer (README): capacity from Remaining writable size', () => {
    const report = parseMinfo(out('readme/cdrskin-minfo-blank-dvdr.txt'));
    expect(report.profiles).toEqual(['DVD-R DL', 'DVD+R']);
    expect(report.remainingWritable).toBe(2295104);
    expect(mediaStatusFromMinfo(report)).toEqual({
      status: 'blank',
      type: 'DVD+R',
      rewritable: false,
      capacitySectors: 2295104,
      usedSectors: 0,
      freeSectors: 2295104,
    });
  });

  it('appendable disc: used from the next writable address', () => {
    const text = [
      'Mounted media type:       CD-R',
      'disk status:              incomplete/appendable',
      'Track  Sess Type   Start Addr End Addr   Size',
      '    1     1 Data   0          9397       9398      ',
      '    2     2 Blank  11700      359845     348146    ',
      'Next writable address:              11700     ',
      'Remaining writable size:            348146    ',
    ].join('\n');
    expect(mediaStatusFromMinfo(parseMinfo(text))).toEqual({
      status: 'appendable',
      type: 'CD-R',
      rewritable: false,
      capacitySectors: 359846,
      usedSectors: 11700,
      freeSectors: 348146,
    });
  });
});

describe('-minfo / -atip of the tgt recorder (real kernel, emulated MMC DVD+R, optical tools reference §9)', () => {
  const tgt = (name: string): string => loadStreams(name).stdout;

  it('blank DVD+R: blank, its whole capacity free', () => {
    const report = parseMinfo(tgt('tgt-cdrskin-minfo-blank-dvdplusr.txt'));
    expect(report).toMatchObject({ discStatus: 'blank', mediaType: 'DVD+R', erasable: false, remainingWritable: 2295104, nextWritableAddress: 0 });
    expect(mediaStatusFromMinfo(report)).toEqual({
      status: 'blank',
      type: 'DVD+R',
      rewritable: false,
      capacitySectors: 2295104,
      usedSectors: 0,
      freeSectors: 2295104,
    });
    expect(discTracksFromMinfo(report.tracks)).toEqual([]);
  });

  it('-atip of the blank: blank DVD+R from the book type, no capacity', () => {
    const report = parseMinfo(tgt('tgt-cdrskin-atip-blank-dvdplusr.txt'));
    expect(report).toMatchObject({ discStatus: 'blank', tracks: [] });
    expect(parseDriveInquiry(tgt('tgt-cdrskin-atip-blank-dvdplusr.txt'))).toMatchObject({ vendor: 'IET', model: 'VIRTUAL-CDROM', writeModes: ['TAO', 'SAO'] });
  });

  it('burned disc: a closed DVD-ROM; the track row without an end (End Addr -1, Size 0) is no track', async () => {
    const report = parseMinfo(tgt('tgt-cdrskin-minfo-after-burn.txt'));
    expect(report.tracks).toEqual([{ track: 1, session: 1, type: 'Data', start: 0, end: -1, size: 0 }]);
    // A 0-sector track would make a master or a read-back read nothing.
    expect(discTracksFromMinfo(report.tracks)).toEqual([]);
    const status = mediaStatusFromMinfo(report);
    expect(status).toMatchObject({ status: 'complete', type: 'DVD-ROM', rewritable: false, freeSectors: 0 });
    // tgt's stale Read capacity (20 MB from an earlier disc; 4 MiB were burned): reported as the drive says,
    // which is why a verify reads the image's length and never this figure.
    expect(status.usedSectors).toBe(9952);
    // Through the backend's media query: no table of contents rather than a 0-sector track.
    const run = loadStreams('tgt-cdrskin-minfo-after-burn.txt');
    const queried = await queryRealMedia('cdrskin', '/dev/sr0', () => Promise.resolve(run));
    expect(queried).toEqual(status);
    expect(queried.tracks).toBeUndefined();
  });

  it('"no disc" right after an eject: libburn closed the tray again, the burned disc is back', () => {
    expect(mediaStatusFromMinfo(parseMinfo(tgt('tgt-cdrskin-minfo-no-disc.txt')))).toMatchObject({ status: 'complete', type: 'DVD-ROM' });
  });
});

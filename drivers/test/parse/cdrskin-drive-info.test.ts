import { describe, expect, it } from 'vitest';
import {
  cleanToolText,
  mediaStatusFromMinfo,
  mediaTypeFromName,
  parseDriveInquiry,
  parseMinfo,
  parsePrcap,
} from '../../src/parse/cdrskin-drive-info.js';
import { parseSample, readFixture } from '../support/load-sample.js';

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

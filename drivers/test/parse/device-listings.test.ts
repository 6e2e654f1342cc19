import { describe, expect, it } from 'vitest';
import {
  cleanField,
  listingText,
  parseCdrdaoScanbus,
  parseCdrskinDevices,
  parseDeviceListing,
  parseScanbus,
  parseSgMap,
  parseWodimDevices,
  parseXorrisoDevices,
} from '../../src/parse/device-listings.js';
import { parseSample, readFixture } from '../support/load-sample.js';

/** A recorded capture: `command`, `output` (merged streams, CRs kept), `exitCode`. */
const sample = (name: string): ReturnType<typeof parseSample> => parseSample(readFixture(name));

const QEMU_SR = [
  { device: '/dev/sr0', vendor: 'QEMU', model: 'QEMU DVD-ROM' },
  { device: '/dev/sr1', vendor: 'QEMU', model: 'QEMU CD-ROM' },
  { device: '/dev/sr2', vendor: 'QEMU', model: 'QEMU CD-ROM' },
];

describe('wodim --devices', () => {
  it('lists the three sg devices; exit status is the count', () => {
    const s = sample('qemu-multi-wodim-devices.txt');
    expect(s.exitCode).toBe(3);
    const listing = parseWodimDevices(s.output, s.exitCode);
    expect(listing.devices).toEqual([
      { device: '/dev/sg0', vendor: 'QEMU', model: 'QEMU DVD-ROM', permissions: 'rw----' },
      { device: '/dev/sg1', vendor: 'QEMU', model: 'QEMU CD-ROM', permissions: 'rw----' },
      { device: '/dev/sg2', vendor: 'QEMU', model: 'QEMU CD-ROM', permissions: 'rw----' },
    ]);
    expect(listing.reportedCount).toBe(3);
    expect(listing.problem).toBeUndefined();
  });

  it('takes the count from the exit status when the overview line is missing', () => {
    expect(parseWodimDevices(" 0  dev='/dev/sg4'\trwrw-- : 'HL-DT-ST' 'DVDRAM GH24NSD1'\n", 1)).toEqual({
      devices: [{ device: '/dev/sg4', vendor: 'HL-DT-ST', model: 'DVDRAM GH24NSD1', permissions: 'rwrw--' }],
      reportedCount: 1,
    });
  });

  it('gives no drives and the reason when wodim cannot scan (exit 255)', () => {
    const s = sample('wodim-devices-nodrive.txt');
    const listing = parseWodimDevices(s.output, s.exitCode);
    expect(listing.devices).toEqual([]);
    expect(listing.reportedCount).toBeUndefined();
    expect(listing.problem).toBe('wodim: No such file or directory.');
  });
});

describe('-scanbus', () => {
  it('lists wodim bus addresses, skipping empty slots, with padded fields trimmed', () => {
    const listing = parseScanbus(sample('qemu-multi-wodim-scanbus.txt').output);
    expect(listing.devices).toEqual([
      { device: '1,0,0', vendor: 'QEMU', model: 'QEMU DVD-ROM', revision: '2.5+', deviceType: 'Removable CD-ROM' },
      { device: '2,0,0', vendor: 'QEMU', model: 'QEMU CD-ROM', revision: '2.5+', deviceType: 'Removable CD-ROM' },
      { device: '2,1,0', vendor: 'QEMU', model: 'QEMU CD-ROM', revision: '2.5+', deviceType: 'Removable CD-ROM' },
    ]);
  });

  it('reads cdrskin -scanbus the same way', () => {
    expect(parseDeviceListing('cdrskin-scanbus', sample('qemu-cdrskin-scanbus.txt').output).devices.map((d) => d.device)).toEqual([
      '1,0,0',
      '2,0,0',
      '2,1,0',
    ]);
  });

  it('no drives', () => {
    expect(parseScanbus(sample('wodim-scanbus-nodrive.txt').output)).toEqual({ devices: [], problem: 'Cannot open SCSI driver!' });
    expect(parseScanbus(sample('cdrskin-scanbus.txt').output)).toEqual({
      devices: [],
      problem: 'cdrskin: NOTE : No usable drive detected.',
    });
  });
});

describe('cdrskin --devices', () => {
  it('lists the three sr devices', () => {
    const listing = parseCdrskinDevices(sample('qemu-multi-cdrskin-devices.txt').output);
    expect(listing.devices).toEqual(QEMU_SR.map((d) => ({ ...d, permissions: 'rw----' })));
    expect(listing.reportedCount).toBe(3);
  });

  it('no drives: (0 found) and the NOTE', () => {
    expect(parseCdrskinDevices(sample('cdrskin-devices-nodrive.txt').output)).toEqual({
      devices: [],
      reportedCount: 0,
      problem: 'cdrskin: NOTE : No usable drive detected.',
    });
  });

  it('a busy drive is silently missing; the idle one is listed', () => {
    expect(parseCdrskinDevices(sample('qemu-busy-cdrskin-devices.txt').output).devices).toEqual([]);
    expect(parseCdrskinDevices(sample('qemu-notbusy-cdrskin-devices.txt').output).devices).toEqual([
      { device: '/dev/sr0', vendor: 'QEMU', model: 'QEMU DVD-ROM', permissions: 'rw----' },
    ]);
  });
});

describe('xorriso -devices', () => {
  it('lists the three sr devices', () => {
    expect(parseXorrisoDevices(sample('qemu-multi-xorriso-devices.txt').output).devices).toEqual(
      QEMU_SR.map((d) => ({ ...d, permissions: 'rw----' })),
    );
  });

  it('no drives (exit 32)', () => {
    const s = sample('xorriso-devices-nodrive.txt');
    expect(s.exitCode).toBe(32);
    expect(parseXorrisoDevices(s.output)).toEqual({ devices: [], problem: 'xorriso : SORRY : No drives found' });
  });
});

describe('cdrdao scanbus', () => {
  it('lists the three sr devices with revisions', () => {
    expect(parseCdrdaoScanbus(sample('qemu-multi-cdrdao-scanbus.txt').output).devices).toEqual(
      QEMU_SR.map((d) => ({ ...d, revision: '2.5+' })),
    );
  });

  it('no sysfs: exit 0 but an ERROR line, no drives', () => {
    const s = sample('cdrdao-scanbus-nodrive.txt');
    expect(s.exitCode).toBe(0);
    expect(parseCdrdaoScanbus(s.output)).toEqual({
      devices: [],
      problem: 'ERROR: Unable to access sysfs filesystem at /sys/bus/scsi/devices',
    });
  });
});

describe('sg_map -i -x', () => {
  it('pairs sg and sr devices with fixed-width inquiry fields', () => {
    expect(parseSgMap(sample('qemu-multi-sg-map.txt').output).devices).toEqual(
      QEMU_SR.map((d, i) => ({ ...d, generic: `/dev/sg${i}`, revision: '2.5+', scsiType: 5 })),
    );
  });

  it('keeps vendors with spaces and devices without a block node', () => {
    const text =
      '/dev/sg0  0 0 0 0  0  /dev/sda  ATA       Samsung SSD 860   4B6Q\n' +
      '/dev/sg1  1 0 0 0  5  /dev/sr10  HL DT ST  DVDRAM GH24NSD1   LG00\n' +
      '/dev/sg2  2 0 0 0  13\n';
    expect(parseSgMap(text).devices).toEqual([
      { device: '/dev/sda', generic: '/dev/sg0', vendor: 'ATA', model: 'Samsung SSD 860', revision: '4B6Q', scsiType: 0 },
      { device: '/dev/sr10', generic: '/dev/sg1', vendor: 'HL DT ST', model: 'DVDRAM GH24NSD1', revision: 'LG00', scsiType: 5 },
      { device: '/dev/sg2', generic: '/dev/sg2', vendor: '', model: '', scsiType: 13 },
    ]);
  });
});

describe('garbage tolerance', () => {
  const garbage = Buffer.concat([
    Buffer.from(" 0  dev='/dev/sg0'\trw---- : '"),
    Buffer.from([0x6a, 0x31, 0xff, 0xfe, 0x00, 0x21, 0x56, 0x09]),
    Buffer.from("' 'QEMU DVD-ROM'\n\u0000\u00ff\u00fe random \r\n"),
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0x0a]),
  ]);

  it('parses raw bytes with non-UTF-8 vendor strings, dropping control characters', () => {
    const listing = parseWodimDevices(garbage);
    expect(listing.devices).toHaveLength(1);
    expect(listing.devices[0]?.vendor).toBe('j1\u00ff\u00fe!V');
    expect(listing.devices[0]?.model).toBe('QEMU DVD-ROM');
  });

  it('every parser survives garbage without throwing', () => {
    const text = listingText(garbage) + '\u0000'.repeat(10) + "'''':::,,,\r\r";
    for (const tool of ['wodim-devices', 'wodim-scanbus', 'cdrskin-devices', 'cdrskin-scanbus', 'xorriso-devices', 'cdrdao-scanbus', 'sg-map'] as const) {
      expect(() => parseDeviceListing(tool, text, 255)).not.toThrow();
    }
    expect(parseSgMap(text).devices).toEqual([]);
    expect(cleanField('  QEMU\u0000\u0001  ')).toBe('QEMU');
  });
});

/**
 * The `--driver` argument of a cdrdao burn: none unless a TOC's CD-TEXT is
 * to be written or a driver is configured; CD-TEXT is `generic-mmc:0x10`, or
 * the configured driver with 0x10 ORed into its options. Bad driver texts
 * are refused with one line.
 */
import { describe, expect, it } from 'vitest';
import { cdrdaoWriteCommand } from '../../src/cdrecord/burn-args.js';
import { cdrdaoDriverArg, parseCdrdaoDriver } from '../../src/cdrecord/cdrdao-driver.js';

describe('cdrdao driver argument', () => {
  it('adds generic-mmc:0x10 only for CD-TEXT, keeps a configured driver and ORs 0x10 into its options', () => {
    expect(cdrdaoDriverArg(undefined, false)).toBeUndefined();
    expect(cdrdaoDriverArg(undefined, true)).toBe('generic-mmc:0x10');
    expect(cdrdaoDriverArg('generic-mmc-raw', false)).toBe('generic-mmc-raw');
    expect(cdrdaoDriverArg('generic-mmc-raw', true)).toBe('generic-mmc-raw:0x10');
    expect(cdrdaoDriverArg('generic-mmc:0x3', true)).toBe('generic-mmc:0x13');
    expect(cdrdaoDriverArg('generic-mmc:0x3', false)).toBe('generic-mmc:0x3');
    expect(cdrdaoDriverArg('generic-mmc:0x10', true)).toBe('generic-mmc:0x10');
  });

  it('puts --driver before the TOC in the write command, and nothing without one', () => {
    const toc = '/discs/a/master.toc';
    expect(cdrdaoWriteCommand('/dev/sr0', toc, { speed: 8 }, 'generic-mmc:0x10').args)
      .toEqual(['write', '--device', '/dev/sr0', '-n', '--driver', 'generic-mmc:0x10', '--speed', '8', toc]);
    expect(cdrdaoWriteCommand('/dev/sr0', toc, {}).args).toEqual(['write', '--device', '/dev/sr0', '-n', toc]);
  });

  it('parses NAME and NAME:0xHEX and refuses the rest with one line', () => {
    expect(parseCdrdaoDriver('plextor-scan')).toEqual({ name: 'plextor-scan', options: 0 });
    expect(parseCdrdaoDriver('generic-mmc:0x1F')).toEqual({ name: 'generic-mmc', options: 0x1f });
    for (const bad of ['', 'mmc', 'generic-mmc:', 'generic-mmc:0x', 'generic-mmc:0x123456789', 'generic-mmc 0x10', 'generic-mmc:0x10\n']) {
      expect(() => parseCdrdaoDriver(bad)).toThrow(/^'[^\n]*' is not a cdrdao driver: use one of cdd2600, [^\n]*, yamaha-cdr10x, optionally with :0x<hex options>$/);
    }
  });
});

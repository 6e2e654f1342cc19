import { describe, expect, it } from 'vitest';
import { mediaTypesFromCapabilities, parseProcCdromInfo } from '../../src/parse/proc-cdrom-info.js';
import type { CdromCapabilities } from '../../src/parse/proc-cdrom-info.js';
import { parseSample, readFixture } from '../support/load-sample.js';

/** A recorded capture: `command`, `output` (merged streams, CRs kept), `exitCode`. */
const sample = (name: string): ReturnType<typeof parseSample> => parseSample(readFixture(name));

describe('parseProcCdromInfo', () => {
  it('reads the three QEMU drives, newest first', () => {
    const drives = parseProcCdromInfo(sample('qemu-multi-proc-cdrom-info.txt').output);
    expect(drives.map((d) => d.name)).toEqual(['sr2', 'sr1', 'sr0']);
    expect(drives.map((d) => d.speed)).toEqual([50, 50, 4]);
    const sr0 = drives[2];
    expect(sr0).toMatchObject({
      name: 'sr0',
      slots: 1,
      canCloseTray: true,
      canOpenTray: true,
      canLockTray: true,
      canChangeSpeed: true,
      canSelectDisk: false,
      canReadMultisession: true,
      canReadMcn: true,
      reportsMediaChanged: true,
      canPlayAudio: true,
      canWriteCdR: false,
      canWriteCdRw: false,
      canReadDvd: true,
      canWriteDvdR: false,
      canWriteDvdRam: false,
      canReadMrw: false,
      canWriteMrw: false,
      canWriteRam: false,
    });
    expect(sr0?.raw['Can read DVD']).toBe('1');
  });

  it('parses the single-capture copy the same way', () => {
    const a = parseProcCdromInfo(sample('qemu-proc-cdrom-info.txt').output);
    expect(a).toHaveLength(3);
    expect(a.every((d) => d.canReadDvd && !d.canWriteCdR)).toBe(true);
  });

  it('gives [] for a table without drives, empty text and garbage', () => {
    expect(parseProcCdromInfo('CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\ndrive name:\t\n')).toEqual([]);
    expect(parseProcCdromInfo('')).toEqual([]);
    expect(parseProcCdromInfo('\u00ff\u0000garbage: \t\n')).toEqual([]);
  });

  it('handles CRLF and a short column', () => {
    const drives = parseProcCdromInfo('drive name:\t\tsr1\tsr0\r\ndrive speed:\t\t48\r\nCan write CD-R:\t\t1\t1\r\n');
    expect(drives.map((d) => [d.name, d.speed, d.canWriteCdR])).toEqual([
      ['sr1', 48, true],
      ['sr0', 0, true],
    ]);
  });
});

describe('mediaTypesFromCapabilities', () => {
  const rom = parseProcCdromInfo(sample('qemu-multi-proc-cdrom-info.txt').output)[0] as CdromCapabilities;

  it('maps the QEMU DVD-ROM drive to DVD/CD reads and no writes', () => {
    const { reads, writes } = mediaTypesFromCapabilities(rom);
    expect(reads).toEqual(['CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL']);
    expect(writes).toEqual([]);
  });

  it('maps a CD-only ROM drive', () => {
    const { reads, writes } = mediaTypesFromCapabilities({ ...rom, canReadDvd: false });
    expect(reads).toEqual(['CD-ROM', 'CD-R']);
    expect(writes).toEqual([]);
  });

  it('maps a DVD writer, multi-format unless strict', () => {
    const writer = { ...rom, canWriteCdR: true, canWriteCdRw: true, canWriteDvdR: true, canWriteDvdRam: true };
    expect(mediaTypesFromCapabilities(writer).writes).toEqual(['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-RAM']);
    expect(mediaTypesFromCapabilities(writer, { strict: true }).writes).toEqual(['CD-R', 'CD-RW', 'DVD-R', 'DVD-RAM']);
    expect(mediaTypesFromCapabilities(writer).reads).toContain('DVD-RAM');
  });

  it('maps a CD writer: whatever it writes it reads', () => {
    const { reads, writes } = mediaTypesFromCapabilities({ ...rom, canReadDvd: false, canWriteCdR: true, canWriteCdRw: true });
    expect(writes).toEqual(['CD-R', 'CD-RW']);
    expect(reads).toEqual(['CD-ROM', 'CD-R', 'CD-RW']);
  });
});

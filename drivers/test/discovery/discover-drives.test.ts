import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverDrives, discoveredDriveInfo } from '../../src/discovery/discover-drives.js';
import { makeTempDir } from '../support/test-images.js';
import { recordedSpawner } from '../support/recorded-spawner.js';
import { parseSample, readFixture } from '../support/load-sample.js';
import type { FakeDrive } from './fake-tree.js';
import { QEMU_DRIVES, buildFakeTree } from './fake-tree.js';

/** A recorded capture: `command`, `output` (merged streams, CRs kept), `exitCode`. */
const sample = (name: string): ReturnType<typeof parseSample> => parseSample(readFixture(name));

const PROC_INFO = sample('qemu-multi-proc-cdrom-info.txt').output;
const DVD_READS = ['CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL'];

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('discover-'));
});
afterEach(() => cleanup());

describe('discoverDrives on a fake QEMU tree', () => {
  it('finds the three drives with their by-path ids, sg devices, inquiry strings and capabilities', async () => {
    const roots = buildFakeTree(dir, QEMU_DRIVES, PROC_INFO);
    const dev = (...p: string[]): string => path.join(roots.devRoot, ...p);
    const drives = await discoverDrives(roots);
    expect(drives.map((d) => d.name)).toEqual(['sr0', 'sr1', 'sr2']);
    expect(drives.map((d) => d.stableId)).toEqual([
      dev('disk', 'by-path', 'pci-0000:00:01.1-ata-2.0'),
      dev('disk', 'by-path', 'pci-0000:00:03.0-scsi-0:0:0:0'),
      dev('disk', 'by-path', 'pci-0000:00:03.0-scsi-0:0:1:0'),
    ]);
    expect(drives[0]).toMatchObject({
      device: dev('sr0'),
      generic: dev('sg0'),
      hctl: '1:0:0:0',
      vendor: 'QEMU',
      model: 'QEMU DVD-ROM',
      firmware: '2.5+',
      byPath: dev('disk', 'by-path', 'pci-0000:00:01.1-ata-2.0'),
      byId: dev('disk', 'by-id', 'ata-QEMU_DVD-ROM_QM00003'),
      reads: DVD_READS,
      writes: [],
      source: 'sysfs',
    });
    expect(drives[0]?.capabilities).toMatchObject({ name: 'sr0', speed: 4, canReadDvd: true, canWriteCdR: false });
    // sr1 has only the `generic` link, no scsi_generic/ directory
    expect(drives[1]).toMatchObject({ device: dev('sr1'), generic: dev('sg1'), hctl: '2:0:0:0', model: 'QEMU CD-ROM' });
    expect(drives[1]?.capabilities?.speed).toBe(50);
    expect(drives[2]).toMatchObject({ device: dev('sr2'), generic: dev('sg2'), hctl: '2:0:1:0' });
  });

  it('maps to the contract DriveInfo', async () => {
    const roots = buildFakeTree(dir, QEMU_DRIVES, PROC_INFO);
    const [first] = await discoverDrives(roots);
    expect(first).toBeDefined();
    if (first === undefined) return;
    expect(discoveredDriveInfo(first)).toEqual({
      address: first.device,
      stableId: path.join(roots.devRoot, 'disk', 'by-path', 'pci-0000:00:01.1-ata-2.0'),
      kind: 'optical',
      vendor: 'QEMU',
      model: 'QEMU DVD-ROM',
      firmware: '2.5+',
      reads: DVD_READS,
      writes: [],
      canTestWrite: false,
      devices: {
        block: first.device,
        generic: path.join(roots.devRoot, 'sg0'),
        byPath: path.join(roots.devRoot, 'disk', 'by-path', 'pci-0000:00:01.1-ata-2.0'),
      },
      // The fake tree's nodes are not block devices: no profile query, the kernel table it is.
      capabilitiesFrom: 'kernel-table',
    });
    expect(discoveredDriveInfo(first, '/dev/sr0').address).toBe('/dev/sr0');
  });

  it('a writer column gives writes and canTestWrite', async () => {
    const writer: FakeDrive = { ...QEMU_DRIVES[0]!, vendor: 'HL-DT-ST\n', model: 'DVDRAM GH24NSD1 \n', rev: 'LG00\n' };
    const proc =
      'CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\ndrive name:\t\tsr0\ndrive speed:\t\t48\n' +
      'Can write CD-R:\t\t1\nCan write CD-RW:\t1\nCan read DVD:\t\t1\nCan write DVD-R:\t1\nCan write DVD-RAM:\t1\n';
    const roots = buildFakeTree(dir, [writer], proc);
    const [drive] = await discoverDrives(roots);
    expect(drive?.writes).toEqual(['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-RAM']);
    expect(drive && discoveredDriveInfo(drive)).toMatchObject({ vendor: 'HL-DT-ST', model: 'DVDRAM GH24NSD1', firmware: 'LG00', canTestWrite: true });
  });

  it('falls back to by-id, then the device path, and sorts by stable id', async () => {
    const drives: FakeDrive[] = [
      { ...QEMU_DRIVES[0]!, byPath: [] },
      { ...QEMU_DRIVES[1]!, byPath: [], byId: [] },
      { ...QEMU_DRIVES[2]!, name: 'sr10', sg: 'sg10' },
    ];
    const roots = buildFakeTree(dir, drives, PROC_INFO);
    const dev = (...p: string[]): string => path.join(roots.devRoot, ...p);
    const found = await discoverDrives(roots);
    expect(found.map((d) => [d.name, d.stableId])).toEqual([
      ['sr0', dev('disk', 'by-id', 'ata-QEMU_DVD-ROM_QM00003')],
      ['sr10', dev('disk', 'by-path', 'pci-0000:00:03.0-scsi-0:0:1:0')],
      ['sr1', dev('sr1')],
    ]);
    // sr10 is not in the proc table: capabilities unknown, no media claimed
    expect(found[1]).toMatchObject({ reads: [], writes: [] });
    expect(found[1]?.capabilities).toBeUndefined();
    expect(found[2]?.byPath).toBeUndefined();
  });

  it('an empty tree gives []', async () => {
    const roots = buildFakeTree(dir, []);
    expect(await discoverDrives(roots)).toEqual([]);
  });

  it('roots that do not exist give []', async () => {
    const missing = path.join(dir, 'nope');
    expect(await discoverDrives({ sysRoot: missing, devRoot: missing, procRoot: missing })).toEqual([]);
  });

  it('does not run tools unless asked', async () => {
    const { spawner, calls } = recordedSpawner({});
    const roots = buildFakeTree(dir, []);
    expect(await discoverDrives({ ...roots, spawner })).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('discoverDrives on this machine', () => {
  const srInSys = existsSync('/sys/block') && readdirSync('/sys/block').some((n) => /^sr\d+$/.test(n));

  it('reads the real /sys, /proc and /dev without throwing', async () => {
    const drives = await discoverDrives();
    if (srInSys) {
      for (const d of drives) expect(d.device).toMatch(/^\/dev\/sr\d+$/);
    } else {
      expect(drives).toEqual([]);
    }
  });

  it('with the real tools as fallback, still without throwing', async () => {
    const drives = await discoverDrives({ sysRoot: path.join(dir, 'empty-sys'), useTools: true, toolTimeoutMs: 20_000 });
    if (!srInSys) expect(drives).toEqual([]);
  });
});

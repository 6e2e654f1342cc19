/**
 * Discovery takes what a drive writes from its MMC profiles, with the
 * kernel's table as the fallback only. The tree is laid out like the tgt
 * guest of the optical tools reference §9 (two IET VIRTUAL-CDROM recorders,
 * sr0 and sr1; `tgt-sysfs-sr0.txt`, `tgt-proc-cdrom-info.txt`); the SCSI
 * addresses and PCI parents are made up, the tools' answers are the captures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverDrives, discoveredDriveInfo } from '../../src/discovery/discover-drives.js';
import { CancelledError } from '../../src/errors.js';
import { loadSample, loadStreams } from '../support/load-sample.js';
import { recordedSpawner } from '../support/recorded-spawner.js';
import { makeTempDir } from '../support/test-images.js';
import type { FakeDrive } from './fake-tree.js';
import { buildFakeTree } from './fake-tree.js';

/** The sysfs strings of the tgt guest's sr0, as captured (`vendor=IET     ` …). */
const SYSFS = Object.fromEntries(
  loadStreams('tgt-sysfs-sr0.txt').stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), `${l.slice(l.indexOf('=') + 1)}\n`]),
) as Record<'vendor' | 'model' | 'rev', string>;

const TGT_DRIVES: readonly FakeDrive[] = ['sr0', 'sr1'].map((name, i) => ({
  name,
  sg: `sg${i}`,
  hctl: `2:0:0:${i + 1}`,
  parent: 'pci0000:00/0000:00:04.0/virtio1',
  vendor: SYSFS.vendor,
  model: SYSFS.model,
  rev: SYSFS.rev,
}));
const PROC = loadStreams('tgt-proc-cdrom-info.txt').stdout;
const PROFILES = loadStreams('tgt-xorriso-list-profiles.txt');

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('discover-profiles-'));
});
afterEach(() => cleanup());

describe('discoverDrives with MMC profiles', () => {
  it('the tgt recorders write DVD+R by their profiles, though the kernel table says they write nothing', async () => {
    const roots = buildFakeTree(dir, TGT_DRIVES, PROC);
    const { spawner, calls } = recordedSpawner({ xorriso: { stdout: PROFILES.stdout, stderr: PROFILES.stderr, exitCode: 0 } });
    const drives = await discoverDrives({ ...roots, spawner, profiles: true });
    expect(calls.map((c) => [c.program, ...c.args]).sort()).toEqual([
      ['xorriso', '-outdev', `${roots.devRoot}/sr0`, '-list_profiles', 'out'],
      ['xorriso', '-outdev', `${roots.devRoot}/sr1`, '-list_profiles', 'out'],
    ]);
    for (const d of drives) {
      expect(d).toMatchObject({ vendor: 'IET', model: 'VIRTUAL-CDROM', reads: ['DVD-ROM', 'DVD+R'], writes: ['DVD+R'], capabilitiesFrom: 'mmc-profiles' });
      expect(d.profiles?.map((p) => p.code)).toEqual([0x10, 0x1b]);
      // The kernel's column is still there, all zeros for writing.
      expect(d.capabilities).toMatchObject({ canWriteCdR: false, canWriteDvdR: false });
    }
    expect(discoveredDriveInfo(drives[0]!)).toMatchObject({ writes: ['DVD+R'], canTestWrite: false, capabilitiesFrom: 'mmc-profiles' });
  });

  it('falls back to cdrskin -v, then to the kernel table', async () => {
    const roots = buildFakeTree(dir, TGT_DRIVES.slice(0, 1), PROC);
    // No xorriso; cdrskin -v lists profiles (a real DVD writer's output, README §5.2).
    const viaCdrskin = recordedSpawner({ cdrskin: { stdout: loadSample('readme/cdrskin-minfo-blank-dvdr.txt').stdout, exitCode: 0 } });
    const [first] = await discoverDrives({ ...roots, spawner: viaCdrskin.spawner, profiles: true });
    expect(viaCdrskin.calls.map((c) => [c.program, ...c.args])).toEqual([
      ['xorriso', '-outdev', `${roots.devRoot}/sr0`, '-list_profiles', 'out'],
      ['cdrskin', '-v', `dev=${roots.devRoot}/sr0`, '-atip'],
    ]);
    expect(first).toMatchObject({ writes: ['DVD+R', 'DVD-R DL'], capabilitiesFrom: 'mmc-profiles' });
    // cdrskin without a profile list (tgt's -atip as captured): the kernel table, which says nothing is written.
    const atip = loadStreams('tgt-cdrskin-atip-blank-dvdplusr.txt');
    const noList = recordedSpawner({ cdrskin: { stdout: atip.stdout, stderr: atip.stderr, exitCode: 0 } });
    const [second] = await discoverDrives({ ...roots, spawner: noList.spawner, profiles: true });
    expect(second).toMatchObject({ writes: [], capabilitiesFrom: 'kernel-table' });
    expect(second?.profiles).toBeUndefined();
  });

  it('asks no tool for a node that is not a block device unless told, nor when told not to', async () => {
    const roots = buildFakeTree(dir, TGT_DRIVES, PROC);
    const { spawner, calls } = recordedSpawner({ xorriso: { stdout: PROFILES.stdout, exitCode: 0 } });
    const drives = await discoverDrives({ ...roots, spawner });
    expect(drives.map((d) => d.capabilitiesFrom)).toEqual(['kernel-table', 'kernel-table']);
    expect(await discoverDrives({ ...roots, spawner, profiles: false })).toHaveLength(2);
    expect(calls).toEqual([]);
  });

  it("the caller's abort rejects with CancelledError", async () => {
    const roots = buildFakeTree(dir, TGT_DRIVES, PROC);
    const { spawner } = recordedSpawner({ xorriso: { stdout: PROFILES.stdout, exitCode: 0 } });
    const controller = new AbortController();
    controller.abort();
    await expect(discoverDrives({ ...roots, spawner, profiles: true, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});

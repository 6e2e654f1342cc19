import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { discoverDrives } from '../../src/discovery/discover-drives.js';
import { listDrivesWithTools } from '../../src/discovery/tool-drives.js';
import { recordedSpawner } from '../support/recorded-spawner.js';
import { parseSample, readFixture } from '../support/load-sample.js';
import { makeTempDir } from '../support/test-images.js';
import { QEMU_DRIVES, buildFakeTree } from './fake-tree.js';

/** A recorded capture: `command`, `output` (merged streams, CRs kept), `exitCode`. */
const sample = (name: string): ReturnType<typeof parseSample> => parseSample(readFixture(name));

const CDRSKIN = sample('qemu-multi-cdrskin-devices.txt');
const CDRSKIN_NONE = sample('cdrskin-devices-nodrive.txt');
const WODIM = sample('qemu-multi-wodim-devices.txt');
const WODIM_NONE = sample('wodim-devices-nodrive.txt');

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('discover-tools-'));
});
afterEach(() => cleanup());

describe('tool fallback', () => {
  it('takes the drives cdrskin --devices lists, with proc capabilities and by-path ids', async () => {
    // sysfs empty, but proc and udev links present (fake /dev holds the links)
    const roots = buildFakeTree(dir, QEMU_DRIVES, sample('qemu-multi-proc-cdrom-info.txt').output);
    const { spawner, calls } = recordedSpawner({ cdrskin: { stdout: CDRSKIN.output, exitCode: 0 } });
    const drives = await discoverDrives({ ...roots, sysRoot: path.join(dir, 'no-sys'), useTools: true, spawner });
    expect(calls).toEqual([{ program: 'cdrskin', args: ['--devices'] }]);
    expect(drives.map((d) => [d.name, d.source, d.vendor, d.model, d.firmware])).toEqual([
      ['sr0', 'cdrskin', 'QEMU', 'QEMU DVD-ROM', ''],
      ['sr1', 'cdrskin', 'QEMU', 'QEMU CD-ROM', ''],
      ['sr2', 'cdrskin', 'QEMU', 'QEMU CD-ROM', ''],
    ]);
    expect(drives[0]?.device).toBe(path.join(roots.devRoot, 'sr0'));
    expect(drives[0]?.stableId).toBe(path.join(roots.devRoot, 'disk', 'by-path', 'pci-0000:00:01.1-ata-2.0'));
    expect(drives[0]?.capabilities?.speed).toBe(4);
    expect(drives[0]?.reads).toContain('DVD-ROM');
  });

  it('with the default /dev and no proc, cdrskin drives keep their /dev/srN ids', async () => {
    const { spawner } = recordedSpawner({ cdrskin: { stdout: CDRSKIN.output, exitCode: 0 } });
    const none = path.join(dir, 'none');
    const drives = await discoverDrives({ sysRoot: none, procRoot: none, devRoot: '/dev', useTools: true, spawner });
    expect(drives.map((d) => [d.device, d.stableId, d.reads.length])).toEqual([
      ['/dev/sr0', '/dev/sr0', 0],
      ['/dev/sr1', '/dev/sr1', 0],
      ['/dev/sr2', '/dev/sr2', 0],
    ]);
  });

  it('asks wodim when cdrskin is missing', async () => {
    const { spawner, calls } = recordedSpawner({ wodim: { stdout: WODIM.output, exitCode: WODIM.exitCode } });
    const drives = await listDrivesWithTools({ spawner });
    expect(calls.map((c) => c.program)).toEqual(['cdrskin', 'wodim']);
    expect(drives.map((d) => [d.device, d.source])).toEqual([
      ['/dev/sg0', 'wodim'],
      ['/dev/sg1', 'wodim'],
      ['/dev/sg2', 'wodim'],
    ]);
    const none = path.join(dir, 'none');
    const discovered = await discoverDrives({ sysRoot: none, procRoot: none, devRoot: none, useTools: true, spawner });
    expect(discovered.map((d) => [d.name, d.generic])).toEqual([
      ['sg0', path.join(none, 'sg0')],
      ['sg1', path.join(none, 'sg1')],
      ['sg2', path.join(none, 'sg2')],
    ]);
  });

  it('asks wodim when cdrskin finds nothing', async () => {
    const { spawner, calls } = recordedSpawner({
      cdrskin: { stdout: CDRSKIN_NONE.output, exitCode: 0 },
      wodim: { stdout: WODIM.output, exitCode: 3 },
    });
    expect((await listDrivesWithTools({ spawner })).map((d) => d.device)).toEqual(['/dev/sg0', '/dev/sg1', '/dev/sg2']);
    expect(calls.map((c) => c.program)).toEqual(['cdrskin', 'wodim']);
  });

  it('no drives from either tool, or no tools at all: []', async () => {
    const none = path.join(dir, 'none');
    const roots = { sysRoot: none, procRoot: none, devRoot: none, useTools: true };
    const both = recordedSpawner({
      cdrskin: { stdout: CDRSKIN_NONE.output, exitCode: 0 },
      wodim: { stderr: WODIM_NONE.output, exitCode: 255 },
    });
    expect(await discoverDrives({ ...roots, spawner: both.spawner })).toEqual([]);
    const missing = recordedSpawner({});
    expect(await discoverDrives({ ...roots, spawner: missing.spawner })).toEqual([]);
    expect(missing.calls.map((c) => c.program)).toEqual(['cdrskin', 'wodim']);
  });

  it('a spawner that throws is skipped like a missing tool', async () => {
    const drives = await listDrivesWithTools({
      spawner: () => {
        throw new Error('EPERM');
      },
    });
    expect(drives).toEqual([]);
  });

  it("the caller's abort rejects with CancelledError", async () => {
    const { spawner } = recordedSpawner({ cdrskin: { stdout: CDRSKIN.output, exitCode: 0 } });
    const controller = new AbortController();
    controller.abort();
    const none = path.join(dir, 'none');
    await expect(
      discoverDrives({ sysRoot: none, procRoot: none, devRoot: none, useTools: true, spawner, signal: controller.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});

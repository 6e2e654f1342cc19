/**
 * A fake sysfs + procfs + devfs in a temp directory, with real symlinks,
 * laid out like the QEMU guest of the optical tools reference (samples
 * qemu-sys-block-sr0.txt, qemu-multi-proc-cdrom-info.txt,
 * qemu-multi-ls-dev.txt, qemu-udevadm-info-disc.txt, qemu-multi-lsblk.txt).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One drive of the fake tree. */
export interface FakeDrive {
  /** Kernel name `srN`. */
  readonly name: string;
  /** `sgN`. */
  readonly sg: string;
  /** SCSI address H:C:T:L. */
  readonly hctl: string;
  /** sysfs parent of the SCSI host, e.g. `pci0000:00/0000:00:01.1/ata2`. */
  readonly parent: string;
  /** INQUIRY strings, padded as the kernel shows them. */
  readonly vendor: string;
  readonly model: string;
  readonly rev: string;
  /** Name under /dev/disk/by-path (several allowed), if udev made one. */
  readonly byPath?: readonly string[];
  /** Name under /dev/disk/by-id, if any. */
  readonly byId?: readonly string[];
  /** Expose the sg device as the `generic` link only (no scsi_generic directory). */
  readonly genericLinkOnly?: boolean;
}

/** The three QEMU drives: one ATAPI DVD-ROM, two virtio-scsi CD-ROMs. */
export const QEMU_DRIVES: readonly FakeDrive[] = [
  {
    name: 'sr0',
    sg: 'sg0',
    hctl: '1:0:0:0',
    parent: 'pci0000:00/0000:00:01.1/ata2',
    vendor: 'QEMU    \n',
    model: 'QEMU DVD-ROM    \n',
    rev: '2.5+\n',
    byPath: ['pci-0000:00:01.1-ata-2', 'pci-0000:00:01.1-ata-2.0'],
    byId: ['ata-QEMU_DVD-ROM_QM00003'],
  },
  {
    name: 'sr1',
    sg: 'sg1',
    hctl: '2:0:0:0',
    parent: 'pci0000:00/0000:00:03.0/virtio0',
    vendor: 'QEMU    \n',
    model: 'QEMU CD-ROM     \n',
    rev: '2.5+\n',
    byPath: ['pci-0000:00:03.0-scsi-0:0:0:0'],
    byId: ['scsi-0QEMU_QEMU_CD-ROM_drive-scsi0-0-0-0'],
    genericLinkOnly: true,
  },
  {
    name: 'sr2',
    sg: 'sg2',
    hctl: '2:0:1:0',
    parent: 'pci0000:00/0000:00:03.0/virtio0',
    vendor: 'QEMU    \n',
    model: 'QEMU CD-ROM     \n',
    rev: '2.5+\n',
    byPath: ['pci-0000:00:03.0-scsi-0:0:1:0'],
    byId: ['scsi-0QEMU_QEMU_CD-ROM_drive-scsi0-0-1-0'],
  },
];

/** Roots of a fake tree. */
export interface FakeRoots {
  readonly sysRoot: string;
  readonly devRoot: string;
  readonly procRoot: string;
}

/** Build the tree under `dir`. `procInfo` is the /proc/sys/dev/cdrom/info text (omitted: no file). */
export function buildFakeTree(dir: string, drives: readonly FakeDrive[], procInfo?: string): FakeRoots {
  const sysRoot = path.join(dir, 'sys');
  const devRoot = path.join(dir, 'dev');
  const procRoot = path.join(dir, 'proc');
  mkdirSync(path.join(sysRoot, 'block'), { recursive: true });
  mkdirSync(path.join(devRoot, 'disk', 'by-path'), { recursive: true });
  mkdirSync(path.join(devRoot, 'disk', 'by-id'), { recursive: true });
  mkdirSync(path.join(procRoot, 'sys', 'dev', 'cdrom'), { recursive: true });
  if (procInfo !== undefined) writeFileSync(path.join(procRoot, 'sys', 'dev', 'cdrom', 'info'), procInfo);

  for (const d of drives) {
    const [host, , target] = d.hctl.split(':');
    const scsiRel = path.join('devices', d.parent, `host${host}`, `target${host}:0:${target}`, d.hctl);
    const scsiDir = path.join(sysRoot, scsiRel);
    const blockDir = path.join(scsiDir, 'block', d.name);
    mkdirSync(blockDir, { recursive: true });
    writeFileSync(path.join(scsiDir, 'vendor'), d.vendor);
    writeFileSync(path.join(scsiDir, 'model'), d.model);
    writeFileSync(path.join(scsiDir, 'rev'), d.rev);
    writeFileSync(path.join(scsiDir, 'type'), '5\n');
    // Without the directory the `generic` link dangles, as on kernels without scsi_generic/.
    if (d.genericLinkOnly !== true) mkdirSync(path.join(scsiDir, 'scsi_generic', d.sg), { recursive: true });
    symlinkSync(path.join('scsi_generic', d.sg), path.join(scsiDir, 'generic'));
    writeFileSync(path.join(blockDir, 'uevent'), `MAJOR=11\nMINOR=${d.name.slice(2)}\nDEVNAME=${d.name}\nDEVTYPE=disk\n`);
    writeFileSync(path.join(blockDir, 'size'), '2097151\n');
    writeFileSync(path.join(blockDir, 'events'), 'media_change eject_request\n');
    // /sys/block/srN/device -> ../../../H:C:T:L ; /sys/block/srN -> ../devices/.../block/srN
    symlinkSync(path.join('..', '..', '..', d.hctl), path.join(blockDir, 'device'));
    symlinkSync(path.join('..', scsiRel, 'block', d.name), path.join(sysRoot, 'block', d.name));

    writeFileSync(path.join(devRoot, d.name), '');
    writeFileSync(path.join(devRoot, d.sg), '');
    for (const link of d.byPath ?? []) symlinkSync(path.join('..', '..', d.name), path.join(devRoot, 'disk', 'by-path', link));
    for (const link of d.byId ?? []) symlinkSync(path.join('..', '..', d.name), path.join(devRoot, 'disk', 'by-id', link));
  }
  if (drives.some((d) => d.name === 'sr0')) symlinkSync('sr0', path.join(devRoot, 'cdrom'));
  return { sysRoot, devRoot, procRoot };
}

/**
 * The rig's robot: tgt's SCSI media changer (`--device-type changer`, SMC)
 * on the rig's target, with recorder LUNs as its data transfer elements,
 * so the guest has a jukebox it drives with `mtx` (see
 * ../shared/optical/README.md section 9, "A robot").
 *
 * - Media are files in a `media_home` folder, named by barcode; blanks are
 *   made with `tgtimg` (a blank DVD+R, as an empty file). `mtx load` makes
 *   the recorder's backing store the slot's file, so a burned disc's bytes
 *   end up in its media file.
 * - Slots as `mtx` numbers them: storage elements 1..storage (SCSI addresses
 *   1024..), then import/export (mail) slots (2000..); its drives are data
 *   transfer elements 0, 1, … (addresses 1, 2, …), the picker address 16.
 * - QEMU refuses to attach an MMC LUN with no medium, so the recorder LUN is
 *   created with a 0-byte placeholder backing file (`TgtTarget.addRecorder`):
 *   a blank DVD+R the changer does not know about. `takePlaceholderOut`
 *   takes it out (tray open, no disc) once the guest is up, so the drive is
 *   empty as the changer says until the first `mtx load`.
 * - The changer is attached to the guest with `-device scsi-generic` (SCSI
 *   type 8: a `/dev/sgN`, no block device).
 *
 * Every program is spawned with an argument array, never a shell.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runProgram } from '../vm/images.js';
import type { TgtTarget } from './tgt-target.js';

/** SCSI element addresses tgt gives the changer's elements (mtx numbers slots in this order). */
const STORAGE_BASE = 1024;
const MAIL_BASE = 2000;

/** The jukebox to build. */
export interface ChangerSpec {
  /** Drives: the target's recorders 1..drives become data transfer elements 0..drives-1. Default 1. */
  readonly drives?: number;
  /** Storage slots (mtx 1..storage). */
  readonly storage: number;
  /** Import/export (mail) slots after them (mtx storage+1..). Default 0. */
  readonly mail?: number;
  /** mtx slot numbers that start with a blank DVD+R in them. */
  readonly blanks: readonly number[];
}

/** A changer LUN on a running tgt target, its drive one of the target's recorders. */
export class TgtChanger {
  private blankCount = 0;

  private constructor(
    private readonly tgt: TgtTarget,
    /** The changer's LUN. */
    readonly lun: number,
    /** The recorder LUNs that are the changer's drives (data transfer elements 0, 1, …). */
    readonly driveLuns: readonly number[],
    /** Where the media files are. */
    readonly mediaHome: string,
    readonly spec: ChangerSpec,
  ) {}

  /** Create the changer (LUN `lun`) serving recorders `driveLuns` (in element order), with blanks in `spec.blanks`. */
  static async create(tgt: TgtTarget, options: { lun: number; driveLuns: readonly number[]; dir: string; spec: ChangerSpec }): Promise<TgtChanger> {
    const { lun, driveLuns, dir, spec } = options;
    const mail = spec.mail ?? 0;
    for (const slot of spec.blanks) {
      if (!(Number.isInteger(slot) && slot >= 1 && slot <= spec.storage + mail)) throw new RangeError(`no slot ${slot} in a changer of ${spec.storage}+${mail} slots`);
    }
    const mediaHome = path.join(dir, 'media');
    await mkdir(mediaHome, { recursive: true });
    const state = path.join(dir, 'smc');
    await writeFile(state, Buffer.alloc(1024));
    const changer = new TgtChanger(tgt, lun, driveLuns, mediaHome, spec);
    const lu = ['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'update', '--tid', '1', '--lun', String(lun), '--params'];
    // The drives may give their media up to the picker.
    for (const d of driveLuns) {
      await tgt.admin(['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'update', '--tid', '1', '--lun', String(d), '--params', 'removable=1']);
    }
    await tgt.admin(['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'new', '--tid', '1', '--lun', String(lun), '--device-type', 'changer', '-b', state]);
    await tgt.admin([...lu, 'removable=1']);
    await tgt.admin([...lu, `element_type=4,start_address=1,quantity=${driveLuns.length}`]);
    for (const [i, d] of driveLuns.entries()) await tgt.admin([...lu, `element_type=4,address=${i + 1},tid=1,lun=${d}`]);
    await tgt.admin([...lu, 'element_type=1,start_address=16,quantity=1']);
    await tgt.admin([...lu, `media_home=${mediaHome}`]);
    await tgt.admin([...lu, `element_type=2,start_address=${STORAGE_BASE},quantity=${spec.storage}`]);
    if (mail > 0) await tgt.admin([...lu, `element_type=3,start_address=${MAIL_BASE},quantity=${mail}`]);
    for (const slot of spec.blanks) await changer.putBlank(slot);
    return changer;
  }

  /** The SCSI element type and address of an mtx slot number. */
  private element(slot: number): { type: 2 | 3; address: number } {
    return slot <= this.spec.storage
      ? { type: 2, address: STORAGE_BASE + slot - 1 }
      : { type: 3, address: MAIL_BASE + slot - this.spec.storage - 1 };
  }

  /**
   * A person puts a new blank into an empty slot: a blank DVD+R made with
   * tgtimg (barcode `BLANK_NNN`), the slot marked full with it. Returns the
   * barcode.
   */
  async putBlank(slot: number): Promise<string> {
    this.blankCount++;
    const barcode = `BLANK_${String(this.blankCount).padStart(3, '0')}`;
    await runProgram('tgtimg', ['--op', 'new', '--device-type', 'cd', '--type', 'dvd+r', '--file', this.mediaFile(barcode)], 15_000);
    const { type, address } = this.element(slot);
    await this.tgt.admin(['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'update', '--tid', '1', '--lun', String(this.lun),
      '--params', `element_type=${type},address=${address},barcode=${barcode},sides=1`]);
    return barcode;
  }

  /** The media file of a barcode. */
  mediaFile(barcode: string): string {
    return path.join(this.mediaHome, barcode);
  }

  /** Bytes in a barcode's media file (what was burned on that disc). */
  async mediaBytes(barcode: string): Promise<number> {
    return (await stat(this.mediaFile(barcode))).size;
  }

  /** Take the drives' placeholder media out (tray open, no disc): each drive is empty, as the changer says. */
  async takePlaceholderOut(): Promise<void> {
    for (const d of this.driveLuns) await this.tgt.setOnline(d, false);
  }

  /** QEMU arguments attaching the changer to the guest's virtio-scsi bus (after the recorders' `scsi0`). */
  qemuArgs(): string[] {
    return [
      '-drive', `file=iscsi://127.0.0.1:${this.tgt.portalPort}/${this.tgt.targetName}/${this.lun},if=none,id=changer${this.lun},format=raw`,
      '-device', `scsi-generic,drive=changer${this.lun},bus=scsi0.0`,
    ];
  }
}

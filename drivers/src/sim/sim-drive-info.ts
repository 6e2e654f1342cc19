/**
 * What a simulated drive says about itself (`Drive.info`): its identity,
 * the media its writer class reads and writes, and its top write speed for
 * the disc in it (the drive's and the disc's rating, whichever is lower).
 */
import type { DeviceAddress, DriveInfo } from '../drive-contract.js';
import { mediaClassOf } from '../media.js';
import type { SimDisc } from './sim-disc.js';
import { mediaRatedWriteX, SPEED_PROFILES } from './speed-model.js';
import { WRITER_READS, WRITER_WRITES, writerWrites } from './writer-capability.js';
import type { WriterClass } from './writer-capability.js';

/** The drive information of simulated drive `sim:<index>` holding `disc`. */
export function simulatedDriveInfo(
  drive: { readonly address: DeviceAddress; readonly index: number; readonly writer: WriterClass },
  disc: SimDisc | null,
): DriveInfo {
  const cls = disc === null ? null : mediaClassOf(disc.type);
  const maxWriteSpeedX = disc !== null && cls !== null && writerWrites(drive.writer, disc.type)
    ? Math.min(SPEED_PROFILES[cls].maxWriteX, mediaRatedWriteX(disc.type))
    : SPEED_PROFILES[drive.writer].maxWriteX;
  return {
    address: drive.address,
    stableId: `sim:${drive.index}`,
    kind: 'sim',
    vendor: 'TOWER',
    model: `SIMULATED ${drive.writer.toUpperCase()}-WRITER`,
    firmware: 'SIM1',
    reads: WRITER_READS[drive.writer],
    writes: WRITER_WRITES[drive.writer],
    canTestWrite: true,
    maxWriteSpeedX,
  };
}

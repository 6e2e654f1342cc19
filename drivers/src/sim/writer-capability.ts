/**
 * What a simulated drive can read and write, by its best media class.
 */
import type { MediaType } from '../drive-contract.js';

/** The best media class a simulated drive writes (and reads). */
export type WriterClass = 'cd' | 'dvd' | 'bd';

/** Media types each writer class records. */
export const WRITER_WRITES: Readonly<Record<WriterClass, readonly MediaType[]>> = {
  cd: ['CD-R', 'CD-RW'],
  dvd: ['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL'],
  bd: ['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL'],
};
/** Media types each writer class reads. */
export const WRITER_READS: Readonly<Record<WriterClass, readonly MediaType[]>> = {
  cd: ['CD-ROM', 'CD-R', 'CD-RW'],
  dvd: ['CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL', 'DVD-RAM'],
  bd: ['CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL', 'DVD-RAM',
    'BD-ROM', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL'],
};

/** True when a writer class records a media type. */
export function writerWrites(writer: WriterClass, type: MediaType): boolean {
  return WRITER_WRITES[writer].includes(type);
}

/**
 * Media classes, their nominal capacities and the image-fits-media rule.
 */
import type { MediaType } from './drive-contract.js';

/** Bytes in one data sector (CD mode 1, DVD, BD). */
export const SECTOR_BYTES = 2048;
/** Bytes in one raw CD frame (audio, MODE1/2352, MODE2/2352). */
export const RAW_SECTOR_BYTES = 2352;

/** Queue classes: a drive only takes copies of the class its blank disc belongs to. */
export type MediaClass = 'cd' | 'dvd' | 'dvd-dl' | 'bd' | 'bd-dl';

/** Sizes a shop buys, each in one class. */
export type MediaSize = 'cd-650' | 'cd-700' | 'cd-800' | 'dvd' | 'dvd-dl' | 'bd' | 'bd-dl';

export interface MediaSizeInfo {
  readonly size: MediaSize;
  readonly mediaClass: MediaClass;
  readonly label: string;
  /** Recordable sectors (2048 bytes, or CD frames) of the smallest common disc of this size. */
  readonly sectors: number;
}

/**
 * Nominal capacities. Where DVD+R and DVD-R differ, the smaller one, so an
 * image said to fit fits both. CD sizes are in frames (74, 80, 90 minutes).
 */
export const MEDIA_SIZES: readonly MediaSizeInfo[] = [
  { size: 'cd-650', mediaClass: 'cd', label: 'CD 650 MB (74 min)', sectors: 333_000 },
  { size: 'cd-700', mediaClass: 'cd', label: 'CD 700 MB (80 min)', sectors: 359_846 },
  { size: 'cd-800', mediaClass: 'cd', label: 'CD 800 MB (90 min)', sectors: 405_000 },
  { size: 'dvd', mediaClass: 'dvd', label: 'DVD 4.7 GB', sectors: 2_295_104 },
  { size: 'dvd-dl', mediaClass: 'dvd-dl', label: 'DVD DL 8.5 GB', sectors: 4_171_712 },
  { size: 'bd', mediaClass: 'bd', label: 'BD 25 GB', sectors: 12_219_392 },
  { size: 'bd-dl', mediaClass: 'bd-dl', label: 'BD DL 50 GB', sectors: 24_438_784 },
];

/** Media class of a physical media type, or null for files. */
export function mediaClassOf(type: MediaType): MediaClass | null {
  switch (type) {
    case 'CD-ROM': case 'CD-R': case 'CD-RW': return 'cd';
    case 'DVD-ROM': case 'DVD-R': case 'DVD-RW': case 'DVD+R': case 'DVD+RW': case 'DVD-RAM': return 'dvd';
    case 'DVD-R DL': case 'DVD+R DL': return 'dvd-dl';
    case 'BD-ROM': case 'BD-R': case 'BD-RE': return 'bd';
    case 'BD-R DL': case 'BD-RE DL': return 'bd-dl';
    case 'file': return null;
  }
}

/**
 * Every recordable media type (write-once and rewritable), smallest first: what
 * a blank disc can be, what a shop keeps in stock.
 */
export const RECORDABLE_MEDIA_TYPES = [
  'CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-RAM', 'DVD-R DL', 'DVD+R DL', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL',
] as const satisfies readonly MediaType[];

/** True for media that can be blanked/overwritten. */
export function isRewritable(type: MediaType): boolean {
  return ['CD-RW', 'DVD-RW', 'DVD+RW', 'DVD-RAM', 'BD-RE', 'BD-RE DL', 'file'].includes(type);
}

/** True for media that can be written at all (blank write-once or rewritable). */
export function isRecordable(type: MediaType): boolean {
  return !['CD-ROM', 'DVD-ROM', 'BD-ROM'].includes(type);
}

/** Nominal 1x rates in bytes per second. */
export const ONE_X_BYTES_PER_SECOND: Readonly<Record<MediaClass, number>> = {
  cd: 153_600,
  dvd: 1_385_000,
  'dvd-dl': 1_385_000,
  bd: 4_495_000,
  'bd-dl': 4_495_000,
};

/** One track of a CUE image, as the fit rule needs it. */
export interface TrackLayout {
  /** CUE track mode: AUDIO, MODE1/2048, MODE1/2352, MODE2/2336, MODE2/2352, CDG... */
  readonly mode: string;
  /** Frames (sectors) the track occupies on disc, pregap included. */
  readonly frames: number;
}

/** What the fit rule needs to know about an image. */
export type ImageShape =
  | { readonly format: 'iso'; readonly sizeBytes: number }
  | { readonly format: 'cue'; readonly tracks: readonly TrackLayout[] };

/** Sectors an image occupies on disc. ISO: size rounded up to whole 2048-byte sectors. CUE: its frames. */
export function imageSectors(image: ImageShape): number {
  if (image.format === 'iso') return Math.ceil(image.sizeBytes / SECTOR_BYTES);
  return image.tracks.reduce((sum, t) => sum + t.frames, 0);
}

/**
 * Media sizes an image fits, smallest first. A CUE image (audio, raw or mixed
 * tracks) only fits CDs: those layouts exist only on CD.
 */
export function mediaSizesFor(image: ImageShape): MediaSizeInfo[] {
  const sectors = imageSectors(image);
  return MEDIA_SIZES.filter((m) => (image.format === 'iso' || m.mediaClass === 'cd') && sectors <= m.sectors);
}

/** Media classes an image fits, smallest first (deduplicated). */
export function mediaClassesFor(image: ImageShape): MediaClass[] {
  return [...new Set(mediaSizesFor(image).map((m) => m.mediaClass))];
}

/** Smallest media class an image fits, or null when it fits none. */
export function smallestMediaClassFor(image: ImageShape): MediaClass | null {
  return mediaClassesFor(image)[0] ?? null;
}

/**
 * Where an agent puts the discs it masters: the port the agent needs of an
 * image library, so the agent never depends on the controller's. The
 * process that starts the agent wires the library in (`tower start`, or
 * `tower agent` on a host that shares the library folder).
 */

/** Where a master was read: the drive, the agent and when (ISO 8601). */
export interface MasterProvenance {
  readonly kind: 'mastered';
  readonly drive: string;
  readonly agent: string;
  readonly at: string;
}

/** What the agent says of a master it hands over. */
export interface MasteredImage {
  /** `iso` for data discs, `bin-cue` for audio and multi-track discs (the path is then the CUE sheet). */
  readonly format: 'iso' | 'bin-cue';
  readonly name: string;
  readonly provenance: MasterProvenance;
  /** Accept a disc with unreadable sectors (their ranges in `damage`). */
  readonly allowDamaged: boolean;
  /** SHA-256 computed while the disc was read (ISO), so the library need not read it again. */
  readonly sha256?: string;
  readonly damage?: { readonly unreadable: readonly { readonly startSector: number; readonly sectors: number }[] };
  /** `bin-cue`: cdrdao's TOC file beside the sheet (CD-TEXT, ISRC, catalog, pregaps), kept in the library with the image. */
  readonly tocFile?: string;
}

/** An image library that takes masters. */
export interface MasterLibrary {
  /** The library's folder: masters are written under `<dir>/.mastering/`, on the same volume, then moved in. */
  readonly dir: string;
  /** Check the file, move it into the library and record it; resolves with its record's id. */
  addMasteredImage(file: string, image: MasteredImage): Promise<{ readonly id: string }>;
}

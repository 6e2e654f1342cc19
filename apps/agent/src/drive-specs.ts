/**
 * What an agent is told to open: its drives (listed, or discovered with
 * extras) and the jukeboxes that feed them. The controller's configuration
 * resolves `tower.json` into these.
 */
import type { MediaType } from 'node-cdrecord-wrapper';

/** A drive the agent opens. */
export interface DriveSpec {
  /** Device string for `openDrive` (sim settings included). */
  readonly device: string;
  /** Stable id the drive is known by (`sim:N`, the stdio path, `/dev/srN` or its by-path link for `auto`). */
  readonly id: string;
  readonly label: string;
  readonly position: number;
  readonly group?: string;
  /** For `stdio:` pseudo drives: the blank media type the file stands for. */
  readonly stdioMedia?: MediaType;
  /** For `stdio:` pseudo drives: the folder each burned disc is kept in (`StdioOutputBin`); absent: the next burn overwrites the file. */
  readonly stdioOutputDir?: string;
  /** Real drives: the recorder writes CD-TEXT (`CdrecordDriveOptions.cdText`). */
  readonly cdText?: boolean;
  /** Real drives: the cdrdao driver, `NAME[:0xHEX]` (`CdrecordDriveOptions.cdrdaoDriver`). */
  readonly cdrdaoDriver?: string;
  readonly simulated: boolean;
}

/** A jukebox's changer and the drives of this agent it feeds (the controller's configuration schema checks them). */
export interface ChangerSpec {
  /** The changer's SCSI generic node (`/dev/sgN`). */
  readonly device: string;
  readonly label: string;
  /** Each drive it feeds (a drive's device or id as configured) with its data transfer element number. */
  readonly drives: readonly { readonly drive: string; readonly element: number }[];
  /** Slot numbers by role, shared by its drives. */
  readonly slots: { readonly input: readonly number[]; readonly output: readonly number[]; readonly reject: readonly number[] };
}

/** Where the drives come from: a list, or discovery of this host's real drives. */
export type DriveSource =
  | { readonly kind: 'list'; readonly drives: readonly DriveSpec[] }
  | { readonly kind: 'auto'; readonly extra: readonly DriveSpec[] };

/** How a `CdrecordDrive` is made: its address, tools and how it remembers and watches media. */
import type { Spawner } from '../tool-process.js';
import type { KernelMediaWatchOptions } from './kernel-media-watch.js';
import type { MediaRecheckOptions } from './media-recheck.js';
import type { BurnerProgram } from './tool-locator.js';

export interface CdrecordDriveOptions {
  /** `/dev/srN` (or another device path) or `stdio:/path/to/file`. */
  readonly address: string;
  /** Burner for real drives; default the first of cdrskin, wodim, cdrecord on PATH. `stdio:` always uses cdrskin. */
  readonly burner?: BurnerProgram;
  /** Process starter, for tests. */
  readonly spawner?: Spawner;
  /** Environment for the tools (PATH lookup too). Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** SIGTERM-to-SIGKILL grace when a run is cancelled. */
  readonly killGraceMs?: number;
  /**
   * Real drives: how long a media answer is reused (ms) before the drive is
   * asked again; default 2000. A drive worker's look, the copy's check and
   * the burn's own check then cost one `-minfo` run. Burning, blanking,
   * ejecting or loading through this object forgets the answer at once. 0
   * asks the drive every time. `stdio:` targets are always looked at afresh.
   */
  readonly mediaReuseMs?: number;
  /** Real drives: past `mediaReuseMs`, a disc answer is kept while the kernel's media change count stays (media-recheck.ts). */
  readonly mediaRecheck?: MediaRecheckOptions;
  /** Real drives: how `watch()` looks for a disc coming into the empty drive (kernel-media-watch.ts). */
  readonly mediaWatch?: KernelMediaWatchOptions;
  /** Real drives: the recorder writes CD-TEXT (tower.json `"cdText": true`): a TOC's CD-TEXT is burned (cdrdao driver option 0x10), else refused. */
  readonly cdText?: boolean;
  /** Real drives: the cdrdao driver, `NAME[:0xHEX]` (cdrdao-driver.ts); default cdrdao's choice (`generic-mmc` for CD-TEXT). */
  readonly cdrdaoDriver?: string;
}

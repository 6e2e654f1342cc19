/**
 * The rig's operator, on the host: it watches the recorders, and when the
 * guest ejects one (tgt takes the LUN offline) it keeps the burned disc's
 * bytes, loads a blank (the backing file emptied) and closes the tray
 * (`online=1`), as a person or an auto-loader at a tower would.
 *
 * An optional stack limits the blanks per recorder: an empty stack leaves the
 * tray open, which the tower must report as needing a person.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TgtTarget } from './tgt-target.js';

/** One disc the loader took out of a recorder. */
export interface KeptDisc {
  readonly lun: number;
  readonly file: string;
  readonly bytes: number;
  readonly at: number;
}

export interface DiscLoaderOptions {
  /** Where kept discs go (`lun<N>-<k>.img`). */
  readonly outDir: string;
  /** Blanks each recorder may still get; unlimited when absent. */
  readonly blanksPerRecorder?: number;
  /** How often tgtd is asked. */
  readonly pollMs?: number;
  /**
   * Close the tray again on an ejected blank (default true). False leaves it
   * open, as an operator who only swaps burned discs would: a test can then
   * see the tray open and close it itself.
   */
  readonly reloadEjectedBlanks?: boolean;
}

/** Watches the recorders of one tgt target and changes discs. Call `stop()`. */
export class DiscLoader {
  readonly kept: KeptDisc[] = [];
  /** Trays seen open with nothing burned in them (ejected blanks). */
  readonly blankEjects: number[] = [];
  readonly errors: string[] = [];
  private readonly loaded = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private paused = new Set<number>();
  /** Trays with a blank the loader leaves open (`reloadEjectedBlanks: false`). */
  private readonly leftOpen = new Set<number>();

  constructor(
    private readonly tgt: TgtTarget,
    private readonly options: DiscLoaderOptions,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.options.outDir, { recursive: true });
    this.schedule();
  }

  /** Leave a recorder alone (a fault test drives it by hand) or give it back. */
  hold(lun: number, held: boolean): void {
    if (held) this.paused.add(lun);
    else this.paused.delete(lun);
  }

  /** Discs kept from one recorder. */
  keptFrom(lun: number): KeptDisc[] {
    return this.kept.filter((k) => k.lun === lun);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => this.schedule());
    }, this.options.pollMs ?? 150);
  }

  private async sweep(): Promise<void> {
    let states;
    try {
      states = await this.tgt.lunStates();
    } catch (err) {
      this.note(`tgtadm show: ${String(err)}`);
      return;
    }
    for (const s of states) {
      if (s.online) this.leftOpen.delete(s.lun);
      if (s.online || this.paused.has(s.lun) || this.stopped) continue;
      try {
        await this.change(s.lun);
      } catch (err) {
        this.note(`recorder ${s.lun}: ${String(err)}`);
      }
    }
  }

  private async change(lun: number): Promise<void> {
    const { size } = await stat(this.tgt.discFile(lun));
    if (size > 0) {
      const n = this.keptFrom(lun).length + 1;
      const file = path.join(this.options.outDir, `lun${lun}-${n}.img`);
      const bytes = await this.tgt.swapForBlank(lun, file);
      this.kept.push({ lun, file, bytes, at: Date.now() });
    } else {
      if (this.options.reloadEjectedBlanks === false) {
        if (!this.leftOpen.has(lun)) this.blankEjects.push(lun);
        this.leftOpen.add(lun);
        return;
      }
      this.blankEjects.push(lun);
    }
    const given = this.loaded.get(lun) ?? 0;
    if (this.options.blanksPerRecorder !== undefined && given >= this.options.blanksPerRecorder) return;
    this.loaded.set(lun, given + 1);
    await this.tgt.setOnline(lun, true);
  }

  private note(message: string): void {
    if (this.errors.length < 50) this.errors.push(message);
  }

  /** Stop watching (waits for a change in progress). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

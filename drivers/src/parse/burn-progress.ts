/**
 * Progress and summary lines of cdrskin, wodim, cdrecord and cdrdao burns,
 * and the line splitter that turns their output chunks into lines.
 *
 * Pure functions: no I/O. Formats are documented in the optical tools
 * reference (README §2.2, §4.5, §5.1, §5.2, §5.9).
 */

// eslint-disable-next-line no-control-regex -- \x08 is wodim's backspace
const SEPARATORS = /\r\n|\r|\n|\x08+/;

/**
 * Splits tool output into lines on CR, LF and wodim's backspace runs.
 *
 * cdrskin sends each progress update as a chunk that starts with `\r` and has
 * no trailing newline, so the last piece of a chunk stays buffered until the
 * next separator arrives; `pending` exposes it for callers that want to show
 * progress without waiting for the next chunk.
 */
export class LineSplitter {
  private buffer = '';

  /** Feed one chunk; returns the complete, non-blank lines it finished. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    // wodim's grace-time countdown rewrites itself with runs of \b: treat them as separators.
    const pieces = this.buffer.split(SEPARATORS);
    this.buffer = pieces.pop() ?? '';
    return pieces.filter((p) => p.trim() !== '');
  }

  /** The unterminated piece received so far ('' when none). */
  get pending(): string {
    return this.buffer;
  }

  /** Returns the buffered unterminated piece as a last line (or nothing) and resets. */
  flush(): string[] {
    const rest = this.buffer;
    this.buffer = '';
    return rest.trim() === '' ? [] : [rest];
  }
}

/** Split a whole captured output into lines (CR, LF and backspace runs). */
export function splitToolLines(text: string): string[] {
  const splitter = new LineSplitter();
  return [...splitter.push(text), ...splitter.flush()];
}

/** A periodic progress line. Sizes are MiB as the tools print them (bytes >> 20). */
export interface ProgressLine {
  readonly kind: 'progress';
  /** Which family printed it: cdrecord-style (cdrskin, wodim, cdrecord, xorriso -as cdrecord) or cdrdao. */
  readonly format: 'cdrecord' | 'cdrdao';
  /** Track number, when the line names one. */
  readonly track: number | null;
  readonly writtenMiB: number;
  /** Track (or disc) size in MiB; null when the tool does not know it. */
  readonly totalMiB: number | null;
  /** Host FIFO fill (cdrdao: its ring buffer), when printed. */
  readonly fifoPercent: number | null;
  /** Drive buffer fill, when printed. */
  readonly bufferPercent: number | null;
  /** Speed as the tool prints it (x of its unit), null on lines without one. */
  readonly speedX: number | null;
}

/** `Track 01: Total bytes read/written: A/B (N sectors).` */
export interface TotalBytesLine {
  readonly kind: 'total';
  readonly track: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly sectors: number;
}

/** `Writing  time:  0.061s` */
export interface WritingTimeLine {
  readonly kind: 'writing-time';
  readonly seconds: number;
}

/** `Average write speed  39.9x.` */
export interface AverageSpeedLine {
  readonly kind: 'average-speed';
  readonly speedX: number;
}

/** `Min drive buffer fill was 50%` */
export interface MinBufferLine {
  readonly kind: 'min-buffer';
  readonly percent: number;
}

/** cdrdao's `Wrote 282528 blocks. Buffer fill min 93%/max 100%.` */
export interface BlocksWrittenLine {
  readonly kind: 'blocks-written';
  readonly blocks: number;
  readonly minFillPercent: number | null;
}

/** A line that marks a phase of the burn (`Fixating...`, `cdrskin: working post-track`, cdrdao's lead-in/lead-out). */
export interface PhaseLine {
  readonly kind: 'phase';
  readonly phase: 'preparing' | 'writing' | 'fixating';
  readonly text: string;
}

export type BurnLine =
  | ProgressLine
  | TotalBytesLine
  | WritingTimeLine
  | AverageSpeedLine
  | MinBufferLine
  | BlocksWrittenLine
  | PhaseLine;

// Not anchored at the end: in merged captures stderr text can follow on the same line.
const CDRECORD_PROGRESS =
  /^\s*(?:Track\s+(\d+):|xorriso : UPDATE :)\s+(\d+)(?:\s+of\s+(\d+))?\s+MB written(?:\s+\(fifo\s*(\d+)%\))?(?:\s+\[buf\s*(\d+)%\])?(?:\s+\|\s*\d+\s+\d+ms\|)?(?:\s+([\d.]+)x)?/;
const CDRDAO_PROGRESS = /^\s*Wrote\s+(\d+)\s+of\s+(\d+)\s+MB(?:\s+\(Buffers?\s+(\d+)%(?:\s+(\d+)%)?\))?\./;
const TOTAL = /^\s*Track\s+(\d+):\s+Total bytes read\/written:\s+(\d+)\/(\d+)\s+\((\d+) sectors\)/;
const WRITING_TIME = /^\s*Writing\s+time:\s+([\d.]+)s/;
const AVERAGE = /^\s*Average write speed\s+([\d.]+)x/;
const MIN_BUFFER = /^\s*Min drive buffer fill was\s+(\d+)%/;
const BLOCKS = /^\s*Wrote\s+(\d+)\s+blocks\.(?:\s+Buffer fill min\s+(\d+)%)?/;

const PHASES: readonly { readonly pattern: RegExp; readonly phase: PhaseLine['phase'] }[] = [
  { pattern: /^\s*Fixating\.\.\./, phase: 'fixating' },
  { pattern: /^\s*cdrskin: working post-track/, phase: 'fixating' },
  { pattern: /^\s*Writing lead-out/, phase: 'fixating' },
  { pattern: /^\s*Flushing cache/, phase: 'fixating' },
  // growisofs: "/dev/sr1: flushing cache", "/dev/sr1: closing track", "… closing disc".
  { pattern: /^\S+: (?:flushing cache|closing (?:track|session|disc)|writing lead-out)\s*$/, phase: 'fixating' },
  { pattern: /^\s*Starting to write CD\/DVD/, phase: 'preparing' },
  { pattern: /^\s*Starting write (?:simulation )?at speed/, phase: 'preparing' },
  { pattern: /^\s*(?:Performing OPC|Executing power calibration|Writing lead-in)/, phase: 'preparing' },
  // The FIFO is full before the drive calibrates: cdrecord prints "Performing OPC..." after this line.
  { pattern: /input buffer ready\.$/, phase: 'preparing' },
  { pattern: /^\s*Writing track \d+ \(mode/, phase: 'writing' },
  { pattern: /^\s*Starting new track at sector/, phase: 'writing' },
];

function optionalInt(text: string | undefined): number | null {
  return text === undefined ? null : Number.parseInt(text, 10);
}

/**
 * Parse one line of burn output. Returns null for lines that are neither
 * progress nor a summary/phase line.
 */
export function parseBurnProgressLine(line: string): BurnLine | null {
  let m = CDRECORD_PROGRESS.exec(line);
  if (m) {
    const speed = m[6] === undefined ? null : Number.parseFloat(m[6]);
    return {
      kind: 'progress',
      format: 'cdrecord',
      track: optionalInt(m[1]),
      writtenMiB: Number.parseInt(m[2] ?? '0', 10),
      totalMiB: optionalInt(m[3]),
      fifoPercent: optionalInt(m[4]),
      bufferPercent: optionalInt(m[5]),
      speedX: speed === null || Number.isNaN(speed) ? null : speed,
    };
  }
  m = CDRDAO_PROGRESS.exec(line);
  if (m) {
    // "(Buffers x% y%)": the ring buffer then the drive buffer; "(Buffer x%)": ring buffer only.
    return {
      kind: 'progress',
      format: 'cdrdao',
      track: null,
      writtenMiB: Number.parseInt(m[1] ?? '0', 10),
      totalMiB: optionalInt(m[2]),
      fifoPercent: optionalInt(m[3]),
      bufferPercent: optionalInt(m[4]),
      speedX: null,
    };
  }
  m = TOTAL.exec(line);
  if (m) {
    return {
      kind: 'total',
      track: Number(m[1]),
      bytesRead: Number(m[2]),
      bytesWritten: Number(m[3]),
      sectors: Number(m[4]),
    };
  }
  m = WRITING_TIME.exec(line);
  if (m) return { kind: 'writing-time', seconds: Number.parseFloat(m[1] ?? '0') };
  m = AVERAGE.exec(line);
  if (m) return { kind: 'average-speed', speedX: Number.parseFloat(m[1] ?? '0') };
  m = MIN_BUFFER.exec(line);
  if (m) return { kind: 'min-buffer', percent: Number(m[1]) };
  m = BLOCKS.exec(line);
  if (m) return { kind: 'blocks-written', blocks: Number(m[1]), minFillPercent: optionalInt(m[2]) };
  for (const { pattern, phase } of PHASES) {
    if (pattern.test(line)) return { kind: 'phase', phase, text: line.trim() };
  }
  return null;
}

/** What the summary lines of a finished burn say. */
export interface BurnSummary {
  /** Bytes written according to the last `Total bytes read/written` line (summed over tracks). */
  readonly bytesWritten: number | null;
  readonly writingSeconds: number | null;
  readonly averageSpeedX: number | null;
  readonly minBufferPercent: number | null;
  /** Highest MiB count seen on progress lines. */
  readonly lastWrittenMiB: number | null;
}

/** Collect the summary of a burn from its whole output. */
export function summarizeBurnOutput(text: string): BurnSummary {
  const totals = new Map<number, number>();
  let writingSeconds: number | null = null;
  let averageSpeedX: number | null = null;
  let minBufferPercent: number | null = null;
  let lastWrittenMiB: number | null = null;
  let cdrdaoBlocks: number | null = null;
  for (const line of splitToolLines(text)) {
    const parsed = parseBurnProgressLine(line);
    if (!parsed) continue;
    switch (parsed.kind) {
      case 'total': totals.set(parsed.track, parsed.bytesWritten); break;
      case 'writing-time': writingSeconds = parsed.seconds; break;
      case 'average-speed': averageSpeedX = parsed.speedX; break;
      case 'min-buffer': minBufferPercent = parsed.percent; break;
      case 'blocks-written': cdrdaoBlocks = parsed.blocks; break;
      case 'progress':
        lastWrittenMiB = Math.max(lastWrittenMiB ?? 0, parsed.writtenMiB);
        break;
      case 'phase': break;
    }
  }
  let bytesWritten: number | null = null;
  if (totals.size > 0) bytesWritten = [...totals.values()].reduce((a, b) => a + b, 0);
  // cdrdao counts blocks of the track's own sector size; 2048 holds for data tracks only, so it is a lower bound.
  else if (cdrdaoBlocks !== null) bytesWritten = cdrdaoBlocks * 2048;
  return { bytesWritten, writingSeconds, averageSpeedX, minBufferPercent, lastWrittenMiB };
}

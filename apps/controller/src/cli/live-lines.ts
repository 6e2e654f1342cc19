/**
 * The lines of the live views (`tower watch`, `tower run --wait`): a line per
 * drive and a line per run, each fitted to the terminal's width so a row
 * never wraps. What goes first when the width runs short is defined here:
 *
 * - drive lines keep DRIVE, STATE, % and ETA; before them long names and
 *   notes are cut with an ellipsis, the bar is narrowed, SPEED and the bar
 *   are dropped, then RUN/COPY, and at last NOTE ({@link DRIVE_FIT_STEPS});
 * - run lines keep the id, status, passed/failed counts and ETA; before them
 *   the rate and the other counts go, then the image name and the status
 *   reason are cut ({@link fittedRunLine}).
 */
import type { DriveView, RunView } from '../shared/api-types.js';
import { formatDuration, formatPercent, formatRate, formatSpeedX } from '../shared/units.js';
import type { FitColumn, FitStep } from './fitted-table.js';
import { ellipsize, renderFittedTable } from './fitted-table.js';
import { progressBar } from './format.js';
import { driveName, driveNote, runCopy, runCounts, shortId, sortDrives } from './views.js';

/** The bar's width in characters, brackets not counted, when there is room. */
const BAR_WIDTH = 20;

function active(d: DriveView): boolean {
  return d.percent !== null && (d.state === 'burning' || d.state === 'verifying' || d.state === 'busy');
}

const DRIVE_COLUMNS: readonly FitColumn<DriveView>[] = [
  { header: 'DRIVE', cell: (d) => driveName(d) },
  { header: 'STATE', minWidth: 11, cell: (d) => d.state },
  { header: 'PROGRESS', minWidth: BAR_WIDTH + 2, cell: (d, width) => (active(d) ? progressBar(d.percent, (width ?? BAR_WIDTH + 2) - 2) : '') },
  { header: '%', align: 'right', minWidth: 4, cell: (d) => (active(d) ? formatPercent(d.percent) : '') },
  { header: 'SPEED', align: 'right', minWidth: 6, cell: (d) => (active(d) ? formatSpeedX(d.speedX) : '') },
  { header: 'ETA', align: 'right', minWidth: 5, cell: (d) => (active(d) ? formatDuration(d.etaSeconds) : '') },
  { header: 'RUN/COPY', minWidth: 12, cell: (d) => runCopy(d) },
  { header: 'NOTE', cell: (d) => driveNote(d) },
];

/**
 * How the drive lines give way, first step first, until they fit: DRIVE,
 * STATE, % and ETA always stay (a drive name is cut to 6 characters at the
 * least). Long names and notes are cut before any column goes; the note (why
 * a drive needs a person) outlives the bar, SPEED and RUN/COPY.
 */
export const DRIVE_FIT_STEPS: readonly FitStep[] = [
  { narrow: 'DRIVE', to: 24 },
  { narrow: 'NOTE', to: 24 },
  { narrow: 'PROGRESS', to: 12 },
  { narrow: 'NOTE', to: 16 },
  { drop: 'SPEED' },
  { drop: 'PROGRESS' },
  { narrow: 'DRIVE', to: 16 },
  { drop: 'RUN/COPY' },
  { narrow: 'NOTE', to: 10 },
  { narrow: 'DRIVE', to: 10 },
  { drop: 'NOTE' },
  { narrow: 'DRIVE', to: 6 },
];

/** A header and one line per drive (in tower order), each at most `width` characters (default: as wide as they are). */
export function renderDriveLines(drives: readonly DriveView[], width = Number.POSITIVE_INFINITY): string[] {
  return renderFittedTable(DRIVE_COLUMNS, sortDrives(drives), width, DRIVE_FIT_STEPS, 'No drives.');
}

/** Least characters of the status reason, and of the image name, worth showing. */
const REASON_AT_LEAST = 12;
const NAME_AT_LEAST = 6;

/**
 * One line for a run, at most `width` characters: as `runLine` (views.ts)
 * when it fits; else without the rate, then with passed and failed counts
 * only, then with the image name cut (or left out: the id names the run),
 * then the status reason cut and at last left out.
 */
export function fittedRunLine(run: RunView, width = Number.POSITIVE_INFINITY): string {
  const rate = run.discsPerHour === null ? '' : `, ${formatRate(run.discsPerHour)}`;
  const eta = run.etaSeconds === null ? '' : `, ETA ${formatDuration(run.etaSeconds)}`;
  const reason = run.statusReason ?? '';
  const line = (name: string, why: string, counts: string, extra: string): string =>
    `run ${shortId(run.id)}${name === '' ? '' : ` ${name}`}: ${run.status}${why === '' ? '' : ` (${why})`}, ${counts}${extra}${eta}`;
  const fewer = `${run.passed}/${run.copies} passed, ${run.failed} failed`;
  for (const candidate of [line(run.imageName, reason, runCounts(run), rate), line(run.imageName, reason, runCounts(run), ''), line(run.imageName, reason, fewer, '')]) {
    if (candidate.length <= width) return candidate;
  }
  // Room for ` name` and ` (reason)`: the reason keeps its first characters first, the name what is left.
  const room = width - line('', '', fewer, '').length;
  const named = (space: number): string => (space - 1 >= NAME_AT_LEAST ? ellipsize(run.imageName, space - 1) : '');
  let name = named(room);
  let why = '';
  if (reason !== '' && room - 3 >= Math.min(reason.length, REASON_AT_LEAST)) {
    name = named(room - 3 - Math.min(reason.length, REASON_AT_LEAST));
    why = ellipsize(reason, room - 3 - (name === '' ? 0 : name.length + 1));
  }
  return ellipsize(line(name, why, fewer, ''), width);
}

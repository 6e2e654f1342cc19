/**
 * `--speed` and `stdio:` pseudo drives: cdrskin writes a pseudo drive's file
 * as fast as the file system takes it, whatever speed is asked, so a speed
 * given for one has no effect. The CLI says so in one warning line on stderr
 * (`tower drive burn stdio:… --speed`, `tower run … --speed` when the run may
 * go to such drives) rather than ignoring it in silence.
 */
import type { DriveView } from '../shared/api-types.js';

/** The warning, without the drives it concerns. */
export const STDIO_SPEED_WARNING = 'tower: warning: --speed is ignored on stdio: pseudo drives (cdrskin writes them at file speed)';

/** Drives named in the run warning before "and N more". */
const NAMED_AT_MOST = 3;

/** True for a `stdio:` device address, as `tower drive …` takes it. */
export function isStdioAddress(device: string): boolean {
  return device.startsWith('stdio:');
}

/**
 * True for the controller's id of a `stdio:` pseudo drive, which is its
 * file's path: a real drive's id is its device under /dev/ (a pseudo drive's
 * file under /dev/ is taken for a real drive), a simulated one's `sim:N`.
 */
export function isStdioDriveId(id: string): boolean {
  return isStdioAddress(id) || (!id.startsWith('sim:') && !id.startsWith('/dev/'));
}

/**
 * The stdio: pseudo drives among `drives` that a run limited to `names`
 * (drive ids or groups; absent: all drives) may use. A name that is no
 * drive's id is a group, which the CLI cannot see into: then every drive
 * counts, and the warning names the pseudo drives it means.
 */
export function stdioDrivesOfRun(drives: readonly DriveView[], names: readonly string[] | undefined): DriveView[] {
  const stdio = drives.filter((d) => isStdioDriveId(d.id));
  if (names === undefined) return stdio;
  const ids = new Set(drives.map((d) => d.id));
  const wanted = new Set(names.map((n) => (isStdioAddress(n) && !ids.has(n) ? n.slice('stdio:'.length) : n)));
  if ([...wanted].some((n) => !ids.has(n))) return stdio;
  return stdio.filter((d) => wanted.has(d.id));
}

/** The warning line for a run, naming the pseudo drives (at most three, then how many more). */
export function runSpeedWarning(stdio: readonly DriveView[]): string {
  const named = stdio.slice(0, NAMED_AT_MOST).map((d) => (d.label && d.label !== d.id ? `${d.label} (${d.id})` : d.id));
  const more = stdio.length > NAMED_AT_MOST ? ` and ${stdio.length - NAMED_AT_MOST} more` : '';
  return `${STDIO_SPEED_WARNING}: ${named.join(', ')}${more}`;
}

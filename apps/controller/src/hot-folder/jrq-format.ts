/**
 * The PTBurn-style `.JRQ` job format, the subset this tower honours: one
 * `Key=Value` per line, keys in any case, blank lines and lines starting
 * with `#` or `;` skipped. Honoured keys:
 *
 * | key            | meaning                                                       |
 * |----------------|---------------------------------------------------------------|
 * | `ImageFile`    | the image's path, inside the library's import roots (imported) |
 * | `ImageId`      | a library image's id (instead of ImageFile)                    |
 * | `Template`     | a saved template's name (instead of ImageFile/ImageId)         |
 * | `Copies`       | good copies wanted, 1..10000                                   |
 * | `BurnSpeed`    | write speed in x, 1..100; 0 or `MAX`: each drive's maximum     |
 * | `VerifyDisc`   | `YES` (every copy read back and compared) or `NO`              |
 * | `Priority`     | 1 (first) .. 1000; default 100                                 |
 * | `JobID`/`Label`| the run's label (Label wins when both are given)               |
 * | `Drives`       | drive ids or group names, comma-separated                      |
 * | `Media`        | `cd`, `dvd`, `dvd-dl`, `bd` or `bd-dl`                         |
 *
 * Read but not acted on: `CDText…` keys (CD-TEXT is not written yet; the
 * status file notes them). Refused: `Data` (a folder of files to master is
 * not supported: give an image), `Merge…` (per-disc merge is not built yet),
 * any other key, a key given twice, a line without `=`.
 */
import type { JobRequest } from './job-request.js';
import { checkedJob, JobFileError } from './job-request.js';

type Settings = { -readonly [K in keyof JobRequest['settings']]: JobRequest['settings'][K] };

const MEDIA = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'] as const;

/** Parse a `.jrq` job. Throws `JobFileError` naming the line. */
export function parseJrq(text: string): JobRequest {
  const seen = new Map<string, string>();
  const notes: string[] = [];
  const ignoredCdText: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new JobFileError(`line ${i + 1}: not Key=Value: '${line.slice(0, 60)}'`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const lower = key.toLowerCase();
    if (lower.startsWith('cdtext')) {
      ignoredCdText.push(key);
      return;
    }
    if (lower.startsWith('merge')) throw new JobFileError(`line ${i + 1}: ${key}: per-disc merge is not supported yet`);
    if (lower === 'data') throw new JobFileError(`line ${i + 1}: Data: a folder of files to master is not supported; give ImageFile= with a disc image`);
    if (!KEYS.has(lower)) throw new JobFileError(`line ${i + 1}: unknown key '${key}' (honoured: ${[...KEYS.values()].join(', ')})`);
    if (seen.has(lower)) throw new JobFileError(`line ${i + 1}: ${key} given twice`);
    seen.set(lower, value);
  });
  if (ignoredCdText.length > 0) notes.push(`ignored (CD-TEXT is not written yet): ${ignoredCdText.join(', ')}`);
  const settings: Settings = {};
  const copies = seen.get('copies');
  if (copies !== undefined) settings.copies = intIn('Copies', copies, 1, 10000);
  const speed = seen.get('burnspeed');
  if (speed !== undefined && speed !== '0' && speed.toUpperCase() !== 'MAX') settings.speed = intIn('BurnSpeed', speed, 1, 100);
  const verify = seen.get('verifydisc');
  if (verify !== undefined) settings.verify = yesNo('VerifyDisc', verify) ? 'all' : 'off';
  const priority = seen.get('priority');
  if (priority !== undefined) settings.priority = intIn('Priority', priority, 1, 1000);
  const label = seen.get('label') ?? seen.get('jobid');
  if (label !== undefined) {
    if (label.length > 200) throw new JobFileError('Label/JobID: at most 200 characters');
    settings.label = label;
  }
  const drives = seen.get('drives');
  if (drives !== undefined) settings.drives = driveList(drives);
  const media = seen.get('media');
  if (media !== undefined) {
    const found = MEDIA.find((m) => m === media.toLowerCase());
    if (found === undefined) throw new JobFileError(`Media: one of ${MEDIA.join(', ')}, got '${media.slice(0, 40)}'`);
    settings.media = found;
  }
  const imageId = seen.get('imageid');
  if (imageId !== undefined && !/^[a-z0-9][a-z0-9-]{2,63}$/.test(imageId)) throw new JobFileError(`ImageId: not an image id: '${imageId.slice(0, 80)}'`);
  const template = seen.get('template');
  if (template !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(template)) throw new JobFileError(`Template: not a template name: '${template.slice(0, 80)}'`);
  const imagePath = seen.get('imagefile');
  if (imagePath !== undefined && (imagePath === '' || imagePath.length > 4096)) throw new JobFileError('ImageFile: a path of 1..4096 characters');
  try {
    return checkedJob({ imageId, imagePath, template }, settings, notes);
  } catch (err) {
    // The JSON words, in the JRQ's keys.
    throw new JobFileError((err as Error).message.replace('imageId, imagePath or template', 'ImageFile, ImageId or Template').replace(/^copies:/, 'Copies:'));
  }
}

/** Honoured keys: lower case → as documented. */
const KEYS = new Map([
  ['imagefile', 'ImageFile'], ['imageid', 'ImageId'], ['template', 'Template'], ['copies', 'Copies'], ['burnspeed', 'BurnSpeed'],
  ['verifydisc', 'VerifyDisc'], ['priority', 'Priority'], ['jobid', 'JobID'], ['label', 'Label'], ['drives', 'Drives'], ['media', 'Media'],
]);

function intIn(key: string, value: string, min: number, max: number): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < min || Number(value) > max) throw new JobFileError(`${key}: a whole number ${min}..${max}, got '${value.slice(0, 40)}'`);
  return Number(value);
}

function yesNo(key: string, value: string): boolean {
  const v = value.toUpperCase();
  if (v === 'YES' || v === 'Y' || v === '1' || v === 'TRUE') return true;
  if (v === 'NO' || v === 'N' || v === '0' || v === 'FALSE') return false;
  throw new JobFileError(`${key}: YES or NO, got '${value.slice(0, 40)}'`);
}

function driveList(value: string): string[] {
  const ids = value.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (ids.length === 0 || ids.length > 1000) throw new JobFileError('Drives: 1..1000 drive ids or group names, comma-separated');
  for (const id of ids) if (!/^[A-Za-z0-9:._/+@=,-]{1,256}$/.test(id)) throw new JobFileError(`Drives: not a drive id or group name: '${id.slice(0, 60)}'`);
  return ids;
}

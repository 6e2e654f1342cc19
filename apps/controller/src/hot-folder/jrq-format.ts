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
 * | `SetImageId`   | repeatable, in disc order: a collated set run's discs by library id (instead of ImageFile/ImageId/Template; Copies counts sets) |
 * | `SetImageFile` | repeatable, in disc order: the set's discs by path inside the import roots (imported), instead of SetImageId |
 * | `Copies`       | good copies wanted, 1..10000                                   |
 * | `BurnSpeed`    | write speed in x, 1..100; 0 or `MAX`: each drive's maximum     |
 * | `VerifyDisc`   | `YES` (every copy read back and compared) or `NO`              |
 * | `Priority`     | 1 (first) .. 1000; default 100                                 |
 * | `JobID`/`Label`| the run's label (Label wins when both are given)               |
 * | `Drives`       | drive ids or group names, comma-separated                      |
 * | `Media`        | `cd`, `dvd`, `dvd-dl`, `bd` or `bd-dl`                         |
 * | `Data`         | a file or folder inside the import roots, `>\path` on the disc; repeatable (jrq-lists.ts): the image is built first |
 * | `VolumeName`   | the built image's name and volume label (default JobID, else `NewDisc`) |
 * | `PrintLabel`   | a saved label template's name: print each good disc's label    |
 * | `MergeField`   | repeatable, in order: `{{merge.1}}`, `{{merge.2}}`… on the labels |
 * | `CDTextDisc…`  | `Title`, `Performer`, `Composer`: the disc's CD-TEXT (audio images with a TOC) |
 * | `CDTextTrack…` | `Title`, `Performer`, `Composer`, in track order or numbered (`CDTextTrackTitle2`) |
 *
 * Refused: `Merge…` keys other than `MergeField`, any other key, a
 * single-valued key given twice, a line without `=`, `Data` with
 * `ImageFile`/`ImageId`/`Template`.
 */
import type { JobRequest } from './job-request.js';
import { checkedJob, JobFileError } from './job-request.js';
import { JrqLists } from './jrq-lists.js';
import { jrqSet } from './set-job.js';

type Settings = { -readonly [K in keyof JobRequest['settings']]: JobRequest['settings'][K] };

const MEDIA = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'] as const;

/** Parse a `.jrq` job. Throws `JobFileError` naming the line. */
export function parseJrq(text: string): JobRequest {
  const seen = new Map<string, string>();
  const notes: string[] = [];
  const lists = new JrqLists();
  const setIds: string[] = [];
  const setFiles: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new JobFileError(`line ${i + 1}: not Key=Value: '${line.slice(0, 60)}'`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const lower = key.toLowerCase();
    if (lists.take(key, value, i + 1)) return;
    if (lower === 'setimageid' || lower === 'setimagefile') {
      (lower === 'setimageid' ? setIds : setFiles).push(value);
      return;
    }
    if (lower.startsWith('merge')) throw new JobFileError(`line ${i + 1}: ${key}: not a PTBurn key this tower honours (MergeField= lines fill the label's {{merge.1}}, {{merge.2}}…)`);
    if (!KEYS.has(lower)) throw new JobFileError(`line ${i + 1}: unknown key '${key}' (honoured: ${[...KEYS.values()].join(', ')})`);
    if (seen.has(lower)) throw new JobFileError(`line ${i + 1}: ${key} given twice`);
    seen.set(lower, value);
  });
  const settings: Settings = {};
  const printLabel = seen.get('printlabel');
  if (printLabel !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(printLabel)) throw new JobFileError(`PrintLabel: not a label template name: '${printLabel.slice(0, 80)}'`);
    settings.printLabels = true;
    settings.labelTemplate = printLabel;
  }
  if (lists.merge.length > 0) settings.labelMerge = [...lists.merge];
  const cdText = lists.cdText();
  if (cdText !== undefined) settings.cdText = cdText;
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
  const volumeName = seen.get('volumename');
  if (volumeName !== undefined && lists.data.length === 0) throw new JobFileError('VolumeName: only with Data= lines (an image built by the hot folder)');
  if (volumeName !== undefined && (volumeName === '' || volumeName.length > 32)) throw new JobFileError('VolumeName: 1..32 characters');
  const data = lists.data.length === 0 ? undefined : { sources: [...lists.data], volumeName: volumeName ?? label ?? 'NewDisc' };
  try {
    return checkedJob({ imageId, imagePath, template, data, set: jrqSet(setIds, setFiles) }, settings, notes);
  } catch (err) {
    // The JSON words, in the JRQ's keys.
    throw new JobFileError((err as Error).message.replace('imageId, imagePath or template', 'ImageFile, ImageId, Template or Data')
      .replace(/\b(imageId|imagePath|template|data|set)\b/g, (k) => JSON_TO_JRQ[k] ?? k).replace(/^copies:/, 'Copies:'));
  }
}

/** Honoured keys: lower case → as documented. */
const KEYS = new Map([
  ['imagefile', 'ImageFile'], ['imageid', 'ImageId'], ['template', 'Template'], ['copies', 'Copies'], ['burnspeed', 'BurnSpeed'],
  ['verifydisc', 'VerifyDisc'], ['priority', 'Priority'], ['jobid', 'JobID'], ['label', 'Label'], ['drives', 'Drives'], ['media', 'Media'],
  ['volumename', 'VolumeName'], ['printlabel', 'PrintLabel'],
]);

/** The JSON job's source names as the JRQ keys, for the messages of `checkedJob`. */
const JSON_TO_JRQ: Record<string, string> = { imageId: 'ImageId', imagePath: 'ImageFile', template: 'Template', data: 'Data', set: 'SetImageId/SetImageFile' };

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

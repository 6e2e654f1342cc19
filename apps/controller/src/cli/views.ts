/**
 * Text renderings of the API's views (drives, images, runs, history, stats)
 * for the CLI's human output. Pure functions of their input.
 */
import type { AttemptView, DriveStats, DriveView, ImageView, MasterView, RunView } from '../shared/api-types.js';
import { formatByteCount, formatBytes, formatCount, formatDateTime, formatDuration, formatPercent, formatRate, formatRatioPercent, formatSpeedX } from '../shared/units.js';
import { renderFields, renderTable } from './table.js';
import { discTextFields } from './disc-text-fields.js';
import { malwareScanText } from './malware-scan-text.js';
import { setCounts, setFields } from './set-run-text.js';

/** Drives in tower order: by agent, then position, then id. */
export function sortDrives(drives: readonly DriveView[]): DriveView[] {
  return [...drives].sort((a, b) => a.agentId.localeCompare(b.agentId) || a.position - b.position || a.id.localeCompare(b.id));
}

/** `run 1a2b3c4d #3`, or `-` for an idle drive. */
export function runCopy(drive: Pick<DriveView, 'runId' | 'copy'>): string {
  if (drive.runId === null) return '-';
  return `${shortId(drive.runId)}${drive.copy === null ? '' : ` #${drive.copy}`}`;
}

/** The first 8 characters of a UUID-like id, the whole id otherwise. */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? id.slice(0, 8) : id;
}

/** What a person should know about a drive; `! ` marks one that needs a person. */
export function driveNote(d: DriveView): string | null {
  const note = d.quarantine ? `quarantined: ${d.quarantine.reason}` : d.message;
  if (d.needsAttention) return `! ${note ?? 'needs attention'}`;
  return note ?? null;
}

/** `Label (id)`, or the id when the label is the id. */
export function driveName(d: DriveView): string {
  return d.label && d.label !== d.id ? `${d.label} (${d.id})` : d.id;
}

/** The drives table of `tower drives`. */
export function renderDrives(drives: readonly DriveView[]): string {
  return renderTable(
    ['DRIVE', 'AGENT', 'STATE', 'MEDIA', { header: 'PROGRESS', align: 'right' }, { header: 'SPEED', align: 'right' }, 'RUN/COPY', { header: 'PASS/FAIL', align: 'right' }, 'CD-TEXT', 'NOTE'],
    sortDrives(drives).map((d) => [
      driveName(d),
      d.agentId,
      d.state,
      d.mediaType,
      d.percent === null ? null : formatPercent(d.percent),
      d.speedX === null ? null : formatSpeedX(d.speedX),
      runCopy(d),
      `${d.passed}/${d.failed}`,
      // Declared CD-TEXT writing: `writes`, `no` (offered no copy with CD-TEXT), `-` (burns no TOC file).
      d.writesCdText === undefined ? null : d.writesCdText ? 'writes' : 'no',
      driveNote(d),
    ]),
    'No drives. Is an agent running? (tower start)',
  );
}

/** `7/10 passed, 1 failed, 2 in progress`. */
export function runCounts(run: RunView): string {
  const parts = [`${setCounts(run)}${run.passed}/${run.copies} passed`, `${run.failed} failed`, `${run.inProgress} in progress`];
  if (run.surplus > 0) parts.push(`${run.surplus} surplus`);
  if (run.interrupted > 0) parts.push(`${run.interrupted} interrupted`);
  return parts.join(', ');
}

/** One line for a run: id, image, status, counts, rate and ETA. */
export function runLine(run: RunView): string {
  const rate = run.discsPerHour === null ? '' : `, ${formatRate(run.discsPerHour)}`;
  const eta = run.etaSeconds === null ? '' : `, ETA ${formatDuration(run.etaSeconds)}`;
  const reason = run.statusReason ? ` (${run.statusReason})` : '';
  return `run ${shortId(run.id)} ${run.imageName}: ${run.status}${reason}, ${runCounts(run)}${rate}${eta}`;
}

/** The runs table of `tower runs`. */
export function renderRuns(runs: readonly RunView[], empty = 'No runs.'): string {
  return renderTable(
    ['RUN', 'IMAGE', 'LABEL', 'STATUS', { header: 'PASSED', align: 'right' }, { header: 'FAILED', align: 'right' }, { header: 'ACTIVE', align: 'right' }, { header: 'PRIO', align: 'right' }, { header: 'DISCS/H', align: 'right' }, { header: 'ETA', align: 'right' }, 'CREATED'],
    runs.map((r) => [
      r.id, r.imageName, r.label, r.status, `${r.passed}/${r.copies}`, r.failed, r.inProgress, r.priority,
      r.discsPerHour === null ? null : formatRate(r.discsPerHour, true), r.etaSeconds === null ? null : formatDuration(r.etaSeconds), formatDateTime(r.createdAt),
    ]),
    empty,
  );
}

/** A run's own CD-TEXT in words: the disc's fields, then each track's. */
function cdTextWords(t: NonNullable<RunView['cdText']>): string {
  const fields = (f: { title?: string; performer?: string; composer?: string }): string => [f.title, f.performer, f.composer].filter((v) => v !== undefined).join(' / ');
  return [...(t.disc === undefined ? [] : [`disc ${fields(t.disc)}`]), ...(t.tracks ?? []).map((k) => `track ${k.track} ${fields(k)}`)].join('; ');
}

/** The detail block of `tower runs show`. */
export function renderRun(r: RunView): string {
  return renderFields([
    ['Run', r.id], ['Image', `${r.imageName} (${r.imageId})`], ['Label', r.label], ['Media', r.mediaClass],
    ['Status', r.statusReason ? `${r.status} (${r.statusReason})` : r.status], ['Copies', r.copies], ['Passed', r.passed],
    ['Failed', r.failed], ['In progress', r.inProgress], ['Remaining', r.remaining], ['Surplus', r.surplus],
    ['Cancelled', r.cancelled], ['Interrupted', r.interrupted], ['Verify', r.verify], ['Priority', r.priority],
    ...(r.merge === undefined ? [] : [['Per disc', r.merge] as const]),
    ...(r.labelMerge === undefined ? [] : [['Label merge', r.labelMerge.map((v, i) => `{{merge.${i + 1}}} ${v}`).join(' · ')] as const]),
    ...(r.cdText === undefined ? [] : [['CD-TEXT', cdTextWords(r.cdText)] as const]),
    ['Speed', r.speed === undefined ? 'each drive’s maximum' : formatSpeedX(r.speed)],
    ['Discs/hour', r.discsPerHour === null ? null : formatRate(r.discsPerHour, true)], ['ETA', r.etaSeconds === null ? null : formatDuration(r.etaSeconds)],
    ['Created', `${formatDateTime(r.createdAt, { zone: true })} by ${r.createdBy}`], ['Completed', r.completedAt === null ? null : formatDateTime(r.completedAt, { zone: true })],
    ...setFields(r),
  ]);
}

function imageFlags(i: ImageView): string {
  return [i.damaged ? 'damaged' : '', i.inUse ? 'in use' : ''].filter(Boolean).join(', ');
}

/** The images table of `tower images`. */
export function renderImages(images: readonly ImageView[]): string {
  return renderTable(
    ['ID', 'NAME', 'FORMAT', { header: 'SIZE', align: 'right' }, 'MEDIA', 'SHA256', 'FLAGS', 'CREATED'],
    images.map((i) => [i.id, i.name, i.format, formatBytes(i.sizeBytes), i.mediaClass, i.sha256.slice(0, 12), imageFlags(i), formatDateTime(i.createdAt)]),
    'No images. Add one with: tower images upload <file>  or  tower images import <path>',
  );
}

/** How the library keeps an image: plain, or compressed with the bytes it takes and saves. */
export function imageStorageText(i: ImageView): string {
  const s = i.storage;
  if (s.compression === 'plain') return 'plain';
  return `${s.compression}, ${formatBytes(s.storedBytes)} (saves ${formatBytes(s.savedBytes)}, ${i.sizeBytes > 0 ? Math.round((s.savedBytes / i.sizeBytes) * 100) : 0}%)`;
}

/** The detail block of `tower images show`. */
export function renderImage(i: ImageView): string {
  const damage = i.damage.map((d) => `${d.startSector}+${d.sectors}`).join(', ');
  return renderFields([
    ['Image', i.id], ['Name', i.name], ['Format', i.format], ['Size', `${formatBytes(i.sizeBytes)} (${formatByteCount(i.sizeBytes)}, ${formatCount(i.sectors)} sectors)`],
    ['SHA-256', i.sha256], ['Volume', i.volumeLabel], ['Filesystems', i.filesystems.join(', ')], ['Fits', i.mediaSizes.join(', ')],
    ['Media class', i.mediaClass], ['Tracks', i.tracks.map((t) => `${t.number}:${t.mode}`).join(' ')], ...discTextFields(i),
    ['Source', `${i.provenance.kind} ${i.provenance.detail}`], ['Damaged', i.damaged ? `yes: ${damage}` : 'no'],
    ['Stored', imageStorageText(i)], ['In use', i.inUse ? 'yes' : 'no'], ['Malware scan', malwareScanText(i)], ['Created', formatDateTime(i.createdAt, { zone: true })],
    ...conversionFields(i),
  ]);
}

/** What a burn of `i` writes, and for a converted image what it came from and the original kept (never burned). */
function conversionFields(i: ImageView): [string, string | null][] {
  if (i.burnFile === undefined) return [];
  const fields: [string, string | null][] = [['Burns', i.burnFile]];
  if (i.conversion) fields.push(['Converted', `from ${i.conversion.from}: ${i.conversion.proof}`]);
  if (i.conversion && i.keptOriginals !== undefined) fields.push(['Original', i.keptOriginals.length > 0 ? `${i.keptOriginals.join(', ')} (kept, never burned)` : 'not kept']);
  return fields;
}

/** One line for a master read. */
export function masterLine(m: MasterView): string {
  const error = m.error ? `: ${m.error.message} [${m.error.code}]` : '';
  const image = m.imageId ? `, image ${m.imageId}` : '';
  const bad = m.unreadableSectors > 0 ? `, ${m.unreadableSectors} unreadable sectors` : '';
  return `master ${m.id} '${m.name}' on ${m.driveId}: ${m.status}${error}${image}${bad}`;
}

/** The history table of `tower history`. */
export function renderHistory(attempts: readonly AttemptView[]): string {
  return renderTable(
    ['STARTED', 'RUN', { header: 'COPY', align: 'right' }, 'DRIVE', 'MEDIA', { header: 'TIME', align: 'right' }, { header: 'SPEED', align: 'right' }, 'VERIFY', 'OUTCOME', 'ERROR'],
    attempts.map((a) => [
      formatDateTime(a.startedAt), shortId(a.runId), a.set === undefined ? a.copy : `${a.copy} (${a.set.label})`, a.driveId, a.mediaType,
      a.endedAt === null ? null : formatDuration((a.endedAt - a.startedAt) / 1000), a.averageSpeedX === null ? null : formatSpeedX(a.averageSpeedX),
      a.verifyResult ?? a.verifyPolicy, `${a.outcome ?? 'open'}${a.surplus ? ' (surplus)' : ''}`,
      a.error ? `${a.error.message} [${a.error.code}]` : null,
    ]),
    'No attempts match.',
  );
}

/** The statistics table of `tower stats`. */
export function renderStats(stats: readonly DriveStats[]): string {
  return renderTable(
    ['DRIVE', { header: 'DISCS', align: 'right' }, { header: 'PASSED', align: 'right' }, { header: 'FAILED', align: 'right' }, { header: 'FAIL%', align: 'right' }, { header: 'WRITTEN', align: 'right' }, { header: 'QUARANTINES', align: 'right' }, 'LAST ERROR'],
    stats.map((s) => [
      s.driveId, s.discs, s.passed, s.failed, formatRatioPercent(s.failureRate), formatBytes(s.totalBytes), s.quarantineHistory.length,
      s.lastError ? `${formatDateTime(s.lastError.at)} ${s.lastError.message} [${s.lastError.code}]` : null,
    ]),
    'No drive statistics yet.',
  );
}

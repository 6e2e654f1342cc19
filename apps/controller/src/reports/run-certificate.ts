/**
 * A run's certificate as a PDF (pdfkit, built-in Helvetica): the run's label
 * and customer, the image's name and SHA-256, the verify policy, the counts,
 * who started the run, and every disc (copy slot or its serial, drive,
 * times, result).
 * Served by `GET /api/runs/:id/certificate.pdf` and attached to the
 * run-done email when the email channel asks for it.
 */
import PDFDocument from 'pdfkit';
import { mergeRowCount } from '@tower/jobs';
import type { AttemptRecord, RunRecord } from '@tower/jobs';
import type { ApiServices } from '../api/api-services.js';
import type { RunView } from '../shared/api-types.js';
import { formatDateTime, formatDuration, UNKNOWN } from '../shared/units.js';

/** What a certificate is made of. */
export interface CertificateData {
  readonly run: RunView;
  readonly record: RunRecord;
  readonly attempts: readonly AttemptRecord[];
  /** When it was made, epoch ms. */
  readonly generatedAt: number;
}

/** Options of {@link renderRunCertificate}. */
export interface CertificateOptions {
  /** IANA zone of the times printed; default the controller's. */
  readonly timeZone?: string | undefined;
}

/** The file name a certificate is offered as. */
export function certificateFileName(runId: string): string {
  return `run-${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}-certificate.pdf`;
}

/** Read what a run's certificate needs; null when there is no such run. */
export async function loadCertificateData(s: ApiServices, runId: string): Promise<CertificateData | null> {
  const record = await s.deps.runStore.getRun(runId);
  if (record === null) return null;
  const [run, attempts] = await Promise.all([s.runs.view(record), s.deps.runStore.listAttempts(runId)]);
  return { run, record, attempts, generatedAt: s.now() };
}

/** A run's certificate as an email attachment; null when there is no such run. */
export async function certificateAttachment(
  s: ApiServices, runId: string, options: CertificateOptions = {},
): Promise<{ filename: string; content: Buffer; contentType: string } | null> {
  const data = await loadCertificateData(s, runId);
  if (data === null) return null;
  return { filename: certificateFileName(runId), content: await renderRunCertificate(data, options), contentType: 'application/pdf' };
}

/** The verify policy in words. */
export function verifyPolicyWords(record: RunRecord): string {
  const v = record.verify;
  const how = 'read back and compared byte for byte with the image';
  switch (v.mode) {
    case 'all': return `every disc ${how}`;
    case 'first-per-drive': return `the first disc of each drive ${how}`;
    case 'every-nth': return `one disc in every ${v.n} ${how}`;
    case 'off': return 'no read-back verify (write success only)';
  }
}

/** One disc's result in words. */
export function discResult(a: AttemptRecord): string {
  const verify = a.verifyResult === 'passed' ? ', verified' : a.verifyResult === 'skipped' ? ', verify skipped by policy' : '';
  switch (a.outcome) {
    case undefined: return 'burning';
    case 'passed': return a.surplus === true ? `good (surplus)${verify}` : `good${verify}`;
    case 'failed': return `coaster: ${a.error?.code ?? 'failed'}${a.verifyResult === 'failed' ? ' (verify mismatch)' : ''}`;
    case 'interrupted': return 'coaster: interrupted';
    case 'cancelled': return 'cancelled';
  }
}

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const LEFT = 50;
const WIDTH = 495;

/** Columns of the disc list: header, x, width. */
const COLUMNS: readonly (readonly [string, number, number])[] = [
  ['Copy / serial', LEFT, 80], ['Drive', LEFT + 80, 125], ['Started', LEFT + 205, 105], ['Took', LEFT + 310, 40], ['Result', LEFT + 350, 145],
];

/** A merged run's serials in words: `SN-01001 to SN-01100 in /SERIAL.TXT`; a run of CSV rows: its rows and columns. */
export function serialsWords(record: RunRecord): string | null {
  const m = record.merge;
  if (m === undefined) return null;
  if (m.kind === 'rows') return `${m.rows} rows of a CSV, one per disc (${m.columns.join(', ')}); each disc's own image is checked against its row`;
  const serial = (n: number): string => `${m.prefix}${String(n).padStart(m.pad, '0')}`;
  return `${serial(m.first)} to ${serial(m.first + mergeRowCount(record) - 1)} in ${m.file} (each disc's own image is checked against its serial)`;
}

/** Render the certificate; resolves to the PDF's bytes. */
export function renderRunCertificate(data: CertificateData, options: CertificateOptions = {}): Promise<Buffer> {
  const { run, record, attempts } = data;
  const zone = options.timeZone === undefined ? {} : { timeZone: options.timeZone };
  const when = (at: number | null | undefined): string => (at === null || at === undefined ? UNKNOWN : formatDateTime(at, { ...zone, zone: true, locale: 'en-GB' }));
  const title = run.label ?? run.imageName;
  const doc = new PDFDocument({
    size: 'A4', margin: 50, bufferPages: true,
    info: { Title: `Run certificate: ${title}`, Subject: `Run ${run.id}`, Author: 'Duplication tower', CreationDate: new Date(data.generatedAt) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font(BOLD).fontSize(18).text('Run certificate', LEFT, 50);
  doc.font(FONT).fontSize(12).text(title, { width: WIDTH });
  doc.moveDown(0.8);
  const field = (name: string, value: string): void => {
    const y = doc.y;
    doc.font(BOLD).fontSize(10).text(`${name}:`, LEFT, y, { width: 120 });
    const afterName = doc.y;
    doc.font(FONT).fontSize(10).text(value, LEFT + 125, y, { width: WIDTH - 125 });
    doc.y = Math.max(doc.y, afterName) + 2;
  };
  field('Run', run.id);
  field('Label', run.label ?? '(none)');
  if (run.customer?.name !== undefined) field('Customer', run.customer.name);
  if (run.customer?.order !== undefined) field('Order', run.customer.order);
  if (run.customer?.reference !== undefined) field('Reference', run.customer.reference);
  field('Image', run.imageName);
  field('Image SHA-256', record.image.sha256);
  field('Media', run.mediaClass.toUpperCase());
  field('Verify policy', verifyPolicyWords(record));
  const serials = serialsWords(record);
  if (serials !== null) field(record.merge?.kind === 'rows' ? 'Per-disc rows' : 'Serials', serials);
  field('Started by', run.createdBy || UNKNOWN);
  field('Created', when(run.createdAt));
  field('Ended', run.completedAt === null ? (run.status === 'completed' ? when(record.updatedAt) : `not completed (${run.status})`) : when(run.completedAt));
  field('Status', run.statusReason === null ? run.status : `${run.status}: ${run.statusReason}`);
  doc.moveDown(0.5);
  const coasters = run.failed + run.interrupted;
  field('Counts', `${run.passed} of ${run.copies} good discs; ${coasters} coaster${coasters === 1 ? '' : 's'}; ${run.surplus} surplus; ${run.cancelled} cancelled`);
  doc.moveDown(0.8);

  doc.font(BOLD).fontSize(12).text(`Discs (${attempts.length})`, LEFT, doc.y);
  doc.moveDown(0.3);
  const header = (): void => {
    const y = doc.y;
    doc.font(BOLD).fontSize(9);
    for (const [name, x, w] of COLUMNS) doc.text(name, x, y, { width: w });
    doc.moveTo(LEFT, doc.y + 1).lineTo(LEFT + WIDTH, doc.y + 1).lineWidth(0.5).stroke();
    doc.y += 4;
  };
  header();
  const bottom = doc.page.height - doc.page.margins.bottom - 20;
  for (const a of attempts) {
    if (doc.y > bottom) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    const took = a.endedAt === undefined ? UNKNOWN : formatDuration((a.endedAt - a.startedAt) / 1000);
    const cells = [a.merge === undefined ? String(a.copy) : `${a.copy}: ${a.merge.label}`, a.driveLabel ?? a.driveId, when(a.startedAt), took, discResult(a)];
    doc.font(FONT).fontSize(8);
    let next = y;
    COLUMNS.forEach(([, x, w], i) => {
      doc.text(cells[i] ?? '', x, y, { width: w - 4 });
      next = Math.max(next, doc.y);
    });
    doc.y = next + 2;
  }
  if (attempts.length === 0) doc.font(FONT).fontSize(9).text('No disc was burned for this run.', LEFT, doc.y);

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    // Text below the bottom margin would start a new page: the footer lifts it for its own line.
    doc.page.margins.bottom = 0;
    doc.font(FONT).fontSize(7).text(
      `Run ${run.id} · made ${when(data.generatedAt)} · page ${i + 1} of ${pages.count}`,
      LEFT, doc.page.height - 35, { width: WIDTH, align: 'center', lineBreak: false },
    );
  }
  doc.end();
  return done;
}

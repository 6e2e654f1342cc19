/**
 * The run certificate's PDF on its own (run-certificate.ts): a long run
 * breaks over pages with the disc list's header on each and every disc
 * listed once; a run without discs says so; the verify policy in words.
 * Read back with poppler's real `pdftotext`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttemptRecord, RunRecord } from '@tower/jobs';
import { renderRunCertificate, verifyPolicyWords } from '../../src/reports/run-certificate.js';
import type { CertificateData } from '../../src/reports/run-certificate.js';
import type { RunView } from '../../src/shared/api-types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tower-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.parse('2026-05-04T08:00:00Z');
const record = {
  id: 'run-long', image: { path: '/x.iso', sha256: 'f'.repeat(64), sizeBytes: 1, sectors: 1, format: 'iso' }, mediaClass: 'dvd', copies: 130,
  verify: { mode: 'every-nth', n: 10 }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 10, status: 'completed',
  createdAt: T, updatedAt: T, completedAt: T + 1, counters: { passed: 130, failed: 0, surplus: 0, cancelled: 0, interrupted: 0, attempts: 130, open: 0, replacements: 0 },
} as unknown as RunRecord;
const view = {
  id: 'run-long', imageId: 'img', imageName: 'Catalogue 2026', label: null, mediaClass: 'dvd', copies: 130, status: 'completed', statusReason: null,
  verify: 'every-nth:10', priority: 100, passed: 130, failed: 0, inProgress: 0, remaining: 0, surplus: 0, cancelled: 0, interrupted: 0,
  discsPerHour: null, etaSeconds: null, createdAt: T, completedAt: T + 1, createdBy: 'night shift token',
} as unknown as RunView;
const attempt = (copy: number): AttemptRecord => ({
  id: `a${copy}`, runId: 'run-long', copy, jobId: `j${copy}`, driveId: `sim:${copy % 4}`, driveLabel: `Tray ${copy % 4}`, agentId: 'ag', mediaType: 'DVD-R',
  imageSha256: 'f'.repeat(64), verifyPolicy: 'every-nth:10', startedAt: T + copy * 60_000, endedAt: T + copy * 60_000 + 300_000, outcome: 'passed',
  verifyResult: copy % 10 === 0 ? 'passed' : 'skipped', dummyFirst: false, driveOrdinal: 1,
});

async function textOf(data: CertificateData, name: string): Promise<string> {
  const file = path.join(dir, name);
  writeFileSync(file, await renderRunCertificate(data, { timeZone: 'UTC' }));
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

describe('run certificate PDF', () => {
  it('breaks a long disc list over pages, the header on each, every disc once', async () => {
    const attempts = Array.from({ length: 130 }, (_, i) => attempt(i + 1));
    const text = await textOf({ run: view, record, attempts, generatedAt: T + 2 }, 'long.pdf');
    const pages = text.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThan(2);
    pages.forEach((p, i) => {
      expect(p).toMatch(/Copy \/ serial\s+Drive\s+Started\s+Took\s+Result/);
      expect(p).toContain(`page ${i + 1} of ${pages.length}`);
    });
    const copies = text.split('\n').map((l) => /^\s*(\d+)\s+Tray \d/.exec(l)?.[1]).filter((c): c is string => c !== undefined).map(Number);
    expect(copies).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
    expect(text).toMatch(/Label:\s+\(none\)/);
    expect(text).toContain('one disc in every 10 read back and compared byte for byte with the image');
    expect(text).toContain('good, verify skipped by policy');
    expect(text).toMatch(/Started by:\s+night shift token/);
  });

  it('names each disc of a merged run by its serial, and the run by its range', async () => {
    const merged = { ...record, copies: 3, merge: { kind: 'serials', first: 1001, pad: 5, prefix: 'SN-', file: '/SERIAL.TXT' } } as RunRecord;
    const attempts = [1, 2, 3].map((copy) => ({ ...attempt(copy), merge: { row: copy, label: `serial SN-0${1000 + copy}` } }));
    const text = await textOf({ run: { ...view, copies: 3, passed: 3 }, record: merged, attempts, generatedAt: T }, 'merged.pdf');
    expect(text).toMatch(/Serials:\s+SN-01001 to SN-01003 in \/SERIAL\.TXT/);
    for (const copy of [1, 2, 3]) expect(text).toMatch(new RegExp(`^\\s*${copy}: serial SN-0${1000 + copy}\\s+Tray`, 'm'));
  });

  it('says so when no disc was burned', async () => {
    const text = await textOf({ run: { ...view, status: 'cancelled', passed: 0, completedAt: null }, record: { ...record, status: 'cancelled' }, attempts: [], generatedAt: T }, 'empty.pdf');
    expect(text).toContain('No disc was burned for this run.');
    expect(text).toContain('not completed (cancelled)');
  });

  it('puts each verify policy in words', () => {
    const words = (verify: RunRecord['verify']): string => verifyPolicyWords({ ...record, verify });
    expect(words({ mode: 'all' })).toBe('every disc read back and compared byte for byte with the image');
    expect(words({ mode: 'first-per-drive' })).toMatch(/^the first disc of each drive read back/);
    expect(words({ mode: 'off' })).toBe('no read-back verify (write success only)');
  });
});

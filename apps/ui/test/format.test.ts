import { describe, expect, it } from 'vitest';
import { buildUrl, describeError, ApiCallError } from '../src/lib/api';
import { failureBuckets } from '../src/lib/chart';
import { formatAgo, formatBytes, formatEta, formatMBps, formatPercent, formatRate, formatSpeedX, fromLocalInput, shortHash, toLocalInput } from '../src/lib/format';

describe('formatting', () => {
  it('formats ETAs', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(-1)).toBe('—');
    expect(formatEta(0)).toBe('0 s');
    expect(formatEta(45.4)).toBe('45 s');
    expect(formatEta(125)).toBe('2:05');
    expect(formatEta(3600 + 5 * 60)).toBe('1 h 05 min');
    expect(formatEta(2 * 86_400 + 3 * 3600)).toBe('2 d 3 h');
    expect(formatEta(Number.NaN)).toBe('—');
  });
  it('formats speeds', () => {
    expect(formatSpeedX(null)).toBe('—');
    expect(formatSpeedX(4.46)).toBe('4.5×');
    expect(formatSpeedX(16.2)).toBe('16×');
    expect(formatSpeedX(0)).toBe('0×');
    expect(formatMBps(7.06)).toBe('7.1 MB/s');
    expect(formatMBps(22.4)).toBe('22 MB/s');
  });
  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(700 * 1024 * 1024)).toBe('700 MiB');
    expect(formatBytes(4_700_000_000)).toBe('4.38 GiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(null)).toBe('—');
  });
  it('formats percent, rate, age and hashes', () => {
    expect(formatPercent(99.7)).toBe('99%');
    expect(formatPercent(120)).toBe('100%');
    expect(formatPercent(-3)).toBe('0%');
    expect(formatRate(3.46)).toBe('3.5 discs/h');
    expect(formatRate(42.4)).toBe('42 discs/h');
    expect(formatAgo(null, 0)).toBe('never');
    expect(formatAgo(1000, 1500)).toBe('just now');
    expect(formatAgo(0, 12_000)).toBe('12 s ago');
    expect(formatAgo(0, 5 * 60_000)).toBe('5 min ago');
    expect(shortHash('a'.repeat(64))).toBe(`${'a'.repeat(12)}…aaaa`);
  });
  it('round-trips datetime-local values', () => {
    const t = new Date(2024, 4, 6, 7, 8).getTime();
    expect(fromLocalInput(toLocalInput(t))).toBe(t);
    expect(fromLocalInput('')).toBeNull();
  });
});

describe('api helpers', () => {
  it('builds relative /api URLs and drops empty query values', () => {
    expect(buildUrl('/history', { runId: 'r 1', driveId: '', outcome: undefined, limit: 5 })).toBe('/api/history?runId=r+1&limit=5');
    expect(buildUrl('/whoami')).toBe('/api/whoami');
  });
  it('describes API errors in words', () => {
    expect(describeError(new ApiCallError(400, 'INVALID_INPUT', 'copies must be at least 1', 'copies'))).toBe('copies must be at least 1 (field: copies) [INVALID_INPUT, HTTP 400]');
    expect(describeError(new ApiCallError(0, 'NETWORK', 'Cannot reach the controller'))).toBe('Cannot reach the controller');
  });
});

describe('failure chart buckets', () => {
  it('counts failures per drive and bucket', () => {
    const a = (driveId: string, t: number, outcome: 'passed' | 'failed') => ({
      id: `${driveId}-${t}`, runId: 'r', copy: 1, driveId, driveLabel: null, agentId: 'x', mediaType: null, imageSha256: '', startedAt: t - 1, endedAt: t,
      bytes: null, averageSpeedX: null, verifyPolicy: 'all', verifyResult: null, outcome, counted: false, surplus: false, error: null,
    });
    const b = failureBuckets([a('d1', 0, 'failed'), a('d1', 99, 'failed'), a('d1', 98, 'failed'), a('d2', 50, 'passed')], 4, 0, 99);
    expect(b.failures.get('d1')).toEqual([1, 0, 0, 2]);
    expect(b.failures.get('d2')).toEqual([0, 0, 0, 0]);
    expect(b.max).toBe(2);
  });
});

describe('wall grid columns', () => {
  it('picks the columns that give the largest tiles', async () => {
    const { bestColumns } = await import('../src/lib/layout');
    expect(bestColumns(1, 1920, 800)).toBe(1);
    expect(bestColumns(8, 1900, 760)).toBe(4);
    const c64 = bestColumns(64, 1900, 760);
    expect(c64).toBeGreaterThanOrEqual(10);
    expect(c64).toBeLessThanOrEqual(12);
    expect(bestColumns(8, 0, 0)).toBe(1);
  });
});

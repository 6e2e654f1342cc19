import { describe, expect, it } from 'vitest';
import { buildUrl, describeError, ApiCallError } from '../src/lib/api';
import { failureBuckets } from '../src/lib/chart';
import { fromLocalInput, shortHash, toLocalInput } from '../src/lib/format';
import * as shared from '../../controller/src/shared/units';
import * as units from '../src/lib/units';

describe('formatting', () => {
  it('takes every unit and date from the module the CLI uses (tested in apps/controller/test/shared/units.test.ts)', () => {
    expect(Object.keys(units).sort()).toEqual(Object.keys(shared).sort());
    expect(units.formatBytes).toBe(shared.formatBytes);
    expect(units.formatDuration).toBe(shared.formatDuration);
    expect(units.formatDateTime).toBe(shared.formatDateTime);
  });
  it('shortens hashes', () => {
    expect(shortHash('a'.repeat(64))).toBe(`${'a'.repeat(12)}…aaaa`);
    expect(shortHash('abc')).toBe('abc');
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

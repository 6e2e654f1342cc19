import { describe, expect, it } from 'vitest';
import {
  isoTime, parseCopies, parseDriveList, parseLabel, parseOutcome, parsePriority, parseReason, parseServerPath, parseVerify,
} from '../../src/cli/cli-arguments.js';
import { UsageError } from '../../src/cli/cli-output.js';

describe('argument parsers', () => {
  it.each(['0', '-1', '1.5', 'ten', '100001', '10001', '', ' ', '1e3', '0x10'])('refuses --copies %j', (value) => {
    expect(() => parseCopies(value)).toThrow(UsageError);
    expect(() => parseCopies(value)).toThrow(`--copies must be a whole number from 1 to 10000, got '${value}'`);
  });

  it.each([['1', 1], ['10000', 10000], [' 25 ', 25]])('accepts --copies %j', (value, n) => {
    expect(parseCopies(value)).toBe(n);
  });

  it('parses verify policies', () => {
    expect(parseVerify('all')).toBe('all');
    expect(parseVerify('first-per-drive')).toBe('first-per-drive');
    expect(parseVerify('off')).toBe('off');
    expect(parseVerify('every-nth:5')).toEqual({ everyNth: 5 });
    for (const bad of ['some', 'every-nth', 'every-nth:0', 'every-nth:x', 'every-nth:-2', 'ALL']) {
      expect(() => parseVerify(bad)).toThrow(/^--verify must be 'all', 'first-per-drive', 'off' or 'every-nth:N'/);
    }
  });

  it('checks priority, label, reason, outcome and drive lists', () => {
    expect(parsePriority('1')).toBe(1);
    expect(() => parsePriority('1001')).toThrow('--priority must be a whole number from 1 to 1000');
    expect(parseLabel('  batch 7 ')).toBe('batch 7');
    expect(() => parseLabel('x'.repeat(201))).toThrow('--label must be at most 200 characters');
    expect(() => parseReason('   ')).toThrow('--reason must be 1 to 500 characters');
    expect(parseOutcome('failed')).toBe('failed');
    expect(() => parseOutcome('ok')).toThrow('--outcome must be one of passed, failed, cancelled, interrupted');
    expect(parseDriveList('sim:0, sim:1,,sim:0')).toEqual(['sim:0', 'sim:1']);
    expect(() => parseDriveList(' , ')).toThrow('--drives needs at least one drive id or group');
  });

  it('reads ISO times and absolute server paths', () => {
    expect(isoTime('--since')('2024-05-01')).toBe(Date.parse('2024-05-01'));
    expect(isoTime('--since')('2024-05-01T08:00:00Z')).toBe(Date.parse('2024-05-01T08:00:00Z'));
    expect(() => isoTime('--since')('yesterday')).toThrow("--since must be an ISO 8601 date or time such as 2024-05-01");
    expect(() => isoTime('--since')('2024-13-45')).toThrow(UsageError);
    expect(parseServerPath('/srv/images/a.iso')).toBe('/srv/images/a.iso');
    expect(() => parseServerPath('images/a.iso')).toThrow("must be absolute, got 'images/a.iso'");
  });
});

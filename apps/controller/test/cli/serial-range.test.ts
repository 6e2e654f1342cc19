/**
 * `tower run --serials`: the ranges an operator writes, and the ones that
 * are refused with the form expected (issue 15).
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/cli-output.js';
import { createRunRequest } from '../../src/cli/run-commands.js';
import { copiesOfSerials, parseSerials } from '../../src/cli/serial-range.js';

describe('--serials', () => {
  it('reads a range, its zero-padding and its prefix', () => {
    expect(parseSerials('1001-1500')).toEqual({ first: 1001, last: 1500 });
    expect(parseSerials('01001-01500')).toEqual({ first: 1001, last: 1500, pad: 5 });
    expect(parseSerials('SN-0001-0500')).toEqual({ first: 1, last: 500, pad: 4, prefix: 'SN-' });
    expect(parseSerials('7')).toEqual({ first: 7 });
    expect(copiesOfSerials(parseSerials('1001-1500'))).toBe(500);
    expect(copiesOfSerials(parseSerials('1001'))).toBeUndefined();
  });

  it('refuses what is not a range, with the form expected', () => {
    for (const bad of ['', 'abc', '10-5', '1-2-3x', '1-', 'SN-', '1234567890123-1234567890124']) {
      expect(() => parseSerials(bad)).toThrow(UsageError);
    }
    expect(() => parseSerials('10-5')).toThrow(/the last serial is below the first/);
  });

  it('gives the run its copies and its merge; --serial-file needs --serials', () => {
    expect(createRunRequest('img-1', { serials: parseSerials('01001-01006'), serialFile: '/id/SERIAL.TXT' })).toMatchObject({
      imageId: 'img-1', copies: 6, merge: { serials: { first: 1001, last: 1006, pad: 5, file: '/id/SERIAL.TXT' } },
    });
    expect(() => createRunRequest('img-1', { serials: parseSerials('1001') })).toThrow(/--copies/);
    expect(() => createRunRequest('img-1', { copies: 3, serialFile: '/x' })).toThrow(/--serial-file needs --serials/);
  });
});

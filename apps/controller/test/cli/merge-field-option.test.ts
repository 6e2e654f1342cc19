/**
 * `tower run --merge-field <text>` (repeatable): the values in order as the
 * run's labelMerge ({{merge.1}}, {{merge.2}}… on its labels); too long or
 * too many refused in one line.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/cli-output.js';
import { collectMergeField, createRunRequest } from '../../src/cli/run-commands.js';

const parse = (args: string[]): string[] | undefined => {
  const cmd = new Command().exitOverride().option('--merge-field <text>', '', collectMergeField).parse(args, { from: 'user' });
  return cmd.opts<{ mergeField?: string[] }>().mergeField;
};

describe('tower run --merge-field', () => {
  it('collects the values in order into labelMerge', () => {
    const values = parse(['--merge-field', 'Ada & Co', '--merge-field', '', '--merge-field', 'Order 17']);
    expect(values).toEqual(['Ada & Co', '', 'Order 17']);
    expect(createRunRequest('img-1', { copies: 2, mergeField: values ?? [] })).toMatchObject({ imageId: 'img-1', copies: 2, labelMerge: ['Ada & Co', '', 'Order 17'] });
    expect(createRunRequest('img-1', { copies: 2 })).not.toHaveProperty('labelMerge');
  });

  it('refuses a value over 200 characters and a 100th value', () => {
    expect(() => parse(['--merge-field', 'x'.repeat(201)])).toThrow(UsageError);
    expect(() => parse(['--merge-field', 'x'.repeat(201)])).toThrow(/--merge-field: at most 200 characters, got 201/);
    expect(() => parse(Array.from({ length: 100 }, () => ['--merge-field', 'v']).flat())).toThrow(/--merge-field: at most 99 values/);
  });
});

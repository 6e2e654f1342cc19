/**
 * `tower run --merge-field <text>` (repeatable): the values in order as the
 * run's labelMerge ({{merge.1}}, {{merge.2}}… on its labels); too long or
 * too many refused in one line; `tower runs show` says them and the run's
 * CD-TEXT.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/cli-output.js';
import { collectMergeField, createRunRequest } from '../../src/cli/run-commands.js';
import { renderRun } from '../../src/cli/views.js';
import type { RunView } from '../../src/shared/api-types.js';

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

  it('tower runs show says the run\'s label merge values and CD-TEXT', () => {
    const run: RunView = {
      id: 'r1', imageId: 'img-1', imageName: 'Album', label: null, mediaClass: 'cd', copies: 1, status: 'queued', statusReason: null, verify: 'all', priority: 100,
      passed: 0, failed: 0, inProgress: 0, remaining: 1, surplus: 0, cancelled: 0, interrupted: 0, discsPerHour: null, etaSeconds: null, createdAt: 0, completedAt: null,
      createdBy: 'hot-folder', labelMerge: ['Ada', '17'], cdText: { disc: { title: 'Live', performer: 'Band' }, tracks: [{ track: 2, title: 'Two' }] },
    };
    const text = renderRun(run);
    expect(text).toMatch(/Label merge:\s+\{\{merge\.1\}\} Ada · \{\{merge\.2\}\} 17/);
    expect(text).toMatch(/CD-TEXT:\s+disc Live \/ Band; track 2 Two/);
  });
});

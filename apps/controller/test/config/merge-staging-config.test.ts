/**
 * `agent.mergeStaging`: where an agent builds merged discs' images and how
 * many ahead of its drives. Defaults resolve, a folder is taken relative to
 * the configuration file, and a bad entry is refused with the field at fault.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

function resolve(mergeStaging: unknown) {
  const text = JSON.stringify({ dataDir: 'data', agent: mergeStaging === undefined ? {} : { mergeStaging } });
  return resolveConfig(parseConfigText(text), { env: {}, cwd: '/tmp', filePath: '/etc/tower/tower.json' });
}

function refusal(mergeStaging: unknown): string {
  try {
    resolve(mergeStaging);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

describe('agent.mergeStaging', () => {
  it('defaults to <dataDir>/staging/merged, the window and cap left to the agent', () => {
    expect(resolve(undefined).agent.mergeStaging).toEqual({ dir: path.join('/etc/tower/data', 'staging', 'merged') });
  });

  it('takes a folder relative to the configuration file, a window and a cap', () => {
    expect(resolve({ dir: 'scratch', window: 0, maxBytes: 1_000_000_000 }).agent.mergeStaging)
      .toEqual({ dir: '/etc/tower/scratch', window: 0, maxBytes: 1_000_000_000 });
  });

  it('refuses a negative or huge window, a zero cap, an empty folder and unknown fields', () => {
    expect(refusal({ window: -1 })).toMatch(/mergeStaging\/window|window/);
    expect(refusal({ window: 65 })).toMatch(/window/);
    expect(refusal({ maxBytes: 0 })).toMatch(/maxBytes/);
    expect(refusal({ dir: '' })).toMatch(/dir/);
    expect(refusal({ windows: 2 })).toMatch(/windows/);
  });
});

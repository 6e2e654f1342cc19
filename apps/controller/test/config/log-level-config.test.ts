/**
 * `log.level` in tower.json and `TOWER_LOG_LEVEL`: info by default, the
 * environment (any case) over the file, and a level that is none refused
 * naming its field.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

const resolve = (file: unknown, env: Record<string, string> = {}): ReturnType<typeof resolveConfig> =>
  resolveConfig(parseConfigText(JSON.stringify(file)), { env, cwd: '/tmp' });

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('log level configuration', () => {
  it('is info by default', () => {
    expect(resolve({}).log).toEqual({ level: 'info' });
  });

  it('takes log.level from the file, and TOWER_LOG_LEVEL over it', () => {
    expect(resolve({ log: { level: 'debug' } }).log).toEqual({ level: 'debug' });
    expect(resolve({ log: { level: 'debug' } }, { TOWER_LOG_LEVEL: 'WARN' }).log).toEqual({ level: 'warn' });
    expect(resolve({}, { TOWER_LOG_LEVEL: ' error ' }).log).toEqual({ level: 'error' });
  });

  it('refuses a level that is none, naming the field', () => {
    expect(refusal(() => resolve({}, { TOWER_LOG_LEVEL: 'verbose' })).message).toMatch(/^config TOWER_LOG_LEVEL: 'verbose' is not a log level \(error, warn, info, debug\)/);
    expect(refusal(() => resolve({ log: { level: 'trace' } })).message).toMatch(/^config log\.level: /);
    expect(refusal(() => resolve({ log: { level: 'info', file: 'x.log' } })).message).toMatch(/^config log(\.file)?: /);
  });
});

/**
 * The `metrics` section of tower.json and `TOWER_METRICS_TOKEN`: defaults,
 * the environment winning over the file, and every refusal naming its field.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

const API_TOKEN = 'operator-token-0123456789';
const SCRAPE = 'scrape-token-0123456789';
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

describe('metrics configuration', () => {
  it('serves /metrics without a token by default', () => {
    expect(resolve({}).metrics).toEqual({ enabled: true, token: null });
  });

  it('takes enabled and token from the file, and TOWER_METRICS_TOKEN over the file', () => {
    expect(resolve({ metrics: { enabled: false } }).metrics).toEqual({ enabled: false, token: null });
    expect(resolve({ metrics: { token: SCRAPE } }).metrics).toEqual({ enabled: true, token: SCRAPE });
    expect(resolve({ metrics: { token: SCRAPE } }, { TOWER_METRICS_TOKEN: 'from-the-environment-0123' }).metrics?.token).toBe('from-the-environment-0123');
  });

  it('refuses a short or odd token, an unknown field and a token that is an API token', () => {
    expect(refusal(() => resolve({ metrics: { token: 'short' } })).field).toBe('metrics.token');
    expect(refusal(() => resolve({ metrics: { token: 'has spaces in it 0123456789' } })).field).toBe('metrics.token');
    expect(refusal(() => resolve({ metrics: { enable: true } })).field).toBe('metrics.enable');
    expect(refusal(() => resolve({ metrics: { enabled: 'yes' } })).field).toBe('metrics.enabled');
    expect(refusal(() => resolve({}, { TOWER_METRICS_TOKEN: 'short' })).field).toBe('TOWER_METRICS_TOKEN');
    const same = refusal(() => resolve({ tokens: [{ token: API_TOKEN, name: 'op', role: 'operator' }], metrics: { token: API_TOKEN } }));
    expect(same.field).toBe('metrics.token');
    expect(same.message).toMatch(/must not be one of the API tokens/);
    expect(refusal(() => resolve({}, { TOWER_OPERATOR_TOKEN: API_TOKEN, TOWER_METRICS_TOKEN: API_TOKEN })).field).toBe('TOWER_METRICS_TOKEN');
  });
});

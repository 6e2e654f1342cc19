/**
 * `library.storage`, `library.cdStorage` and `agent.staging` in tower.json (issue 14): plain
 * storage and a staging cache under the data folder by default (plain images
 * read from the library), paths taken relative to the file, bad values
 * refused naming their field.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';

const resolve = (file: unknown): ReturnType<typeof resolveConfig> =>
  resolveConfig(parseConfigText(JSON.stringify(file)), { env: {}, cwd: '/tmp', filePath: '/etc/tower/tower.json' });

describe('compressed library and staging configuration', () => {
  it('stores images plain and stages under the data folder by default', () => {
    const c = resolve({ dataDir: '/srv/tower' });
    expect(c.library.storage).toBe('plain');
    expect(c.library.cdStorage).toBe('plain');
    expect(c.agent.staging).toEqual({ dir: path.join('/srv/tower', 'staging', 'images'), maxBytes: 60_000_000_000, plainImages: 'direct' });
  });

  it('takes the storage, the staging folder (relative to the file) and its cap from the file', () => {
    const c = resolve({ library: { storage: 'zstd', cdStorage: 'chd' }, agent: { staging: { dir: 'ram-staging', maxBytes: 8_000_000_000 } } });
    expect(c.library.storage).toBe('zstd');
    expect(c.library.cdStorage).toBe('chd');
    expect(c.agent.staging).toEqual({ dir: '/etc/tower/ram-staging', maxBytes: 8_000_000_000, plainImages: 'direct' });
  });

  it('stages plain images too when the file says so', () => {
    expect(resolve({ agent: { staging: { plainImages: 'stage' } } }).agent.staging?.plainImages).toBe('stage');
    expect(resolve({ agent: { staging: { plainImages: 'direct' } } }).agent.staging?.plainImages).toBe('direct');
  });

  it.each([
    [{ library: { storage: 'chd' } }, /library\.storage/],
    [{ library: { cdStorage: 'zstd' } }, /library\.cdStorage/],
    [{ agent: { staging: { maxBytes: 0 } } }, /agent\.staging\.maxBytes/],
    [{ agent: { staging: { dir: '' } } }, /agent\.staging\.dir/],
    [{ agent: { staging: { size: 5 } } }, /agent\.staging/],
    [{ agent: { staging: { plainImages: 'copy' } } }, /agent\.staging\.plainImages: expected one of "direct", "stage" \(got "copy"\)$/],
    [{ agent: { staging: { plainImages: true } } }, /agent\.staging\.plainImages/],
  ])('refuses %j', (file, field) => {
    let caught: unknown;
    try {
      resolve(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toMatch(field);
  });
});

/**
 * Configuration (file + environment, defaults, errors naming the field) and
 * start-up failures of the `tower` processes: one readable line, exit 1.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText, resolveConfig } from '../../src/config/config.js';
import { ensureTokens } from '../../src/config/token-store.js';
import { tempDir, TowerProcess, writeConfig } from './support/tower-process.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

describe('configuration', () => {
  it('defaults to a simulated tower of 8 CD-R drives with auto-loaders, embedded Redis, 127.0.0.1:8080', () => {
    const c = resolveConfig({}, { cwd: '/srv/t', env: {} });
    expect(c).toMatchObject({ http: { bind: '127.0.0.1', port: 8080 }, redisUrl: null, dataDir: '/srv/t/.tower', tokens: [] });
    expect(c.library.dir).toBe('/srv/t/.tower/library');
    expect(c.agent.quarantineAfter).toBe(3);
    const drives = c.agent.drives.kind === 'list' ? c.agent.drives.drives : [];
    expect(drives.map((d) => d.id)).toEqual(['sim:0', 'sim:1', 'sim:2', 'sim:3', 'sim:4', 'sim:5', 'sim:6', 'sim:7']);
    // Each auto-loader starts with 10,000 blanks (the default demo takes about 5,000 a drive) and a reject bin of 100.
    expect(drives[0]?.device).toMatch(/^sim:0\?media=CD-R&autoload=1&stack=10000&rejectBin=100&timeScale=0\.25$/);
  });

  it('sets the simulated auto-loaders\' stock from agent.simulated.loader, a drive\'s own stack from its faults', () => {
    const c = resolveConfig(parseConfigText(JSON.stringify({
      agent: { simulated: { count: 2, autoLoader: true, loader: { blanks: 3, rejectBin: 2 }, faults: { 1: { stack: 0 } } } },
    })));
    const drives = c.agent.drives.kind === 'list' ? c.agent.drives.drives : [];
    expect(drives.map((d) => d.device)).toEqual([
      'sim:0?media=CD-R&autoload=1&stack=3&rejectBin=2&timeScale=0.25',
      'sim:1?media=CD-R&autoload=1&stack=0&rejectBin=2&timeScale=0.25',
    ]);
    expect(() => resolveConfig(parseConfigText('{"agent":{"simulated":{"count":1,"autoLoader":false,"loader":{"blanks":3}}}}')))
      .toThrow(/config agent\.simulated\.loader: .*autoLoader is false/);
    expect(() => parseConfigText('{"agent":{"simulated":{"count":1,"loader":{"blanks":-1}}}}')).toThrow(/config agent\.simulated\.loader\.blanks/);
  });

  it('applies environment overrides over the file; relative file paths are taken from the file', async () => {
    const tmp = tempDir('tower-config-');
    cleanups.push(tmp.cleanup);
    const file = writeConfig(tmp.dir, 'c.json', {
      http: { port: 9000 }, dataDir: 'd', library: { importRoots: ['imports'] },
      agent: { drives: [{ device: 'stdio:discs/a.img', label: 'A', group: 'left' }, { device: 'sim:4?writeErrorAt=20' }] },
    });
    const c = await loadConfig({ file, cwd: '/elsewhere', env: { TOWER_PORT: '9100', REDIS_URL: 'redis://r:6379', TOWER_AGENT_ID: 'host-7', TOWER_OPERATOR_TOKEN: 'op-token-from-env-123' } });
    expect(c.http.port).toBe(9100);
    expect(c.redisUrl).toBe('redis://r:6379');
    expect(c.dataDir).toBe(path.join(tmp.dir, 'd'));
    expect(c.library.importRoots).toEqual([path.join(tmp.dir, 'imports')]);
    expect(c.agent.id).toBe('host-7');
    expect(c.tokens).toEqual([{ token: 'op-token-from-env-123', name: 'operator (TOWER_OPERATOR_TOKEN)', role: 'operator' }]);
    const drives = c.agent.drives.kind === 'list' ? c.agent.drives.drives : [];
    expect(drives.map((d) => [d.id, d.label, d.group, d.stdioMedia])).toEqual([
      [path.join(tmp.dir, 'discs/a.img'), 'A', 'left', 'CD-R'],
      ['sim:4', 'Sim 4', undefined, undefined],
    ]);
  });

  it('names the field at fault', async () => {
    expect(() => parseConfigText('{"http":{"port":"80"}}')).toThrow(/config http\.port: /);
    expect(() => parseConfigText('{"agent":{"drives":[{"device":"/dev/sr0","labl":"x"}]}}')).toThrow(/config agent\.drives\[0\]/);
    expect(() => parseConfigText('{"agent":{"simulated":{"count":2,"faults":{"1":{"writeErrorAt":"x"}}}}}'))
      .not.toThrow();
    expect(() => resolveConfig(parseConfigText('{"agent":{"simulated":{"count":2,"faults":{"1":{"writeErrorAt":"x"}}}}}')))
      .toThrow(/config agent\.simulated\.faults\.1: .*writeErrorAt=x/);
    expect(() => resolveConfig(parseConfigText('{"agent":{"drives":[{"device":"/etc/passwd"}]}}'))).toThrow(/config agent\.drives\[0\]\.device: /);
    expect(() => resolveConfig({}, { env: { TOWER_PORT: '99999' } })).toThrow(/config TOWER_PORT: /);
    expect(() => parseConfigText('{"http": ')).toThrow(/not valid JSON/);
  });

  it('generates an operator and a viewer token once, kept in tokens.json with mode 0600', async () => {
    const tmp = tempDir('tower-tokens-');
    cleanups.push(tmp.cleanup);
    const first = await ensureTokens({ tokens: [], dataDir: tmp.dir });
    expect(first.source).toBe('generated');
    expect(first.tokens.map((t) => t.role)).toEqual(['operator', 'viewer']);
    expect(statSync(path.join(tmp.dir, 'tokens.json')).mode & 0o777).toBe(0o600);
    const again = await ensureTokens({ tokens: [], dataDir: tmp.dir });
    expect(again).toMatchObject({ source: 'stored', tokens: first.tokens });
  });
});

describe('start-up failures', () => {
  it('a missing redis-server is one line naming apt-get install redis-server', async () => {
    const tmp = tempDir('tower-noredis-');
    cleanups.push(tmp.cleanup);
    const tower = new TowerProcess(['start'], { PATH: tmp.dir, TOWER_DATA_DIR: path.join(tmp.dir, 'data') });
    const exit = await tower.exited;
    expect(exit.code).toBe(1);
    expect(tower.stderr.trim().split('\n')).toEqual(['tower: redis-server is not installed: apt-get install redis-server [TOOL_MISSING]']);
  });

  it('a bad configuration file is one line naming the field; tower agent without Redis names REDIS_URL', async () => {
    const tmp = tempDir('tower-badconfig-');
    cleanups.push(tmp.cleanup);
    const bad = new TowerProcess(['serve', '--config', writeConfig(tmp.dir, 'bad.json', { agent: { quarantineAfter: 0 } })]);
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^tower: config agent\.quarantineAfter: .+$/);
    const agent = new TowerProcess(['agent'], { TOWER_DATA_DIR: path.join(tmp.dir, 'data') });
    expect((await agent.exited).code).toBe(1);
    expect(agent.stderr.trim()).toMatch(/^tower: config REDIS_URL: tower agent needs the controller's Redis/);
    expect(existsSync(path.join(tmp.dir, 'data'))).toBe(false);
  });
});

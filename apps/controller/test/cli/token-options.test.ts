/**
 * Where a controller command takes its token from: `--token-file` (first
 * line of a file only its owner may read), `TOWER_TOKEN`, or `--token`,
 * which still works but warns on stderr that `ps` shows it.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { EXIT } from '../../src/cli/cli-output.js';
import { TOKEN_OPTION_WARNING } from '../../src/cli/controller-context.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { makeDrive } from './fixtures.js';

const tmp = makeTempDir('tower-token-file-');
afterAll(() => tmp.cleanup());

/** A token file with `text` and `mode`. */
function tokenFile(name: string, text: string, mode = 0o600): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

const ENV = { TOWER_URL: 'http://controller.test:8080', TOWER_TOKEN: 'env-token' };

describe('controller commands: the API token', () => {
  it('--token-file sends the first line of the file, with no warning', async () => {
    const file = tokenFile('ok', '  file-token-0123456789  \nsecond line ignored\n');
    const { fetch, sent } = fakeFetch(() => json(200, [makeDrive()]));
    const result = await runCli(['drives', '--token-file', file], { fetch, env: ENV });
    expect(result.code).toBe(EXIT.ok);
    expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer file-token-0123456789']);
    expect(result.stderr).toBe('');
  });

  it('TOWER_TOKEN keeps working, with no warning', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, [makeDrive()]));
    const result = await runCli(['drives'], { fetch, env: ENV });
    expect(result.code).toBe(EXIT.ok);
    expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer env-token']);
    expect(result.stderr).toBe('');
  });

  it('--token still works and wins over TOWER_TOKEN, but warns once on stderr that ps shows it', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, [makeDrive()]));
    const result = await runCli(['drives', '--token', 'cli-token'], { fetch, env: ENV });
    expect(result.code).toBe(EXIT.ok);
    expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer cli-token']);
    expect(result.stderr).toBe(`${TOKEN_OPTION_WARNING}\n`);
    expect(TOKEN_OPTION_WARNING).toMatch(/ps.*TOWER_TOKEN or --token-file/);
  });

  it('--token-file wins over TOWER_TOKEN', async () => {
    const file = tokenFile('wins', 'file-token\n');
    const { fetch, sent } = fakeFetch(() => json(200, []));
    await runCli(['runs', '--token-file', file], { fetch, env: ENV });
    expect(sent[0]?.headers.authorization).toBe('Bearer file-token');
  });

  it.each([
    ['a missing file', () => path.join(tmp.dir, 'nope'), /^tower: cannot read the token file .*nope: no such file\n$/],
    ['an empty file', () => tokenFile('empty', ''), /^tower: the token file .*empty is empty: put the API token on its first line\n$/],
    ['a file with a blank first line', () => tokenFile('blank', '\nsecret-on-line-two\n'), /^tower: the token file .*blank is empty/],
    ['a file others may read', () => tokenFile('open', 'secret\n', 0o644), /^tower: the token file .*open is readable by others \(mode 0644\): chmod 600 .*open\n$/],
    ['a file its group may read', () => tokenFile('group', 'secret\n', 0o640), /^tower: the token file .*group is readable by its group \(mode 0640\)/],
    ['a folder', () => { const d = path.join(tmp.dir, 'folder'); mkdirSync(d, { recursive: true }); chmodSync(d, 0o700); return d; }, /^tower: the token file .*folder is not a file\n$/],
  ])('refuses %s with one line, exit 2, nothing sent', async (_label, file, stderr) => {
    const { fetch, sent } = fakeFetch(() => json(200, []));
    const result = await runCli(['runs', '--token-file', file()], { fetch, env: ENV });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe('');
    expect(sent).toHaveLength(0);
  });

  it('refuses --token with --token-file', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, []));
    const result = await runCli(['runs', '--token', 'a', '--token-file', tokenFile('both', 'b\n')], { fetch, env: ENV });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toBe('tower: give --token-file or --token, not both\n');
    expect(sent).toHaveLength(0);
  });

  it('lists --token-file in the help, and --token as visible in ps', async () => {
    const result = await runCli(['drives', '--help'], {});
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/--token-file <path>\s+read the API token from the first line of this file/);
    expect(result.stdout).toMatch(/--token <token>\s+API token on the command line: visible in ps/);
  });
});

/**
 * `tower images compress <id> --as chd` and `decompress` (issue 14) against a
 * real controller with real chdman: a CD image, and an ISO that fits a CD,
 * stored as a CHD with the space saved in one line; an ISO larger than any CD
 * refused with one line and a non-zero exit; a bad `--as` refused before
 * anything is sent.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import type { ImageView } from '../../src/shared/api-types.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { twoTrackDisc } from '../../../../jobs/test/support/stored-chd.js';
import { adoptIsoLargerThanCd } from '../support/larger-than-cd-iso.js';
import { call, OPERATOR, startEnv } from '../api/support.js';
import type { Env } from '../api/support.js';
import { runCli } from './cli-harness.js';

let env: Env;
let cd = '';
beforeAll(async () => {
  setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' });
  env = await startEnv();
  const disc = twoTrackDisc(path.join(env.importRoot, 'cli-chd'), 'mixed');
  cd = (await call(env, 'POST', '/api/images/import', { body: { path: disc.cue } })).body.id as string;
});
afterAll(async () => {
  setUnitDefaults({});
  await env?.stop();
});
const asOperator = (): { env: { TOWER_URL: string; TOWER_TOKEN: string } } => ({ env: { TOWER_URL: env.url, TOWER_TOKEN: OPERATOR } });

describe('tower images compress --as chd', () => {
  it('stores a CD image as a CHD and says the space saved; decompress makes it plain', async () => {
    const human = await runCli(['images', 'compress', cd, '--as', 'chd'], asOperator());
    expect(human.stderr).toBe('');
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout).toMatch(new RegExp(`^image ${cd} '.*' stored chd, [\\d.,]+ [kKM]i?B \\(saves [\\d.,]+ [kKM]i?B, \\d+%\\)\\n$`));
    const json = await runCli(['images', 'decompress', cd, '--json'], asOperator());
    expect(json.code).toBe(EXIT.ok);
    expect((JSON.parse(json.stdout) as ImageView).storage.compression).toBe('plain');
  });

  it('stores an ISO that fits a CD as a CHD, saying the space saved', async () => {
    const human = await runCli(['images', 'compress', env.image.id, '--as', 'chd'], asOperator());
    expect(human.stderr).toBe('');
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout).toMatch(new RegExp(`^image ${env.image.id} '.*' stored chd, [\\d.,]+ [kKM]i?B \\(saves [\\d.,]+ [kKM]i?B, \\d+%\\)\\n$`));
    const json = await runCli(['images', 'decompress', env.image.id, '--json'], asOperator());
    expect(json.code).toBe(EXIT.ok);
    expect((JSON.parse(json.stdout) as ImageView).storage.compression).toBe('plain');
  });

  it('refuses an ISO larger than any CD with one line and a non-zero exit, and a bad --as before sending', async () => {
    const big = await adoptIsoLargerThanCd(env.library);
    const iso = await runCli(['images', 'compress', big.id, '--as', 'chd'], asOperator());
    expect(iso.code).not.toBe(EXIT.ok);
    expect(iso.stdout).toBe('');
    expect(iso.stderr.trim().split('\n')).toHaveLength(1);
    expect(iso.stderr).toMatch(/is an ISO of 829442048 bytes \(405001 sectors\), more than a CD holds .*: CHD stores CD images only; store it compressed with zstd/);
    expect((await call(env, 'GET', `/api/images/${big.id}`)).body.storage.compression).toBe('plain');
    const bad = await runCli(['images', 'compress', cd, '--as', 'rar'], asOperator());
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/--as must be zstd or chd, got 'rar'/);
    expect((await call(env, 'GET', `/api/images/${cd}`)).body.storage.compression).toBe('plain');
  });
});

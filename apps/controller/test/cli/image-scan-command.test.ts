/**
 * `tower images scan <id> [--json]` and the scan in `tower images show`,
 * against a real controller whose library scans with the real clamscan and
 * a local EICAR-only database (policy block).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { DEFAULT_MALWARE_SCAN } from '../../src/library/index.js';
import type { ImageView } from '../../src/shared/api-types.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { call, OPERATOR, startEnv } from '../api/support.js';
import type { Env } from '../api/support.js';
import { makeTempDir } from '../library/support.js';
import { EICAR_SIGNATURE, makeEicarDatabase, makeScanIsos } from '../support/malware-fixtures.js';
import { runCli } from './cli-harness.js';

let env: Env;
let work: ReturnType<typeof makeTempDir>;
let infected = '';
beforeAll(async () => {
  setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' });
  work = makeTempDir('cli-scan-');
  env = await startEnv({ library: { malwareScan: { ...DEFAULT_MALWARE_SCAN, policy: 'block', database: makeEicarDatabase(work.dir) } } });
  infected = (await call(env, 'POST', '/api/images/import', { body: { path: makeScanIsos(env.importRoot).infected } })).body.id as string;
});
afterAll(async () => {
  setUnitDefaults({});
  await env?.stop();
  work?.cleanup();
});
const asOperator = (): { env: { TOWER_URL: string; TOWER_TOKEN: string } } => ({ env: { TOWER_URL: env.url, TOWER_TOKEN: OPERATOR } });

describe('tower images scan', () => {
  it('scans and prints the result in one line; --json prints the image with its scan', async () => {
    const human = await runCli(['images', 'scan', infected], asOperator());
    expect(human.code).toBe(EXIT.ok);
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(new RegExp(`^image ${infected} 'infected.iso': INFECTED: ${EICAR_SIGNATURE.replace(/\./g, '\\.')}\\.UNOFFICIAL \\(ClamAV [\\d.]+, hand-made database, 1 signature, \\d\\d/\\d\\d/\\d{4}, \\d\\d:\\d\\d:\\d\\d\\)\\n$`));
    const json = await runCli(['images', 'scan', env.image.id, '--json'], asOperator());
    const image = JSON.parse(json.stdout) as ImageView;
    expect(image.id).toBe(env.image.id);
    expect(image.malwareScan).toMatchObject({ result: 'clean', signatures: [], databaseSignatures: 1, databaseVersion: null });
  });

  it('show names the scan', async () => {
    const shown = await runCli(['images', 'show', infected], asOperator());
    expect(shown.stdout).toMatch(new RegExp(`Malware scan:\\s+INFECTED: ${EICAR_SIGNATURE.replace(/\./g, '\\.')}`));
  });
});

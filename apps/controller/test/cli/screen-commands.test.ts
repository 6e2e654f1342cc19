/**
 * `tower screens`, `tower screens pair --name …` and `tower screens revoke
 * <id>`: requests and output against a fake fetch, then the whole life of a
 * screen against a real controller (pair, claim, list, revoke, refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import type { ScreenPairing, ScreenView } from '../../src/shared/api-types.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { call, OPERATOR, startEnv, VIEWER } from '../api/support.js';
import type { Env } from '../api/support.js';
import { fakeFetch, json, runCli } from './cli-harness.js';

const AT = Date.UTC(2026, 10, 23, 9, 30, 0);
const PENDING: ScreenView = { id: 'scr-0123456789', name: 'wall-1', status: 'pending', createdAt: AT, createdBy: 'olga', expiresAt: AT + 600_000, pairedAt: null };
const PAIRED: ScreenView = { id: 'scr-abcdef0123', name: 'wall 2', status: 'paired', createdAt: AT - 86_400_000, createdBy: 'olga', expiresAt: null, pairedAt: AT - 86_000_000 };

// Dates and numbers follow the locale and zone; pin them so the expected lines hold on any host.
beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

describe('tower screens (fake controller)', () => {
  it('pair posts the name and prints the code, where to enter it, and how to revoke', async () => {
    const pairing: ScreenPairing = { screen: PENDING, code: 'ABCD-EFGH', expiresAt: AT + 600_000 };
    const { fetch, sent } = fakeFetch(() => json(201, pairing));
    const result = await runCli(['screens', 'pair', '--name', ' wall-1 '], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.url.href).toBe('http://controller.test:8080/api/screens/pairing');
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ name: 'wall-1' });
    expect(result.stdout).toBe([
      "pairing code for screen 'wall-1': ABCD-EFGH",
      'on the screen, open http://controller.test:8080/shopfloor/ and enter the code (valid until 23/11/2026, 09:40:00 UTC, once)',
      'revoke the screen later with: tower screens revoke scr-0123456789',
      '',
    ].join('\n'));
    expect(result.stderr).toBe('');
  });

  it('pair --json prints the pairing as the API sent it', async () => {
    const pairing: ScreenPairing = { screen: PENDING, code: 'ABCD-EFGH', expiresAt: AT + 600_000 };
    const { fetch } = fakeFetch(() => json(201, pairing));
    const result = await runCli(['screens', 'pair', '--name', 'wall-1', '--json'], { fetch });
    expect(JSON.parse(result.stdout)).toEqual(pairing);
  });

  it.each([
    [['screens', 'pair'], "tower: required option '--name <name>' not specified\n"],
    [['screens', 'pair', '--name', ''], "tower: --name must be 1 to 64 letters, digits, spaces and . _ - (starting with a letter or digit), got ''\n"],
    [['screens', 'pair', '--name', 'wall\n1'], /^tower: --name must be 1 to 64 .*got 'wall\\n1'\n$/],
    [['screens', 'pair', '--name', 'w'.repeat(65)], /^tower: --name must be 1 to 64/],
    [['screens', 'revoke'], "tower: missing required argument 'screenId'\n"],
  ])('refuses %j locally: one line, exit 2, nothing sent', async (argv, stderr) => {
    const { fetch, sent } = fakeFetch(() => json(201, {}));
    const result = await runCli(argv, { fetch });
    expect(result.code).toBe(EXIT.usage);
    if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe('');
    expect(sent).toHaveLength(0);
  });

  it('lists screens, pending and paired', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, [PAIRED, PENDING]));
    const result = await runCli(['screens'], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(sent[0]?.url.pathname).toBe('/api/screens');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+SINCE\s+BY$/);
    expect(lines[1]).toMatch(/^scr-abcdef0123\s+wall 2\s+paired\s+22\/11\/2026, 09:36:40\s+olga$/);
    expect(lines[2]).toMatch(/^scr-0123456789\s+wall-1\s+pending until 23\/11\/2026, 09:40:00\s+23\/11\/2026, 09:30:00\s+olga$/);
  });

  it('says how to pair when there is no screen', async () => {
    const { fetch } = fakeFetch(() => json(200, []));
    const result = await runCli(['screens', 'list'], { fetch });
    expect(result.stdout).toBe('No wall screens. Pair one with: tower screens pair --name wall-1\n');
  });

  it('revoke sends DELETE and says so; an unknown id is the API\'s one line, exit 1', async () => {
    const { fetch, sent } = fakeFetch((req) => (req.url.pathname.endsWith('scr-0123456789') ? new Response(null, { status: 204 }) : json(404, { error: { code: 'NOT_FOUND', message: 'no screen with id scr-9999999999' } })));
    const ok = await runCli(['screens', 'revoke', 'scr-0123456789'], { fetch });
    expect(ok.code).toBe(EXIT.ok);
    expect(sent[0]).toMatchObject({ method: 'DELETE' });
    expect(sent[0]?.url.pathname).toBe('/api/screens/scr-0123456789');
    expect(ok.stdout).toBe('revoked screen scr-0123456789: its token no longer works and its live view is closed\n');
    const missing = await runCli(['screens', 'revoke', 'scr-9999999999'], { fetch });
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toBe('tower: no screen with id scr-9999999999 [NOT_FOUND]\n');
  });
});

describe('tower screens (real controller)', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({ deps: { log: () => undefined } });
  });
  afterAll(async () => env?.stop());
  const as = (token: string): { env: { TOWER_URL: string; TOWER_TOKEN: string } } => ({ env: { TOWER_URL: env.url, TOWER_TOKEN: token } });

  it('pairs, lists, revokes; the screen\'s token works until revoked; a viewer may do none of it', async () => {
    const paired = await runCli(['screens', 'pair', '--name', 'wall-1', '--json'], as(OPERATOR));
    expect(paired.stderr).toBe('');
    const pairing = JSON.parse(paired.stdout) as ScreenPairing;
    const claimed = await call(env, 'POST', '/api/screens/claim', { token: null, body: { code: pairing.code } });
    expect(claimed.status).toBe(201);
    const token = claimed.body.token as string;
    expect((await call(env, 'GET', '/api/drives', { token })).status).toBe(200);

    const listed = await runCli(['screens'], as(OPERATOR));
    expect(listed.stdout).toMatch(new RegExp(`^${pairing.screen.id}\\s+wall-1\\s+paired\\s`, 'm'));

    const refused = await runCli(['screens', 'pair', '--name', 'wall-2'], as(VIEWER));
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.stderr).toMatch(/^tower: victor is a viewer: this needs an operator token \[FORBIDDEN\]\n$/);
    expect((await runCli(['screens', 'revoke', pairing.screen.id], as(token))).code).toBe(EXIT.failed);

    const revoked = await runCli(['screens', 'revoke', pairing.screen.id], as(OPERATOR));
    expect(revoked.code).toBe(EXIT.ok);
    expect((await call(env, 'GET', '/api/drives', { token })).status).toBe(401);
    expect((await runCli(['screens', '--json'], as(OPERATOR))).stdout.trim()).toBe('[]');
  });
});

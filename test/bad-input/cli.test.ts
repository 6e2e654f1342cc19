/**
 * Bad input over the built `tower` CLI (apps/controller/bin/tower.js, run as
 * a child process with an argument array). Drive commands run without a
 * controller; controller commands talk to a real API (the test app of
 * apps/controller/test/api/support.ts). Each case must exit non-zero (2 for
 * usage errors, 1 for refusals), print exactly one line on stderr and
 * nothing on stdout, write nothing in its working folder, and change nothing
 * on the controller (runs, queues, library, audit log).
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR, queuedCopies, startEnv, VIEWER } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';
import { adoptIsoLargerThanCd } from '../../apps/controller/test/support/larger-than-cd-iso.js';
import { storeAsChd } from '../../apps/controller/src/library/chd-storage.js';
import { REPO_ROOT, TOWER_CLI } from '../support/repo-paths.js';

const SAMPLE = path.join(REPO_ROOT, 'apps', 'controller', 'assets', 'sample-image.iso');
/** The sample image cut 10 sectors short of its ISO 9660 volume (placed in the import root), and what both refusals of it say. */
let truncatedIso = '';
const SAMPLE_BYTES = statSync(SAMPLE).size;
const TRUNCATED = `image is truncated: its ISO 9660 volume needs ${SAMPLE_BYTES} bytes, the file has ${SAMPLE_BYTES - 10 * 2048}`;

let env: Env;
let work = '';
/** An ISO one sector larger than any CD (sparse, adopted), and an ISO stored as a CHD. */
let overCd = '';
let chdIso = '';
beforeAll(async () => {
  env = await startEnv();
  work = path.join(env.dir, 'cwd');
  mkdirSync(work);
  writeFileSync(path.join(work, 'garbage.iso'), Buffer.alloc(100_000, 0x41));
  writeFileSync(path.join(work, 'empty-token'), '', { mode: 0o600 });
  writeFileSync(path.join(work, 'open-token'), `${OPERATOR}\n`);
  chmodSync(path.join(work, 'open-token'), 0o644);
  writeFileSync(path.join(work, 'good-token'), `${OPERATOR}\n`, { mode: 0o600 });
  writeFileSync(path.join(work, 'history.txt'), 'the last export\n');
  truncatedIso = path.join(env.importRoot, 'truncated.iso');
  copyFileSync(SAMPLE, truncatedIso);
  truncateSync(truncatedIso, SAMPLE_BYTES - 10 * 2048);
  overCd = (await adoptIsoLargerThanCd(env.library)).id;
  chdIso = (await env.library.changeStorage((await env.library.importFromPath(env.isoBig)).id, storeAsChd)).id;
});
afterAll(async () => env?.stop());

function tower(args: readonly string[], token: string | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ['TOWER_URL', 'TOWER_TOKEN', 'TOWER_CONFIG', 'REDIS_URL']) delete base[k];
  const child = spawn(process.execPath, [TOWER_CLI, ...args], {
    cwd: work,
    env: { ...base, HOME: work, TOWER_URL: env.url, ...(token === null ? {} : { TOWER_TOKEN: token }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function state(): Promise<unknown> {
  return {
    cwd: readdirSync(work, { recursive: true, encoding: 'utf8' }).sort(),
    runs: await env.runStore.listRunIds(),
    queued: await queuedCopies(env),
    library: readdirSync(env.library.dir, { recursive: true, encoding: 'utf8' }).sort(),
    audit: await env.redis.llen('tower:audit'),
    quarantine: await env.redis.hgetall('tower:quarantine'),
  };
}

interface Case {
  readonly args: () => string[];
  readonly label: string;
  readonly exit: number;
  readonly stderr: RegExp;
  /** Default: the operator's token. */
  readonly token?: string | null;
}

const c = (label: string, args: () => string[], exit: number, stderr: RegExp, token?: string | null): Case => ({ label, args, exit, stderr, ...(token === undefined ? {} : { token }) });

const cases: Case[] = [
  // Device strings with shell metacharacters (drive commands, no controller).
  c("drive burn '/dev/sr0;rm -rf /' sample.iso", () => ['drive', 'burn', '/dev/sr0;rm -rf /', SAMPLE], 2, /INVALID_DEVICE/),
  c("drive info '$(reboot)'", () => ['drive', 'info', '$(reboot)'], 2, /'\$\(reboot\)' is not a device.*\[INVALID_DEVICE\]/),
  c('drive info `reboot`', () => ['drive', 'info', '`reboot`'], 2, /INVALID_DEVICE/),
  c("drive info 'sim:0;reboot'", () => ['drive', 'info', 'sim:0;reboot'], 2, /INVALID_DEVICE/),
  c("drive eject '/dev/sr0 && halt'", () => ['drive', 'eject', '/dev/sr0 && halt'], 2, /INVALID_DEVICE/),
  c("drive read '/dev/sr0|cat' out.bin", () => ['drive', 'read', '/dev/sr0|cat', 'out.bin'], 2, /INVALID_DEVICE/),
  c("drive burn 'sim:0?media=CD-R&x=$(reboot)'", () => ['drive', 'burn', 'sim:0?media=CD-R&x=$(reboot)', SAMPLE], 2, /unknown key 'x'.*INVALID_DEVICE/),
  c("drive burn 'sim:0?writeErrorAt=;reboot'", () => ['drive', 'burn', 'sim:0?writeErrorAt=;reboot', SAMPLE], 2, /INVALID_DEVICE/),
  c('drive info with a newline in the device', () => ['drive', 'info', '/dev/sr0\nreboot'], 2, /'\/dev\/sr0\\nreboot'.*INVALID_DEVICE/),
  // Images that are not images, and traversal in image paths.
  c('drive burn sim:0 garbage.iso', () => ['drive', 'burn', 'sim:0', 'garbage.iso'], 1, /garbage\.iso: neither an ISO 9660 image \(no CD001 volume descriptor at sector 16\) nor a CUE sheet \[IMAGE_ERROR\]/),
  c('drive burn sim:0 ../../../../etc/passwd', () => ['drive', 'burn', 'sim:0', '../../../../etc/passwd'], 1, /IMAGE_ERROR/),
  c('drive burn sim:0 missing.iso', () => ['drive', 'burn', 'sim:0', 'missing.iso'], 1, /no such file \[IMAGE_ERROR\]/),
  // A truncated ISO (volume space size larger than the file): the same refusal, with the same numbers, from the drive and the library.
  c('drive burn a blank CD-R truncated.iso', () => ['drive', 'burn', 'sim:0?media=CD-R&timeScale=0.001', truncatedIso], 1, new RegExp(`truncated\\.iso: ${TRUNCATED} \\[IMAGE_ERROR\\]$`)),
  c('images import truncated.iso', () => ['images', 'import', truncatedIso], 1, new RegExp(`${TRUNCATED} \\[ISO_TRUNCATED\\]$`)),
  c('drive read sim:0 over an existing file', () => ['drive', 'read', 'sim:0', 'garbage.iso'], 2, /exists; use --force/),
  // Out-of-range and wrong-type numbers.
  c('drive burn --speed -3', () => ['drive', 'burn', 'sim:0', SAMPLE, '--speed', '-3'], 2, /--speed must be/),
  c('drive burn --speed fast', () => ['drive', 'burn', 'sim:0', SAMPLE, '--speed', 'fast'], 2, /--speed must be/),
  c('drive read --bytes -5', () => ['drive', 'read', 'sim:0', 'out.bin', '--bytes', '-5'], 2, /--bytes must be a positive multiple of 2048/),
  c('drive read --bytes 1000', () => ['drive', 'read', 'sim:0', 'out.bin', '--bytes', '1000'], 2, /--bytes must be a positive multiple of 2048/),
  c('run img --copies -1', () => ['run', env.image.id, '--copies', '-1'], 2, /--copies must be a whole number from 1 to 10000, got '-1'/),
  c('run img --copies 0', () => ['run', env.image.id, '--copies', '0'], 2, /--copies must be/),
  c('run img --copies 2.5', () => ['run', env.image.id, '--copies', '2.5'], 2, /--copies must be/),
  c('run img --copies ten', () => ['run', env.image.id, '--copies', 'ten'], 2, /--copies must be/),
  c('run img --copies 100000', () => ['run', env.image.id, '--copies', '100000'], 2, /--copies must be/),
  c('run img --copies 1e3', () => ['run', env.image.id, '--copies', '1e3'], 2, /--copies must be/),
  c('run img --speed 0', () => ['run', env.image.id, '--copies', '2', '--speed', '0'], 2, /--speed must be/),
  c('run img --verify sometimes', () => ['run', env.image.id, '--copies', '2', '--verify', 'sometimes'], 2, /--verify must be/),
  c('run img --verify every-nth:0', () => ['run', env.image.id, '--copies', '2', '--verify', 'every-nth:0'], 2, /--verify must be/),
  c('run img --priority 5000', () => ['run', env.image.id, '--copies', '2', '--priority', '5000'], 2, /priority/),
  c('history --limit 0', () => ['history', '--limit', '0'], 2, /--limit must be/),
  c('history --limit many', () => ['history', '--limit', 'many'], 2, /--limit must be/),
  // Usage errors.
  c('an unknown command', () => ['frobnicate'], 2, /unknown command 'frobnicate'/),
  c('an unknown option', () => ['watch', '--interval', 'x'], 2, /unknown option '--interval'/),
  c('run without --copies', () => ['run', env.image.id], 2, /copies/),
  // Unknown ids on the controller.
  c('run an unknown image', () => ['run', 'img-000000000000', '--copies', '2'], 1, /no image with id img-000000000000/),
  c("run on drive '/dev/sr0;rm -rf /'", () => ['run', env.image.id, '--copies', '2', '--drives', '/dev/sr0;rm -rf /'], 1, /drives/),
  c('runs pause an unknown run', () => ['runs', 'pause', 'run-nope'], 1, /no run with id run-nope/),
  c('runs show an unknown run', () => ['runs', 'show', 'run-nope'], 1, /no run with id run-nope/),
  c('images show an unknown image', () => ['images', 'show', 'img-000000000000'], 1, /no image/),
  c('images delete an unknown image', () => ['images', 'delete', 'img-000000000000'], 1, /no image/),
  c('images scan an unknown image', () => ['images', 'scan', 'img-000000000000'], 1, /no image/),
  c('images compress an unknown image', () => ['images', 'compress', 'img-000000000000'], 1, /no image/),
  c('images decompress an image stored plain', () => ['images', 'decompress', env.image.id], 1, /stored plain already/),
  c('images compress without an id', () => ['images', 'compress'], 2, /missing required argument 'imageId'/),
  c('images compress --as an unknown form', () => ['images', 'compress', env.image.id, '--as', 'rar'], 2, /--as must be zstd or chd, got 'rar'/),
  c('images compress an ISO larger than any CD --as chd', () => ['images', 'compress', overCd, '--as', 'chd'], 1, /is an ISO of 829442048 bytes \(405001 sectors\), more than a CD holds .*CHD stores CD images only/),
  c('images compress an ISO stored as a CHD --as chd', () => ['images', 'compress', chdIso, '--as', 'chd'], 1, /already stored compressed \(chd\): decompress it first/),
  c('images decompress --as chd', () => ['images', 'decompress', env.image.id, '--as', 'chd'], 2, /unknown option '--as'/),
  c("eject '$(reboot)'", () => ['eject', '$(reboot)'], 1, /not allowed|no drive/),
  c("quarantine 'sim:0;reboot'", () => ['quarantine', 'sim:0;reboot', '--reason', 'x'], 1, /not allowed|no drive/),
  c('master from an unknown drive', () => ['master', 'sim:77', '--name', 'm'], 1, /no drive with id sim:77/),
  // A disc put into a simulated drive.
  c('drive insert with neither --blank nor --image', () => ['drive', 'insert', 'sim:0'], 2, /give --blank <media type> or --image <id>, one of them/),
  c('drive insert with both --blank and --image', () => ['drive', 'insert', 'sim:0', '--blank', 'CD-R', '--image', env.image.id], 2, /one of them/),
  c('drive insert --blank DVD-ROM', () => ['drive', 'insert', 'sim:0', '--blank', 'DVD-ROM'], 2, /--blank must be one of CD-R, .*got 'DVD-ROM'/),
  c('drive insert into an unknown drive', () => ['drive', 'insert', 'sim:77', '--blank', 'CD-R'], 1, /no drive with id sim:77/),
  c('drive insert an unknown image', () => ['drive', 'insert', 'sim:77', '--image', '../etc'], 1, /not allowed|image/),
  // Path traversal in import paths.
  c('images import ../../etc/passwd', () => ['images', 'import', '../../etc/passwd'], 2, /must be absolute/),
  c('images import /etc/passwd', () => ['images', 'import', '/etc/passwd'], 1, /cannot import \/etc\/passwd/),
  c('images import root/../../etc/passwd', () => ['images', 'import', `${env.importRoot}/../../etc/passwd`], 1, /cannot import/),
  c('images build a relative folder', () => ['images', 'build', 'some/folder', '--name', 'x'], 2, /must be absolute/),
  c('images build /etc', () => ['images', 'build', '/etc', '--name', 'x'], 1, /cannot build an image from \/etc: the path is outside the import roots \[BUILD_FOLDER_REFUSED\]$/),
  c('images build root/..', () => ['images', 'build', `${env.importRoot}/..`, '--name', 'x'], 1, /contains '\.\.' \[BUILD_FOLDER_REFUSED\]$/),
  c('images build --media floppy', () => ['images', 'build', env.importRoot, '--name', 'x', '--media', 'floppy'], 2, /--media must be one of/),
  c('images build without --name', () => ['images', 'build', env.importRoot], 2, /--name/),
  c('images build as a viewer', () => ['images', 'build', env.importRoot, '--name', 'x'], 1, /operator|forbidden|not allowed/i, VIEWER),
  c('images upload garbage.iso', () => ['images', 'upload', 'garbage.iso'], 1, /IMAGE_UNRECOGNISED|not an? (ISO|image)|neither/i),
  // Missing tokens and wrong roles.
  c('run without a token', () => ['run', env.image.id, '--copies', '2'], 2, /no API token/, null),
  c('run as a viewer', () => ['run', env.image.id, '--copies', '2'], 1, /operator|forbidden|not allowed/i, VIEWER),
  c('images delete as a viewer', () => ['images', 'delete', env.image.id], 1, /operator|forbidden|not allowed/i, VIEWER),
  c('images scan as a viewer', () => ['images', 'scan', env.image.id], 1, /operator|forbidden|not allowed/i, VIEWER),
  c('quarantine with a wrong token', () => ['quarantine', 'sim:0', '--reason', 'x'], 1, /token/i, 'wrong-token-0123456789'),
  // Token files that cannot be used (no TOWER_TOKEN to fall back on).
  c('run with a missing --token-file', () => ['run', env.image.id, '--copies', '2', '--token-file', 'no-such-token'], 2, /cannot read the token file no-such-token: no such file/, null),
  // Mistyped commands: one line, Commander's suggestion kept, a group's subcommand not taken as list's argument.
  c('history --output onto an existing file', () => ['history', '--output', 'history.txt'], 2, /history\.txt exists; use --force to replace it$/),
  c('drvies', () => ['drvies'], 2, /unknown command 'drvies' \(Did you mean drives\?\)$/),
  c('runs shwo x', () => ['runs', 'shwo', 'x'], 2, /unknown command 'shwo' for 'tower runs' \(Did you mean show\?\)$/),
  c('run with an empty --token-file', () => ['run', env.image.id, '--copies', '2', '--token-file', 'empty-token'], 2, /the token file empty-token is empty/, null),
  c('run with a --token-file others may read', () => ['run', env.image.id, '--copies', '2', '--token-file', 'open-token'], 2, /the token file open-token is readable by others \(mode 0644\): chmod 600/, null),
  c('run with both --token and --token-file', () => ['run', env.image.id, '--copies', '2', '--token', OPERATOR, '--token-file', 'good-token'], 2, /give --token-file or --token, not both/, null),
];

describe('tower history --output', () => {
  it('keeps an existing file unless --force is given', async () => {
    const file = path.join(work, 'history.txt');
    expect((await tower(['history', '--output', 'history.txt'], OPERATOR)).code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('the last export\n');
    const forced = await tower(['history', '--output', 'history.txt', '--force'], OPERATOR);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe('the last export\n');
    writeFileSync(file, 'the last export\n');
  });
});

describe('tower --version', () => {
  it('prints the version of the package and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'apps', 'controller', 'package.json'), 'utf8')) as { version: string };
    const res = await tower(['--version'], null);
    expect(res).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('CLI bad input: non-zero exit, one stderr line, nothing written', () => {
  it.each(cases)('tower $label', async (k) => {
    const before = await state();
    const res = await tower(k.args(), k.token === undefined ? OPERATOR : k.token);
    // Upload progress (not a TTY: plain lines) may precede the one failure line.
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '' && !/^upload \d/.test(l));
    expect(res.code, res.stderr).toBe(k.exit);
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^tower: /);
    expect(lines[0]).toMatch(k.stderr);
    expect(res.stdout).toBe('');
    expect(await state()).toEqual(before);
  });
});

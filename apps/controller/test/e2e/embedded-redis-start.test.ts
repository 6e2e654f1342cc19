/**
 * `tower serve` with its embedded Redis: a password generated beside the
 * tokens (mode 0600) and reused on restart, a private data folder (0700),
 * clients without the password refused, and the password never printed;
 * the banner tells how to pair a wall screen.
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, TowerProcess } from './support/tower-process.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const mode = (p: string): number => statSync(p).mode & 0o777;

/** The first reply line of one command sent without a password. */
function anonymous(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (b: Buffer) => {
      text += b.toString('latin1');
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.split('\r\n')[0] ?? '');
      }
    });
  });
}

async function serve(dataDir: string): Promise<{ tower: TowerProcess; redisPort: number }> {
  const tower = new TowerProcess(['serve'], { TOWER_DATA_DIR: dataDir, TOWER_PORT: '0' });
  cleanups.push(async () => void (await tower.stop()));
  await tower.url();
  const m = await tower.waitForOutput(/embedded Redis at redis:\/\/127\.0\.0\.1:(\d+) /);
  return { tower, redisPort: Number(m[1]) };
}

describe('tower serve: the embedded Redis', () => {
  it('has a generated password (0600, beside tokens.json), a 0700 folder, refuses clients without it, and never prints it', async () => {
    const tmp = tempDir('tower-redis-auth-');
    cleanups.push(tmp.cleanup);
    const dataDir = path.join(tmp.dir, 'data');
    const { tower, redisPort } = await serve(dataDir);
    const passwordFile = path.join(dataDir, 'redis-password');
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(mode(passwordFile)).toBe(0o600);
    expect(mode(path.join(dataDir, 'tokens.json'))).toBe(0o600);
    expect(mode(path.join(dataDir, 'redis'))).toBe(0o700);
    expect(tower.stdout).toContain(`embedded Redis at redis://127.0.0.1:${redisPort} (`);
    expect(tower.stdout).toContain(`password in ${passwordFile}, mode 0600`);
    expect(tower.stdout + tower.stderr).not.toContain(password);
    // A wall screen is told to pair, never to carry a token in its URL.
    expect(tower.stdout).toMatch(/wall screen: open http:\/\/127\.0\.0\.1:\d+\/shopfloor\/ on it and enter the code that `tower screens pair --name <screen>` prints/);
    expect(tower.stdout).not.toMatch(/[?&]token=/);
    expect(await anonymous(redisPort, 'KEYS *')).toMatch(/^-NOAUTH/);
    expect(await anonymous(redisPort, `AUTH ${'0'.repeat(64)}`)).toMatch(/^-WRONGPASS/);
    expect(await anonymous(redisPort, `AUTH ${password}`)).toBe('+OK');

    // A restart reuses the password (and its controller comes up on it).
    await tower.stop();
    const again = await serve(dataDir);
    expect(readFileSync(passwordFile, 'utf8').trim()).toBe(password);
    expect(again.tower.stdout + again.tower.stderr).not.toContain(password);
    expect(await anonymous(again.redisPort, 'KEYS *')).toMatch(/^-NOAUTH/);
  });
});

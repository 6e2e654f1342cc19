import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTargetLock, fallbackLockPathFor, lockPathFor } from '../../src/cdrecord/target-lock.js';
import { DriveBusyError, DriveGoneError } from '../../src/errors.js';
import { makeTempDir } from '../support/test-images.js';

let work: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  work = makeTempDir('target-lock-');
});
afterAll(() => work.cleanup());

describe('acquireTargetLock', () => {
  it('creates <target>.tower-lock holding the pid and removes it on release', async () => {
    const target = path.join(work.dir, 'a.img');
    const lock = await acquireTargetLock(target, `stdio:${target}`);
    expect(lock.path).toBe(`${target}.tower-lock`);
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    await expect(acquireTargetLock(target, `stdio:${target}`)).rejects.toBeInstanceOf(DriveBusyError);
    await lock.release();
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses while another live process holds it', async () => {
    const target = path.join(work.dir, 'b.img');
    writeFileSync(lockPathFor(target), '1\n'); // pid 1 is always alive
    const err = await acquireTargetLock(target, 'stdio:b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriveBusyError);
    expect((err as DriveBusyError).message).toContain('process 1');
  });

  it('takes over a lock of a dead process, and an old empty one', async () => {
    const target = path.join(work.dir, 'c.img');
    writeFileSync(lockPathFor(target), '999999999\n');
    await (await acquireTargetLock(target, 'stdio:c')).release();
    writeFileSync(lockPathFor(target), '');
    await expect(acquireTargetLock(target, 'stdio:c')).rejects.toBeInstanceOf(DriveBusyError);
    utimesSync(lockPathFor(target), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await (await acquireTargetLock(target, 'stdio:c')).release();
  });

  it('says DriveGoneError when the directory is missing', async () => {
    await expect(acquireTargetLock(path.join(work.dir, 'none', 'x.img'), 'stdio:x')).rejects.toBeInstanceOf(DriveGoneError);
  });

  it('has a per-target fallback path in the temp directory', () => {
    expect(fallbackLockPathFor('/a/b.img')).toMatch(/tower-locks\/[0-9a-f]{32}\.lock$/);
    expect(fallbackLockPathFor('/a/b.img')).not.toBe(fallbackLockPathFor('/a/c.img'));
  });
});

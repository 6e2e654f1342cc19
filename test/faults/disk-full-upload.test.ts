/**
 * Fault: the library volume fills up during an upload or an import through
 * the API. The library lives on a 4 MiB tmpfs; a 6 MiB image (random data:
 * no holes to save it) does not fit. Each request is answered 507
 * INSUFFICIENT_STORAGE saying how many bytes are free and how many the image
 * needs (it used to be 500 INTERNAL), and the volume holds exactly what it
 * held: no partial image, no staging folder. The controller goes on serving:
 * a small image still fits afterwards.
 * Needs root (mount); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeIso } from '../../drivers/test/support/test-images.js';
import { Cleanups } from './support/fault-harness.js';
import { startInProcessController } from './support/in-process-controller.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const isRoot = process.getuid?.() === 0;

/** Every file under `dir` with its size, hidden ones included. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => `${f}:${statSync(path.join(dir, f)).size}`).sort();
}

describe.skipIf(!isRoot)('fault: library volume full during an upload or an import', () => {
  it('507 INSUFFICIENT_STORAGE with the free and needed bytes, nothing half-written', { timeout: 60_000 }, async () => {
    let volume = '';
    const t = await startInProcessController(cleanups, {
      libraryDir: (dir) => {
        volume = path.join(dir, 'small-volume');
        mkdirSync(volume);
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', volume]);
        cleanups.add(() => execFileSync('umount', ['-l', volume]));
        return volume;
      },
    });
    const big = makeIso(t.importRoot, { name: 'big.iso', payloadBytes: 6 * 1024 * 1024, label: 'BIG' });
    const bytes = readFileSync(big);
    const before = listing(volume);

    const expectFull = (res: { status: number; body: { error?: { code?: string; message?: string } }; text: string }, needs: number): void => {
      expect(res.status, res.text).toBe(507);
      expect(res.body.error?.code).toBe('INSUFFICIENT_STORAGE');
      const m = /^the library volume is full: (\d+) bytes free \([^)]+\), the image needs (\d+) bytes \([^)]+\); /.exec(res.body.error?.message ?? '');
      expect(m, res.text).not.toBeNull();
      const fs = statfsSync(volume);
      expect(Number(m?.[1])).toBe(fs.bavail * fs.bsize);
      expect(Number(m?.[2])).toBe(needs);
      expect(listing(volume)).toEqual(before);
    };

    expectFull(await t.call('POST', '/api/images/upload?name=too-big', { raw: bytes }), bytes.length);
    expectFull(await t.call('POST', '/api/images/import', { body: { path: big } }), bytes.length);
    expect((await t.call('GET', '/api/images')).body).toEqual([]);

    // Still serving: what fits goes in.
    const small = await t.call('POST', '/api/images/import', { body: { path: t.smallIso } });
    expect(small.status, small.text).toBe(201);
  });
});

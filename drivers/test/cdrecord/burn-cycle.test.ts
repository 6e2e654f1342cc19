/**
 * A burn cycle on a real drive, counted in tool runs: the drive worker's
 * look, the copy's check and the burn's own check share one `-minfo`; the
 * burn forgets it, so what follows (a status poll, the verify) never sees the
 * blank from before. The verify after the burn reads exactly the image's
 * length, whatever capacity the drive reported before or after (tgt keeps a
 * stale Read capacity). Tool answers are the tgt captures; the "disc" is a
 * file under /dev/shm so the backend treats it as a device node.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { MediaMemory } from '../../src/cdrecord/media-memory.js';
import type { BurnImage, MediaStatus } from '../../src/drive-contract.js';
import { ReadError, WrongMediaError } from '../../src/errors.js';
import { verifyDisc } from '../../src/verify.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeCall, FakeReply } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';

const BLANK = loadStreams('tgt-cdrskin-minfo-blank-dvdplusr.txt');
const AFTER_BURN = loadStreams('tgt-cdrskin-minfo-after-burn.txt');
const TAO = loadStreams('tgt-cdrskin-burn-tao-dvdplusr.txt');

const reply = (run: { stdout: string; stderr: string; exitCode: number | null }): FakeReply => ({ stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 0 });

const MIB = 1024 * 1024;
let dir: string;
let image: BurnImage;
let imageBytes: Buffer;

beforeAll(() => {
  // A device-like path: the backend reads /dev/... targets as it reads /dev/sr0.
  dir = mkdtempSync('/dev/shm/tower-burn-cycle-');
  imageBytes = Buffer.alloc(4 * MIB);
  for (let i = 0; i < imageBytes.length; i += 4) imageBytes.writeUInt32LE(i, i);
  const file = path.join(dir, 'small.iso');
  writeFileSync(file, imageBytes);
  image = { format: 'iso', path: file, sizeBytes: imageBytes.length, sectors: imageBytes.length / 2048 };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A tgt recorder at `<dir>/sr0`: blank DVD+R until burned; the burn writes
 * the image at the start of the "disc" and leaves `tailBytes` of an older,
 * longer disc behind it (tgt's stale capacity: 9952 sectors after a 2048-sector burn).
 */
function recorder(options: { mediaReuseMs?: number; tailBytes?: number } = {}) {
  const target = path.join(dir, `sr0-${Math.random().toString(36).slice(2)}`);
  writeFileSync(target, Buffer.alloc(0));
  let burned = false;
  const fake = fakeSpawner((call: FakeCall) => {
    if (call.args.includes('-minfo')) return reply(burned ? AFTER_BURN : BLANK);
    if (call.args.includes('-tao')) {
      writeFileSync(target, Buffer.concat([imageBytes, Buffer.alloc(options.tailBytes ?? 9952 * 2048 - imageBytes.length, 0xee)]));
      burned = true;
      return reply(TAO);
    }
    return { stderr: `unexpected ${call.program} ${call.args.join(' ')}\n`, exitCode: 99 };
  });
  const drive = new CdrecordDrive({
    address: target,
    burner: 'cdrskin',
    spawner: fake.spawner,
    env: { PATH: '/usr/bin:/bin' },
    ...(options.mediaReuseMs === undefined ? {} : { mediaReuseMs: options.mediaReuseMs }),
  });
  const minfoRuns = (): number => fake.calls.filter((c) => c.args.includes('-minfo')).length;
  return { drive, target, calls: fake.calls, minfoRuns };
}

describe('one media query per burn cycle', () => {
  it("the worker's look, the copy's check and the burn's check cost one -minfo", async () => {
    const { drive, calls, minfoRuns } = recorder();
    expect(drive.kind).toBe('optical');
    const look = await drive.media();
    const check = await drive.media();
    expect(look).toMatchObject({ status: 'blank', type: 'DVD+R', freeSectors: 2295104 });
    expect(check).toEqual(look);
    await drive.burn(image, { mode: 'tao' });
    expect(calls.map((c) => c.args.find((a) => a === '-minfo' || a === '-v'))).toEqual(['-minfo', '-v']);
    expect(minfoRuns()).toBe(1);
    expect(calls).toHaveLength(2);
  });

  it('after the burn the drive is asked again: the disc is the burned one, not the blank from before', async () => {
    const { drive, minfoRuns } = recorder();
    await drive.media();
    await drive.burn(image, { mode: 'tao' });
    const after = await drive.media();
    expect(minfoRuns()).toBe(2);
    expect(after).toMatchObject({ status: 'complete', type: 'DVD-ROM', freeSectors: 0 });
  });

  it('mediaReuseMs 0 asks the drive every time', async () => {
    const { drive, minfoRuns } = recorder({ mediaReuseMs: 0 });
    await drive.media();
    await drive.media();
    await drive.burn(image, { mode: 'tao' });
    expect(minfoRuns()).toBe(3);
  });
});

describe('MediaMemory', () => {
  const blank: MediaStatus = { status: 'blank', type: 'DVD+R', rewritable: false, capacitySectors: 10, usedSectors: 0, freeSectors: 10 };
  const none: MediaStatus = { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };

  it('reuses an answer within the window, asks again after it and after forget()', async () => {
    let clock = 0;
    let asked = 0;
    const memory = new MediaMemory(2000, () => clock);
    const query = async (): Promise<MediaStatus> => {
      asked += 1;
      return blank;
    };
    await memory.get(query);
    clock = 2000;
    await memory.get(query);
    expect(asked).toBe(1);
    clock = 2001;
    await memory.get(query);
    expect(asked).toBe(2);
    memory.forget();
    await memory.get(query);
    expect(asked).toBe(3);
  });

  it('does not keep a failed answer, nor one asked before a forget()', async () => {
    const memory = new MediaMemory(60_000);
    await expect(memory.get(() => Promise.reject(new Error('busy')))).rejects.toThrow('busy');
    let release: (m: MediaStatus) => void = () => undefined;
    const slow = memory.get(() => new Promise<MediaStatus>((r) => (release = r)));
    memory.forget();
    release(blank);
    expect(await slow).toBe(blank);
    expect(await memory.get(async () => none)).toBe(none);
  });
});

describe('verify after a burn', () => {
  it('reads exactly the image length from the burned disc, asks the drive nothing, ignores the stale capacity', async () => {
    const { drive, target, calls } = recorder();
    await drive.burn(image, { mode: 'tao' });
    const spawnsAfterBurn = calls.length;
    const result = await verifyDisc(drive, { path: image.path, sizeBytes: image.sizeBytes }, { verifiedImages: null });
    expect(result.bytes).toBe(image.sizeBytes);
    // No media query, no capacity: the read-back is bounded by the image alone.
    expect(calls).toHaveLength(spawnsAfterBurn);
    // The drive would have said 9952 sectors (20 MB): reading that much would take in the old disc's tail.
    expect((await drive.media()).usedSectors * 2048).toBeGreaterThan(image.sizeBytes);
    const chunks: Buffer[] = [];
    for await (const c of drive.read(image.sizeBytes) as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).equals(imageBytes)).toBe(true);
    expect(target).toMatch(/^\/dev\//);
  });

  it('a disc that ends before the image (a device size cached too small) is a ReadError at its end, not a mismatch', async () => {
    const { drive, target } = recorder({ tailBytes: 0 });
    await drive.burn(image, { mode: 'tao' });
    truncateSync(target, 3 * MIB);
    const err = await verifyDisc(drive, { path: image.path, sizeBytes: image.sizeBytes }, { verifiedImages: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).sector).toBe((3 * MIB) / 2048);
  });
});

describe('a test burn on media without a test-write mode', () => {
  it('is refused before any burn tool runs, with what to do instead', async () => {
    const { drive, calls } = recorder();
    const err = await drive.burn(image, { dummy: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongMediaError);
    expect((err as Error).message).toMatch(/DVD\+R has no test-write mode.*without --dummy/);
    expect(calls.filter((c) => !c.args.includes('-minfo'))).toEqual([]);
  });
});

/**
 * Track-by-track verification of mixed CUE images on a simulated drive: raw
 * data tracks compared on their user data, audio tracks at the drive's read
 * offset (searched within ±5000 samples and recorded), and the images no
 * drive can verify refused up front.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BurnImage } from '../src/drive-contract.js';
import { ImageError, VerifyMismatchError } from '../src/errors.js';
import { SimulatedDrive } from '../src/sim/simulated-drive.js';
import { verifyDisc } from '../src/verify.js';
import { cueVerifyRefusal } from '../src/verify-cue.js';
import { makeTempDir } from './support/test-images.js';

const tmp = makeTempDir('cue-track-verify-');
const sims: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of sims.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

let seed = 1;
function noise(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    b.writeUInt32LE(seed, i);
  }
  return b;
}

/** Raw 2352-byte sectors: sync, header, (XA subheader), 2048 user bytes, filler for EDC/ECC. */
function rawSectors(count: number, mode: 1 | 2, form2At = -1): Buffer {
  const out = Buffer.alloc(count * 2352);
  for (let k = 0; k < count; k++) {
    const s = out.subarray(k * 2352, (k + 1) * 2352);
    Buffer.from([0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0]).copy(s, 0);
    s[15] = mode;
    const user = mode === 1 ? 16 : 24;
    if (mode === 2) s.fill(k === form2At ? 0x20 : 0x08, 18, 19).fill(k === form2At ? 0x20 : 0x08, 22, 23);
    noise(2048).copy(s, user);
    s.fill(0xec, user + 2048);
  }
  return out;
}

interface Mixed { image: BurnImage; sha256: string }

/** Track 1 MODE1/2352, 2 MODE2/2352 (Form 1), 3 AUDIO after a generated pregap, 4 AUDIO with an INDEX 00 in the file and a silent start. */
function mixedImage(name: string, options: { form2At?: number; silentTrack4?: boolean } = {}): Mixed {
  const data1 = rawSectors(120, 1);
  const data2 = rawSectors(80, 2, options.form2At ?? -1);
  const audio3 = noise(400 * 2352);
  const audio4 = Buffer.concat([Buffer.alloc(150 * 2352), options.silentTrack4 === true ? Buffer.alloc(300 * 2352) : noise(300 * 2352)]);
  writeFileSync(path.join(tmp.dir, `${name}-data.bin`), Buffer.concat([data1, data2]));
  writeFileSync(path.join(tmp.dir, `${name}-audio.bin`), Buffer.concat([audio3, audio4]));
  const cue = path.join(tmp.dir, `${name}.cue`);
  writeFileSync(cue, [
    `FILE "${name}-data.bin" BINARY`, 'TRACK 01 MODE1/2352', 'INDEX 01 00:00:00', 'TRACK 02 MODE2/2352', 'INDEX 01 00:01:45',
    `FILE "${name}-audio.bin" BINARY`, 'TRACK 03 AUDIO', 'PREGAP 00:02:00', 'INDEX 01 00:00:00',
    'TRACK 04 AUDIO', 'INDEX 00 00:05:25', 'INDEX 01 00:06:00', '',
  ].join('\n'));
  const bins = Buffer.concat([data1, data2, audio3, audio4]);
  return { image: { format: 'cue', path: cue, sizeBytes: bins.length, sectors: 120 + 80 + 150 + 400 + 300 + 150 }, sha256: createHash('sha256').update(bins).digest('hex') };
}

function sim(audioReadOffsetSamples: number): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.0002, progressIntervalMs: 2, media: 'CD-R', audioReadOffsetSamples });
  sims.push(d);
  return d;
}

async function burnAndVerify(m: Mixed, offset: number, faults?: { verifyMismatch: { sector: number } }) {
  const d = sim(offset);
  if (faults !== undefined) d.setFaults(faults);
  await d.burn(m.image, {});
  return verifyDisc(d, { format: 'cue', path: m.image.path, sizeBytes: m.image.sizeBytes, sha256: m.sha256 }, { verifiedImages: null });
}

describe('verifying a mixed CUE image track by track', () => {
  it('passes raw data and audio tracks and records the read offset the audio was found at', async () => {
    const m = mixedImage('mixed');
    for (const offset of [6, -1234, 4999]) {
      const r = await burnAndVerify(m, offset);
      expect(r.audioReadOffsetSamples).toBe(offset);
      expect(r.sha256).toBe(m.sha256);
      // Every track from its INDEX 01: 120 + 80 data sectors of 2048 bytes, 400 + 400 audio frames of 2352.
      expect(r.bytes).toBe(200 * 2048 + 800 * 2352);
    }
  });

  it('fails an audio read-back shifted further than the search reaches', async () => {
    const err = await burnAndVerify(mixedImage('far'), 5200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyMismatchError);
    expect((err as Error).message).toContain('audio track 3');
  });

  it('finds a wrong sector in a raw data track and in an audio track', async () => {
    const m = mixedImage('flip');
    // Track 1 is disc frames 0..119; track 3's INDEX 01 is at 200 + 150 (its generated pregap). The
    // audio is named by the disc frame that differs, not by where the read offset moved it in the read-back.
    for (const sector of [77, 200 + 150 + 123]) {
      const err = await burnAndVerify(m, 6, { verifyMismatch: { sector } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VerifyMismatchError);
      expect((err as VerifyMismatchError).firstDifferingSector).toBe(sector);
    }
  });

  it('passes a track of digital silence (nothing to find an offset by) at the offset an earlier track gave', async () => {
    const r = await burnAndVerify(mixedImage('silent', { silentTrack4: true }), -40);
    expect(r.audioReadOffsetSamples).toBe(-40);
  });
});

describe('a verify that cannot be done is refused before a burn', () => {
  it('audio on a drive kind that reads no audio back; Mode 2 Form 2 on any drive', async () => {
    const m = mixedImage('kinds');
    expect(await cueVerifyRefusal(m.image.path, 'sim')).toBeNull();
    expect(await cueVerifyRefusal(m.image.path, 'optical')).toMatch(/track 3 is audio.*cannot read audio frames back/);
    const f2 = mixedImage('form2', { form2At: 33 });
    expect(await cueVerifyRefusal(f2.image.path, 'sim')).toMatch(/track 2 holds Mode 2 Form 2 sectors \(the first at LBA 153\)/);
  });

  it('verifyDisc on such a drive refuses before it reads the disc', async () => {
    const m = mixedImage('optical');
    let reads = 0;
    const drive = { address: '/dev/sr9', kind: 'optical' as const, read: () => { reads++; return Readable.from([]); } };
    const err = await verifyDisc(drive, { format: 'cue', path: m.image.path, sizeBytes: m.image.sizeBytes, sha256: m.sha256 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toContain('cannot verify');
    expect(reads).toBe(0);
  });
});

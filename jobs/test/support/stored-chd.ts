/**
 * A CD image stored as the library stores it as a CHD: a 2-track BIN/CUE
 * (MODE1/2048 data, then audio with a 2-second pregap in its BIN) made in the
 * test, turned into a CHD by the real `chdman createcd`, its BINs removed;
 * and an ISO stored as a CHD of one MODE1/2048 track.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { makeIso } from '../../../drivers/test/support/test-images.js';
import type { RunImage } from '../../src/run-image.js';

/** Deterministic bytes that do not compress to nothing. */
export function noise(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b.writeUInt32LE(i % 64 < 32 ? x : 0, i);
  }
  return b;
}

/** Bytes that do not compress at all (a SHA-256 chain from `seed`). */
export function randomBytes(bytes: number, seed: number): Buffer {
  const out: Buffer[] = [];
  let h = Buffer.from(String(seed));
  for (let n = 0; n < bytes; n += h.length) {
    h = createHash('sha256').update(h).digest();
    out.push(h);
  }
  return Buffer.concat(out).subarray(0, bytes);
}

/** The BINs of the test disc: `<name>-01.bin` (300 MODE1/2048 frames), `<name>-02.bin` (200 audio frames, 150 of them pregap). */
export function twoTrackDisc(dir: string, name: string, seed = 7, random = false): { cue: string; bins: { name: string; data: Buffer }[] } {
  mkdirSync(dir, { recursive: true });
  const fill = random ? randomBytes : noise;
  const bins = [{ name: `${name}-01.bin`, data: fill(300 * 2048, seed) }, { name: `${name}-02.bin`, data: fill(200 * 2352, seed + 1) }];
  for (const b of bins) writeFileSync(path.join(dir, b.name), b.data);
  const cue = path.join(dir, `${name}.cue`);
  writeFileSync(cue, [
    `FILE "${bins[0]!.name}" BINARY`, '  TRACK 01 MODE1/2048', '    INDEX 01 00:00:00',
    `FILE "${bins[1]!.name}" BINARY`, '  TRACK 02 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:02:00', '',
  ].join('\n'));
  return { cue, bins };
}

/** The test disc (`random`: of incompressible bytes) stored as `<name>.chd` beside its CUE sheet (BINs removed), as a run image. */
export function storedChd(dir: string, name: string, seed = 7, random = false): RunImage {
  const { cue, bins } = twoTrackDisc(dir, name, seed, random);
  const chd = path.join(dir, `${name}.chd`);
  rmSync(chd, { force: true });
  execFileSync('chdman', ['createcd', '-i', cue, '-o', chd], { stdio: 'ignore' });
  for (const b of bins) rmSync(path.join(dir, b.name));
  const all = Buffer.concat(bins.map((b) => b.data));
  return {
    path: cue, format: 'cue', sha256: createHash('sha256').update(all).digest('hex'), sizeBytes: all.length, sectors: 500,
    trackModes: ['MODE1/2048', 'AUDIO'],
    stored: {
      path: chd, compression: 'chd', bytes: statSync(chd).size,
      bins: bins.map((b) => ({ name: b.name, bytes: b.data.length, sha256: createHash('sha256').update(b.data).digest('hex') })),
    },
  };
}

/**
 * An ISO made by genisoimage (`payloadBytes` of random files, so the CHD keeps its hunks as they are) stored as
 * `<name>.chd` the way the library stores a CD-sized ISO: `chdman createcd` from a one-track MODE1/2048 CUE sheet,
 * the ISO listed as the one file; the plain ISO and the sheet removed. As a run image.
 */
export function storedChdIso(dir: string, name: string, payloadBytes = 600 * 1024): RunImage {
  mkdirSync(dir, { recursive: true });
  const iso = makeIso(dir, { name: `${name}.iso`, payloadBytes, label: 'CHDISO' });
  const data = readFileSync(iso);
  const cue = path.join(dir, `${name}.sheet.cue`);
  writeFileSync(cue, `FILE "${name}.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n`);
  const chd = path.join(dir, `${name}.chd`);
  rmSync(chd, { force: true });
  execFileSync('chdman', ['createcd', '-i', cue, '-o', chd], { stdio: 'ignore' });
  rmSync(cue);
  rmSync(iso);
  const sha256 = createHash('sha256').update(data).digest('hex');
  return {
    path: iso, format: 'iso', sha256, sizeBytes: data.length, sectors: data.length / 2048,
    stored: { path: chd, compression: 'chd', bytes: statSync(chd).size, bins: [{ name: `${name}.iso`, bytes: data.length, sha256 }] },
  };
}

/**
 * Damage 8 bytes of the CHD's hunks, `back` bytes before its end. What chdman 0.251 makes of it (checked on this
 * machine): in the middle of a disc, `extractcd` exits 0 with wrong bytes; in the FLAC-coded audio near the end of
 * an incompressible disc (`storedChd(..., true)`, `back` 3000), `verify` and `extractcd` hang.
 */
export function corruptChd(file: string, back?: number): void {
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from([0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5]), 0, 8, back === undefined ? Math.floor(size / 2) : size - back);
  } finally {
    closeSync(fd);
  }
}

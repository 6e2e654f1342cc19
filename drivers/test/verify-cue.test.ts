/**
 * A burned CUE/BIN image is verified against its BIN files, track by track,
 * never against the sheet's text (issue 13.1: every CUE run failed verify
 * with "image …/x.cue is 85 bytes, expected 2097152"). On a cdrskin
 * `stdio:` pseudo drive and on a simulated drive.
 */
import { createHash } from 'node:crypto';
import { openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../src/cdrecord/cdrecord-drive.js';
import type { BurnImage } from '../src/drive-contract.js';
import { VerifyMismatchError } from '../src/errors.js';
import { SimulatedDrive } from '../src/sim/simulated-drive.js';
import { verifyDisc } from '../src/verify.js';
import { cdrskinEnv, makeCdrskinHome, makeTempDir } from './support/test-images.js';

const tmp = makeTempDir('verify-cue-');
const sims: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of sims.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

/** The issue's image: a MODE1/2048 CUE sheet over a 2 MiB BIN (an ISO's bytes). */
function issueImage(name: string): { image: BurnImage; sha256: string; bin: Buffer } {
  const bin = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < bin.length; i += 4) bin.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 13)) >>> 0, i);
  writeFileSync(path.join(tmp.dir, 'x.bin'), bin);
  const cue = path.join(tmp.dir, `${name}.cue`);
  writeFileSync(cue, 'FILE "x.bin" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n');
  return { image: { format: 'cue', path: cue, sizeBytes: bin.length, sectors: bin.length / 2048 }, sha256: createHash('sha256').update(bin).digest('hex'), bin };
}

function sim(): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.0002, progressIntervalMs: 2, media: 'CD-R' });
  sims.push(d);
  return d;
}

describe('verifying a burned MODE1/2048 CUE image', () => {
  it('on a cdrskin stdio: pseudo drive: passes against the BIN, and a changed sector is found', async () => {
    const { image, sha256 } = issueImage('x');
    const target = path.join(tmp.dir, 'disc.img');
    const drive = new CdrecordDrive({ address: `stdio:${target}`, env: cdrskinEnv(makeCdrskinHome(tmp.dir)) });
    await drive.burn(image, {});
    const result = await verifyDisc(drive, { format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sha256 }, { verifiedImages: null });
    expect(result).toMatchObject({ bytes: image.sizeBytes, sha256 });

    // The burned pseudo disc with one byte changed in sector 700 is a coaster.
    const fd = openSync(target, 'r+');
    writeSync(fd, Buffer.from([(readFileSync(target)[700 * 2048 + 5] ?? 0) ^ 0xff]), 0, 1, 700 * 2048 + 5);
    closeSync(fd);
    const err = await verifyDisc(drive, { format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sha256 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyMismatchError);
    expect((err as VerifyMismatchError).firstDifferingSector).toBe(700);
  }, 60_000);

  it('on a simulated drive: passes against the BIN, and the verify-mismatch fault is found', async () => {
    const { image, sha256 } = issueImage('y');
    const d = sim();
    await d.burn(image, {});
    const result = await verifyDisc(d, { format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sha256 }, { verifiedImages: null });
    expect(result).toMatchObject({ bytes: image.sizeBytes, sha256 });
    expect(result.audioReadOffsetSamples).toBeUndefined();

    d.insertDisc('CD-R');
    d.setFaults({ verifyMismatch: { sector: 321 } });
    await d.burn(image, {});
    const err = await verifyDisc(d, { format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sha256 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyMismatchError);
    expect((err as VerifyMismatchError).firstDifferingSector).toBe(321);
  });

  it('refuses a BIN file that no longer matches the stored digest', async () => {
    const { image, sha256, bin } = issueImage('z');
    const d = sim();
    await d.burn(image, {});
    // Same length, one byte changed after the burn (the simulated disc reads the file, so it changed too): the digest catches it.
    bin[5] = (bin[5] ?? 0) ^ 1;
    writeFileSync(path.join(tmp.dir, 'x.bin'), bin);
    const err = await verifyDisc(d, { format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sha256 }, { verifiedImages: null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_ERROR' });
    expect((err as Error).message).toContain('no longer matches its stored SHA-256');
  });
});

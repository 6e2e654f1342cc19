/**
 * Mastering into the image library on real tools: an ISO (and a hybrid image
 * longer than its ISO 9660 volume) burned to a cdrskin pseudo drive, mastered
 * back, and accepted by the library with the SHA-256 computed during the read.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive, masterDataDisc, probeImage } from 'node-cdrecord-wrapper';
import { ImageLibrary } from '../apps/controller/src/library/index.js';
import { cdrskinEnv, makeCdrskinHome, makeIso, makeTempDir } from '../drivers/test/support/test-images.js';

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function makeHybrid(dir: string): string {
  const tree = path.join(dir, 'hybrid-tree');
  mkdirSync(tree, { recursive: true });
  writeFileSync(path.join(tree, 'data.bin'), Buffer.alloc(1024 * 1024, 0x5a));
  const efi = path.join(dir, 'efi.img');
  writeFileSync(efi, Buffer.alloc(1024 * 1024, 0xef));
  const out = path.join(dir, 'hybrid.iso');
  const run = spawnSync('xorriso', ['-as', 'mkisofs', '-V', 'HYBRID', '-o', out, '-append_partition', '2', '0xef', efi, tree], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`xorriso failed: ${run.stderr}`);
  return out;
}

describe('mastering into the image library (cdrskin pseudo drive)', () => {
  let work: ReturnType<typeof makeTempDir>;
  let env: NodeJS.ProcessEnv;
  let library: ImageLibrary;

  beforeAll(async () => {
    work = makeTempDir('master-lib-');
    env = cdrskinEnv(makeCdrskinHome(work.dir));
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library') });
  });
  afterAll(() => work.cleanup());

  async function roundTrip(image: string, name: string): Promise<void> {
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, `${name}.disc`)}`, env });
    await drive.burn(await probeImage(image), {});
    const temp = path.join(library.dir, `.tmp-${name}.iso`);
    const mastered = await masterDataDisc(drive, temp);
    expect(mastered.bytes).toBe(statSync(image).size);
    const record = await library.addMasteredImage(mastered.path, {
      format: 'iso',
      provenance: { kind: 'mastered', drive: drive.address, at: new Date().toISOString() },
      allowDamaged: false,
      sha256: mastered.sha256,
      name,
    });
    expect(record.sha256).toBe(sha256(image));
    expect(sha256(library.imagePath(record.id))).toBe(sha256(image));
    expect(record.sizeBytes).toBe(statSync(image).size);
  }

  it('masters a plain ISO byte-identical', async () => {
    await roundTrip(makeIso(work.dir, { payloadBytes: 3 * 1024 * 1024 }), 'plain');
  });

  it('masters a hybrid image whole, past its ISO 9660 volume', async () => {
    const hybrid = makeHybrid(work.dir);
    const probed = await probeImage(hybrid);
    expect((probed.isoVolumeSectors ?? 0) * 2048).toBeLessThan(probed.sizeBytes);
    await roundTrip(hybrid, 'hybrid');
  });
});

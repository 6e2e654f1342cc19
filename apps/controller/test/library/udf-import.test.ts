/**
 * Pure UDF images (mkudffs, no ISO 9660 bridge) into the library, by server
 * path and by upload: accepted (they were refused as "UDF image without an
 * ISO 9660 bridge"), recorded with their UDF label, revision and size, and
 * burned as the one 2048-byte data track they are.
 */
import { createReadStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageLibrary } from '../../src/library/image-library.js';
import { makeUdf } from '../../../../drivers/test/support/udf-images.js';
import { makeTempDir, sha256 } from './support.js';

describe('pure UDF images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;

  beforeAll(async () => {
    work = makeTempDir('lib-udf-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots] });
  });
  afterAll(() => work.cleanup());

  it.each([['1.02'], ['2.01'], ['2.50'], ['2.60']])('imports a UDF %s image by path with its label, revision and size', async (revision) => {
    const file = makeUdf(roots, { name: `bd-${revision}.img`, revision, label: `MASTER ${revision}` });
    const bytes = readFileSync(file);
    const record = await library.importFromPath(file);
    expect(record).toMatchObject({
      format: 'iso',
      name: `bd-${revision}.img`,
      volumeLabel: `MASTER ${revision}`,
      sizeBytes: bytes.length,
      sectors: bytes.length / 2048,
      sha256: sha256(bytes),
      filesystems: { iso9660: false, udf: true, joliet: false, rockRidge: false, elTorito: false, udfVersion: revision },
      provenance: { kind: 'imported', path: file },
    });
    expect(record.tracks).toEqual([expect.objectContaining({ mode: 'MODE1/2048', frames: bytes.length / 2048 })]);
    expect(readFileSync(library.imagePath(record.id)).equals(bytes)).toBe(true);
  });

  it('takes a UDF image by upload and names it by its UDF label', async () => {
    const file = makeUdf(work.dir, { name: 'upload.img', revision: '2.01', label: 'UPLOADED' });
    const record = await library.importUpload(createReadStream(file));
    expect(record).toMatchObject({ name: 'UPLOADED', volumeLabel: 'UPLOADED', filesystems: { iso9660: false, udf: true, udfVersion: '2.01' } });
  });
});

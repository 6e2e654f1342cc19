/**
 * Fuzz (fast-check, fixed seeds) of MDS tracks read with subchannel
 * (2448-byte sectors): deinterleaving undoes libmirage's documented
 * interleaving for any record; and descriptors with mutated subchannel
 * types, sector sizes, modes, offsets, counts and pregaps either import
 * with every BIN the main channel of whole sectors of the data file, or
 * are refused with a typed LibraryError, leaving the library as it was.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deinterleavePw } from '../../drivers/src/image/mds-subchannel.js';
import { makeTempDir } from '../../drivers/test/support/test-images.js';
import { makeMdsTracks } from '../../drivers/test/support/mds-images.js';
import { interleavePwRecord, makeInterleavedMdf } from '../../drivers/test/support/mds-subchannel-frames.js';
import { LibraryError } from '../../apps/controller/src/library/errors.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

const SEED = 20_261_214;
let seedNo = 0;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED + ++seedNo, numRuns, endOnFailure: true });

const tmp = makeTempDir('tower-fuzz-mds-sub-');
const root = path.join(tmp.dir, 'import');
let library: ImageLibrary;
let empty: string[] = [];
const listing = (): string[] => readdirSync(library.dir).sort();
beforeAll(async () => {
  mkdirSync(root);
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root], maxUploadBytes: 4 * 1024 * 1024 });
  empty = listing();
});
afterAll(() => tmp.cleanup());

describe('fuzz: MDS subchannel', () => {
  it('deinterleaving gives back any CloneCD-layout record that was interleaved (2000 runs)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 96, maxLength: 96 }), (linear) => {
      const back = Buffer.alloc(96);
      deinterleavePw(interleavePwRecord(linear), back);
      expect(back.equals(Buffer.from(linear))).toBe(true);
    }), params(2000));
  });

  it('MDS with subchannel and mutated track blocks (120 runs)', { timeout: 300_000 }, async () => {
    const main = Buffer.alloc(2352 * 60);
    for (let i = 0; i < main.length; i += 2) main.writeInt16LE((i * 41) % 30000, i);
    for (let k = 0; k < 60; k++) main.writeUInt32LE(0x5ec70000 + k, k * 2352);
    const sub = Buffer.alloc(96 * 60);
    for (let i = 0; i < sub.length; i++) sub[i] = (i * 13) & 0xff;
    const mdf = makeInterleavedMdf(main, sub);
    writeFileSync(path.join(root, 'fuzz.mdf'), mdf);
    const base = makeMdsTracks([
      { sectors: 30, startOffset: 0, sectorBytes: 2448, mode: 0xa9, subchannel: 8, fileName: 'fuzz.mdf' },
      { sectors: 25, startOffset: 2448 * 35, sectorBytes: 2448, mode: 0xa9, subchannel: 8, pregap: 5, fileName: 'fuzz.mdf' },
    ]);
    const tracksAt = 112 + 3 * 80;
    const extraAt = 112 + 5 * 80;
    // Mode/subchannel bytes, sector sizes, start offsets, pregaps and lengths of both tracks.
    const fields = [tracksAt, tracksAt + 1, tracksAt + 16, tracksAt + 40, tracksAt + 81, tracksAt + 96, tracksAt + 120, extraAt, extraAt + 4, extraAt + 8, extraAt + 12];
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(0, 1, 5, 8, 0x10, 30, 2352, 2448, 0xa9, 0xaa, 2448 * 30, 2448 * 35, 0xffff, 0x7fffffff, 0xffffffff)), { maxLength: 3 }),
      async (writes) => {
        const b = Buffer.from(base);
        for (const [at, v] of writes) {
          if (at === tracksAt || at === tracksAt + 1 || at === tracksAt + 81) b[at] = v & 0xff;
          else if (at === tracksAt + 16 || at === tracksAt + 96) b.writeUInt16LE(v & 0xffff, at);
          else b.writeUInt32LE(v >>> 0, at);
        }
        const file = path.join(root, `mds-${n++ % 3}.mds`);
        writeFileSync(file, b);
        try {
          const record = await library.importFromPath(file);
          const bins = record.files.filter((f) => f.role === 'bin').map((f) => readFileSync(path.join(library.dir, f.path)));
          // Every BIN is the main channel of whole sectors of the MDF, from some sector on.
          for (const bin of bins) {
            expect(bin.length % 2352).toBe(0);
            const sector = Array.from({ length: 60 }, (_, k) => k).find((k) => main.subarray(k * 2352, (k + 1) * 2352).equals(bin.subarray(0, 2352)));
            expect(sector).toBeDefined();
            const first = (sector ?? 0) * 2352;
            expect(main.subarray(first, first + bin.length).equals(bin)).toBe(true);
          }
          await library.delete(record.id);
        } catch (err) {
          expect(err).toBeInstanceOf(LibraryError);
        }
        expect(listing()).toEqual(empty);
      },
    ), params(120));
  });
});

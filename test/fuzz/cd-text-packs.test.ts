/**
 * Property-based fuzzing (fast-check, fixed seeds) of CD-TEXT kept through a
 * conversion: any disc's CD-TEXT encoded as packs (the test encoder, its own
 * bitwise CRC) decodes to the same fields, with and without CRCs; packs
 * mutated (bytes changed, cut, dropped, tracks beyond the disc) decode or
 * are refused with a typed `ImageReadError`, and with CRCs every changed
 * byte is caught; and the library end to end on CloneCD images with mutated
 * [CDText] sections, and with .sub files of random R-W bytes or cut short:
 * each import gives a CUE image whose TOC reads back with exactly the
 * decoded CD-TEXT (and RW_RAW files for R-W data), or is refused with a
 * LibraryError, and (the image deleted again) leaves the library folder as
 * it was.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdTextField } from '../../drivers/src/image/cue-sheet.js';
import { decodeCdTextPacks } from '../../drivers/src/image/cd-text-packs.js';
import { ImageReadError } from '../../drivers/src/image/image-read-error.js';
import { readTocContent } from '../../drivers/src/image/toc-content.js';
import { makeTempDir } from '../../drivers/test/support/test-images.js';
import type { CdTextSpec } from '../../drivers/test/support/cd-text-packs.js';
import { ccdCdTextSection, encodeCdText } from '../../drivers/test/support/cd-text-packs.js';
import { LibraryError } from '../../apps/controller/src/library/errors.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

const SEED = 20_261_204;
const FIELDS: readonly CdTextField[] = ['TITLE', 'PERFORMER', 'SONGWRITER', 'COMPOSER', 'ARRANGER', 'MESSAGE'];
const text = fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'e'));
const fields = fc.dictionary(fc.constantFrom(...FIELDS), text, { maxKeys: 4 }) as fc.Arbitrary<Partial<Record<CdTextField, string>>>;
const spec: fc.Arbitrary<CdTextSpec> = fc.record({ disc: fields, tracks: fc.array(fields, { minLength: 1, maxLength: 12 }) });

function decodedOrTyped(bytes: Buffer, packBytes: number, tracks: number): ReturnType<typeof decodeCdTextPacks> | null {
  try {
    return decodeCdTextPacks(bytes, packBytes, tracks);
  } catch (err) {
    if (!(err instanceof ImageReadError)) throw err;
    return null;
  }
}

describe('fuzz: CD-TEXT packs', () => {
  it('any CD-TEXT encoded decodes to the same fields, with and without CRCs (1000 runs)', () => {
    fc.assert(fc.property(spec, fc.boolean(), (s, crc) => {
      const block = decodeCdTextPacks(encodeCdText(s, crc), crc ? 18 : 16, s.tracks.length);
      expect(block.disc).toEqual(s.disc);
      expect(block.tracks).toEqual(s.tracks);
    }), { seed: SEED, numRuns: 1000, endOnFailure: true });
  });

  it('mutated packs decode or are refused typed; with CRCs a changed byte is always refused (2000 runs)', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('tracks' as const), at: fc.nat(3) }),
    );
    fc.assert(fc.property(spec, fc.boolean(), mutation, (s, crc, m) => {
      const packBytes = crc ? 18 : 16;
      const packs = encodeCdText(s, crc);
      let tracks = s.tracks.length;
      let bytes = packs;
      if (m.kind === 'byte') {
        bytes = Buffer.from(packs);
        const at = m.at % bytes.length;
        const changed = bytes[at] !== m.value;
        bytes.writeUInt8(m.value, at);
        if (crc && changed) expect(decodedOrTyped(bytes, packBytes, tracks)).toBeNull();
      } else if (m.kind === 'cut') {
        bytes = packs.subarray(0, m.at % packs.length);
      } else if (m.kind === 'drop') {
        const at = (m.at % (packs.length / packBytes)) * packBytes;
        bytes = Buffer.concat([packs.subarray(0, at), packs.subarray(at + packBytes)]);
        expect(decodedOrTyped(bytes, packBytes, tracks)).toBeNull();
      } else {
        tracks = Math.max(0, tracks - 1 - m.at);
        expect(decodedOrTyped(bytes, packBytes, tracks)).toBeNull();
      }
      const block = decodedOrTyped(bytes, packBytes, tracks);
      if (block) expect(block.tracks.length).toBeLessThanOrEqual(tracks);
    }), { seed: SEED + 1, numRuns: 2000, endOnFailure: true });
  });
});

describe('fuzz: CloneCD images with mutated [CDText] into the library', () => {
  const tmp = makeTempDir('tower-fuzz-cdtext-');
  const root = path.join(tmp.dir, 'import');
  let library: ImageLibrary;
  let empty: string[] = [];
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('index')).sort();
  beforeAll(async () => {
    mkdirSync(root);
    writeFileSync(path.join(root, 'disc.img'), Buffer.alloc(2352 * 600, 0x21));
    library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root] });
    empty = listing();
  });
  afterAll(() => tmp.cleanup());

  it('each import has a TOC with the decoded CD-TEXT or is refused typed, leaving the folder as it was (25 runs)', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(spec.filter((s) => s.tracks.length <= 2), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (s, at, value, mutate) => {
      const disc = { ...s, tracks: [s.tracks[0] ?? {}, s.tracks[1] ?? {}] };
      const packs = encodeCdText(disc, false);
      if (mutate) packs.writeUInt8(value, at % packs.length);
      const name = `f${++n}`;
      writeFileSync(path.join(root, `${name}.img`), readFileSync(path.join(root, 'disc.img')));
      const control = ['[CloneCD]', 'Version=3', '[Disc]', 'TocEntries=5', 'Sessions=1', ccdCdTextSection(packs), '[TRACK 1]', 'MODE=0', 'INDEX 1=0', '[TRACK 2]', 'MODE=0', 'INDEX 1=300', ''].join('\r\n');
      const file = path.join(root, `${name}.ccd`);
      writeFileSync(file, control);
      const expected = decodedOrTyped(packs, 16, 2);
      const outcome = await library.importFromPath(file).then((r) => r, (err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(LibraryError);
      } else {
        expect(expected).not.toBeNull();
        const toc = readTocContent(readFileSync(path.join(library.dir, `${outcome.id}.toc`), 'latin1'));
        expect(toc.cdText).toEqual(expected?.disc);
        expect(toc.tracks.map((t) => t.cdText)).toEqual(expected?.tracks);
        await library.delete(outcome.id);
      }
      expect(listing()).toEqual(empty);
    }), { seed: SEED + 2, numRuns: 25, endOnFailure: true });
  });

  it('CloneCD .sub files with random R-W bytes (or cut short): RW_RAW files that read back, or a typed refusal (15 runs)', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(599), fc.nat(71), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }), fc.constantFrom(0, 0, 0, 96, 1), async (pokes, cut) => {
      const name = `s${++n}`;
      writeFileSync(path.join(root, `${name}.img`), readFileSync(path.join(root, 'disc.img')));
      const sub = Buffer.alloc(600 * 96);
      for (const [sector, at, value] of pokes) sub.writeUInt8(value, sector * 96 + 24 + at);
      writeFileSync(path.join(root, `${name}.sub`), sub.subarray(0, sub.length - cut));
      const control = ['[CloneCD]', 'Version=3', '[Disc]', 'TocEntries=5', 'Sessions=1', '[TRACK 1]', 'MODE=0', 'INDEX 1=0', '[TRACK 2]', 'MODE=0', 'INDEX 1=300', ''].join('\r\n');
      const file = path.join(root, `${name}.ccd`);
      writeFileSync(file, control);
      const outcome = await library.importFromPath(file).then((r) => r, (err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(LibraryError);
        expect(cut).toBeGreaterThan(0);
      } else {
        expect(cut).toBe(0);
        const rw = outcome.files.filter((f) => f.role === 'subchannel');
        expect(rw.length).toBe(pokes.length > 0 ? 2 : 0);
        expect(outcome.provenance.conversion?.subchannel).toMatchObject({ rwSectors: new Set(pokes.map(([s]) => s)).size, burned: pokes.length > 0 });
        for (const f of rw) expect(readFileSync(path.join(library.dir, f.path)).length).toBe(300 * 2448);
        await library.delete(outcome.id);
      }
      expect(listing()).toEqual(empty);
    }), { seed: SEED + 3, numRuns: 15, endOnFailure: true });
  });
});

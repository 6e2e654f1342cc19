/**
 * Property-based fuzzing (fast-check, fixed seeds) of the multi-track,
 * audio and mixed-mode conversions into CUE images: the drivers' track plan
 * (track-plan.ts: any plan `checkPlan` accepts lays out, from BINs of its
 * sizes, exactly as planned), the CloneCD track split (`ccdPlan` on random
 * INDEX 0/1 tables: refused with ImageConversionError, or contiguous tracks
 * that cover the .img), chdman's TOC reading (`chdTocPlan` on mutated
 * TOC files: a typed refusal or a plan), and the library end to end on mutated mixed NRG
 * track tables (also of tracks with subchannel, 2448-byte sectors) and multi-track MDS descriptors: each import either gives a
 * CUE (or ISO) image whose BINs are the container's bytes, or is refused
 * with a LibraryError, and (the image deleted again) leaves the library
 * folder as it was: no staging file behind.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedTrack } from '../../drivers/src/image/track-plan.js';
import { checkPlan, checkPlanLayout, planCueText } from '../../drivers/src/image/track-plan.js';
import { parseCueSheet } from '../../drivers/src/image/cue-sheet.js';
import { layoutCue } from '../../drivers/src/image/cue-layout.js';
import { ImageReadError } from '../../drivers/src/image/image-read-error.js';
import { makeIso, makeTempDir } from '../../drivers/test/support/test-images.js';
import { makeMdsTracks } from '../../drivers/test/support/mds-images.js';
import { makeNrg } from '../../drivers/test/support/nrg-images.js';
import { ImageConversionError, LibraryError } from '../../apps/controller/src/library/errors.js';
import { ccdPlan } from '../../apps/controller/src/library/ccd-tracks-import.js';
import { chdTocPlan } from '../../apps/controller/src/library/chd-tracks-import.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

const SEED = 20_261_204;
let seedNo = 0;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED + ++seedNo, numRuns, endOnFailure: true });

const tmp = makeTempDir('tower-fuzz-tracks-');
const root = path.join(tmp.dir, 'import');
let library: ImageLibrary;
let iso: Buffer;
beforeAll(async () => {
  mkdirSync(root);
  iso = readFileSync(makeIso(tmp.dir, { name: 'fuzz.iso', payloadBytes: 32 * 1024, label: 'FUZZ' }));
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root], maxUploadBytes: 4 * 1024 * 1024 });
  empty = listing();
});
afterAll(() => tmp.cleanup());

const MODES = ['AUDIO', 'MODE1/2048', 'MODE1/2352', 'MODE2/2336', 'MODE2/2352', 'MODE2/2048'] as const;
const BYTES: Record<(typeof MODES)[number], number> = { AUDIO: 2352, 'MODE1/2048': 2048, 'MODE1/2352': 2352, 'MODE2/2336': 2336, 'MODE2/2352': 2352, 'MODE2/2048': 2048 };

describe('fuzz: track plans', () => {
  it('any plan checkPlan accepts lays out from BINs of its sizes as planned; others are refused typed (2000 runs)', () => {
    const track = fc.record({ mode: fc.constantFrom(...MODES), pregap: fc.nat(300), frames: fc.nat(400), silent: fc.nat(200), skew: fc.constantFrom(0, 0, 0, 1, 100) });
    fc.assert(fc.property(fc.array(track, { minLength: 0, maxLength: 12 }), fc.boolean(), (specs, renumber) => {
      let at = 0;
      const tracks: PlannedTrack[] = specs.map((s, i) => {
        const size = BYTES[s.mode];
        const pregapOffset = at;
        const start = at + (i === 0 ? 0 : s.pregap * size) + s.skew;
        const end = start + s.frames * size;
        at = end;
        return { number: renumber && i === 1 ? 7 : i + 1, mode: s.mode, source: 'x', pregapOffset, start, end, ...(s.silent > 0 && i > 0 ? { silentPregapFrames: s.silent } : {}) };
      });
      try {
        checkPlan('fuzz', tracks);
      } catch (err) {
        expect(err).toBeInstanceOf(ImageReadError);
        return;
      }
      const sheet = parseCueSheet(planCueText(tracks, (i) => `t${i}.bin`));
      const layout = layoutCue(sheet, tracks.map((t, i) => ({ name: `t${i}.bin`, bytes: t.end - t.pregapOffset })));
      expect(checkPlanLayout(tracks, layout)).toBeNull();
    }), params(2000));
  });

  it('ccdPlan on random INDEX 0/1 tables: refused with ImageConversionError, or contiguous tracks covering the .img (2000 runs)', () => {
    const entry = fc.record({ mode: fc.constantFrom(0, 1, 2), index1: fc.nat(600), index0: fc.option(fc.nat(600)) });
    fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 10 }), fc.nat(700), (entries, sectors) => {
      const tracks = entries.map((e, i) => ({ number: i + 1, mode: e.mode, index1: e.index1, ...(e.index0 === null ? {} : { index0: e.index0 }) }));
      let plan: PlannedTrack[];
      try {
        plan = ccdPlan({ version: 3, sessions: 1, tocEntries: 4, scrambled: false, tracks }, 'x.img', sectors * 2352);
      } catch (err) {
        expect(err).toBeInstanceOf(ImageConversionError);
        return;
      }
      checkPlan('fuzz', plan);
      expect(plan[0]?.pregapOffset).toBe(0);
      expect(plan[plan.length - 1]?.end).toBe(sectors * 2352);
      for (let i = 1; i < plan.length; i++) expect(plan[i]?.pregapOffset).toBe(plan[i - 1]?.end);
    }), params(2000));
  });

  it('chdTocPlan on mutated chdman TOC files: refused with a LibraryError, or tracks checkPlan accepts (2000 runs)', () => {
    const base = ['CD_ROM', '', '// Track 1', 'TRACK MODE1', 'NO COPY', 'DATAFILE "x.bin" 00:02:50 // length in bytes: 409600', '', '// Track 2', 'TRACK AUDIO',
      'ZERO AUDIO 00:02:00', 'DATAFILE "x.bin" #409600 00:01:25 // length in bytes: 235200', 'START 00:02:00', ''];
    const line = fc.oneof(
      fc.constantFrom('TRACK MODE1', 'TRACK AUDIO', 'TRACK MODE2_RAW', 'TRACK BOGUS', 'ZERO AUDIO 00:02:00', 'SILENCE 99:59:74', 'START 00:00:00', 'START 00:10:00',
        'DATAFILE "x.bin" 00:00:01', 'DATAFILE "x.bin" #18446744073709551615 00:01:00', 'DATAFILE "x.bin" #0 99:99:99', 'FILE "x.bin" 0', 'PREGAP 00:02:00', 'INDEX 00:01:00', ''),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length), line, fc.boolean()), { maxLength: 5 }), (edits) => {
      const lines = [...base];
      for (const [at, text, insert] of edits) lines.splice(at, insert ? 0 : 1, text);
      let plan: PlannedTrack[];
      try {
        plan = chdTocPlan(lines.join('\n'), 'x.bin');
      } catch (err) {
        expect(err instanceof LibraryError || err instanceof ImageReadError).toBe(true);
        return;
      }
      try {
        checkPlan('fuzz', plan);
      } catch (err) {
        expect(err).toBeInstanceOf(ImageReadError);
      }
    }), params(2000));
  });
});

let empty: string[] = [];
const listing = (): string[] => readdirSync(library.dir).sort();

async function importOrRefuse(file: string, source: Buffer): Promise<void> {
  try {
    const record = await library.importFromPath(file);
    if (record.format === 'cue') {
      const bins = record.files.filter((f) => f.role === 'bin').map((f) => readFileSync(path.join(library.dir, f.path)));
      for (const bin of bins) expect(source.includes(bin.subarray(0, Math.min(bin.length, 4096)))).toBe(true);
      expect(record.tracks.length).toBeLessThanOrEqual(99);
    }
    await library.delete(record.id);
  } catch (err) {
    expect(err).toBeInstanceOf(LibraryError);
  }
  expect(listing()).toEqual(empty);
}

describe('fuzz: mixed containers into the library', () => {
  const audio = Buffer.alloc(2352 * 40);
  for (let i = 0; i < audio.length; i += 2) audio.writeInt16LE((i * 37) % 30000, i);

  it('mixed NRG (v1/v2, DAO/TAO) with mutated track tables (150 runs)', { timeout: 300_000 }, async () => {
    const bases = [
      makeNrg([{ data: iso }, { data: audio, modeCode: 0x07, sectorBytes: 2352, pregap: audio.subarray(0, 2352 * 10) }], { version: 2, writing: 'dao' }),
      makeNrg([{ data: iso }, { data: audio, modeCode: 0x07, sectorBytes: 2352 }], { version: 1, writing: 'dao' }),
      makeNrg([{ data: audio, modeCode: 0x07, sectorBytes: 2352 }, { data: iso }], { version: 2, writing: 'tao' }),
    ];
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(160), fc.nat(255)), { maxLength: 6 }),
      async (which, flips) => {
        const b = Buffer.from(bases[which] ?? Buffer.alloc(0));
        // The track tables lie in the last couple of hundred bytes, before the footer.
        for (const [back, v] of flips) b[Math.max(0, b.length - 13 - back)] = v;
        const file = path.join(root, `nrg-${n++ % 3}.nrg`);
        writeFileSync(file, b);
        await importOrRefuse(file, b);
      },
    ), params(150));
  });

  it('NRG tracks with subchannel (2448-byte sectors) with mutated track tables (100 runs)', { timeout: 300_000 }, async () => {
    // Sectors of 2352 bytes of main channel and 96 of interleaved P-W (libmirage's layout for modes 0x0F/0x10/0x11), R-W bits in some.
    const sub = (main: Buffer): Buffer => Buffer.concat(Array.from({ length: main.length / 2352 }, (_, s) => Buffer.concat([main.subarray(s * 2352, (s + 1) * 2352), Buffer.alloc(96, s % 3 === 0 ? 0x55 : 0x40)])));
    const bases = [
      makeNrg([{ data: sub(audio), modeCode: 0x10, sectorBytes: 2448 }, { data: sub(audio.subarray(2352 * 5)), modeCode: 0x10, sectorBytes: 2448, pregap: sub(audio.subarray(0, 2352 * 5)) }], { version: 2, writing: 'dao' }),
      makeNrg([{ data: sub(audio), modeCode: 0x11, sectorBytes: 2448 }], { version: 1, writing: 'dao' }),
      makeNrg([{ data: sub(audio), modeCode: 0x10 }, { data: sub(audio), modeCode: 0x0f }], { version: 2, writing: 'tao' }),
    ];
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(220), fc.constantFrom(0, 1, 0x07, 0x0f, 0x10, 0x11, 0x09, 0x90, 0xff)), { maxLength: 6 }),
      async (which, flips) => {
        const b = Buffer.from(bases[which] ?? Buffer.alloc(0));
        for (const [back, v] of flips) b[Math.max(0, b.length - 13 - back)] = v;
        const file = path.join(root, `nrg-sub-${n++ % 3}.nrg`);
        writeFileSync(file, b);
        const record = await library.importFromPath(file).catch((err: unknown) => {
          expect(err).toBeInstanceOf(LibraryError);
          return undefined;
        });
        if (record) {
          // Whatever was converted is main channel (every BIN's first sector a sector of the source) and RW_RAW frames of it.
          for (const role of ['bin', 'subchannel'] as const) {
            for (const [i, f] of record.files.filter((x) => x.role === role).entries()) {
              const bytes = readFileSync(path.join(library.dir, f.path));
              expect(bytes.length % (role === 'bin' ? 2352 : 2448)).toBe(0);
              const first = Buffer.from(bytes.subarray(0, 2352));
              if (role === 'subchannel' && record.tracks[i]?.mode === 'AUDIO') first.swap16();
              if (bytes.length > 0) expect(b.includes(first)).toBe(true);
              if (role === 'subchannel') expect(bytes.subarray(2352, 2448).every((x) => x <= 0x3f)).toBe(true);
            }
          }
          await library.delete(record.id);
        }
        expect(listing()).toEqual(empty);
      },
    ), params(100));
  });

  it('multi-track MDS with mutated offsets, counts and pregaps (150 runs)', { timeout: 300_000 }, async () => {
    writeFileSync(path.join(root, 'fuzz.mdf'), Buffer.concat([iso, audio, audio]));
    const base = makeMdsTracks([
      { sectors: iso.length / 2048, startOffset: 0, fileName: 'fuzz.mdf' },
      { sectors: 30, sectorBytes: 2352, mode: 0xa9, startOffset: iso.length + 2352 * 10, pregap: 10, fileName: 'fuzz.mdf' },
      { sectors: 40, sectorBytes: 2352, mode: 0xa9, startOffset: iso.length + audio.length, pregap: 150, fileName: 'fuzz.mdf' },
    ]);
    const tracksAt = 112 + 3 * 80;
    const fields = [98, tracksAt, tracksAt + 16, tracksAt + 40, tracksAt + 80 + 16, tracksAt + 80 + 40, tracksAt + 160 + 40, tracksAt + 240, tracksAt + 244, tracksAt + 248, tracksAt + 252];
    const source = Buffer.concat([iso, audio, audio]);
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(0, 1, 10, 150, 2048, 2352, 0xa9, 0xaa, 0xffff, 0x7fffffff, 0xffffffff)), { maxLength: 3 }),
      async (writes) => {
        const b = Buffer.from(base);
        for (const [at, v] of writes) if (at + 4 <= b.length) b.writeUInt32LE(v >>> 0, at);
        const file = path.join(root, `mds-${n++ % 3}.mds`);
        writeFileSync(file, b);
        await importOrRefuse(file, source);
      },
    ), params(150));
  });
});

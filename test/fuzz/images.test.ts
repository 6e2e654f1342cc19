/**
 * Property-based fuzzing (fast-check, fixed seeds) of the image reader
 * (drivers/src/image/): the CUE sheet parser and layout (cue-sheet.ts,
 * cue-text.ts, cue-layout.ts) on random sheets built from grammar fragments,
 * the ISO 9660 descriptor analysis (iso9660.ts, iso-extensions.ts) on random
 * mutations of a real volume descriptor set and on random buffers, and the
 * image probe (image-probe.ts) on the same files. Each may succeed or throw
 * its documented typed error (ImageReadError, which the library maps to a
 * LibraryError with the same message; ImageError for an unreadable file);
 * nothing else, and never hang.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DriveError, ImageError } from '../../drivers/src/errors.js';
import { layoutCue } from '../../drivers/src/image/cue-layout.js';
import { parseCueSheet } from '../../drivers/src/image/cue-sheet.js';
import { checkCueFileName, decodeCueText, parseMsf, rewriteCueSheet } from '../../drivers/src/image/cue-text.js';
import { ImageReadError } from '../../drivers/src/image/image-read-error.js';
import { probeImage } from '../../drivers/src/image/image-probe.js';
import { analyseIso, hasIsoSignature, hasUdfOnlySignature, ISO_SECTOR } from '../../drivers/src/image/iso9660.js';
import { makeIso, makeTempDir } from '../../drivers/test/support/test-images.js';
import { fromImageReadError, LibraryError } from '../../apps/controller/src/library/errors.js';

const SEED = 20_240_701;
let seedNo = 0;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED + ++seedNo, numRuns, endOnFailure: true });

/** A refusal of the reader, which the library maps to one of its errors with the same message; anything else fails. */
function typedRefusal(err: unknown): void {
  if (!(err instanceof ImageReadError)) throw err;
  expect(err.code).toBe('IMAGE_ERROR');
  const mapped = fromImageReadError(err);
  expect(mapped).toBeInstanceOf(LibraryError);
  expect((mapped as LibraryError).code).toMatch(/^[A-Z_]+$/);
  expect((mapped as LibraryError).message).toBe(err.message);
}

const tmp = makeTempDir('tower-fuzz-');
afterAll(() => tmp.cleanup());

// ---- CUE sheets from grammar fragments -------------------------------------------------

const msf = fc.oneof(
  fc.tuple(fc.nat(99), fc.nat(59), fc.nat(74)).map(([m, s, f]) => `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}:${String(f).padStart(2, '0')}`),
  fc.constantFrom('00:00:00', '99:59:74', '00:60:00', '00:00:75', '1:2:3', '-1:00:00', '0000:00:00', ''),
);
const fileName = fc.oneof(
  fc.constantFrom('a.bin', 'track 01.bin', 'b.bin', '../../etc/passwd', '/etc/passwd', 'C:\\x.bin', '\\\\server\\x', 'a/../../b', 'dir/a.bin', 'x\0y', '', '..'),
  fc.string({ maxLength: 20 }),
);
const quoted = (s: string): string => `"${s}"`;
const mode = fc.constantFrom('MODE1/2048', 'MODE1/2352', 'MODE2/2336', 'MODE2/2352', 'AUDIO', 'CDG', 'MODE3/9', 'mode1/2048', '');
const cueLine = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fileName, fc.constantFrom('BINARY', 'MOTOROLA', 'WAVE', 'AIFF', 'MP3', 'JUNK', '')).map(([n, t]) => `FILE ${quoted(n)} ${t}`) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: -1, max: 100 }), mode).map(([n, m]) => `  TRACK ${String(n).padStart(2, '0')} ${m}`) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: -1, max: 100 }), msf).map(([n, t]) => `    INDEX ${String(n).padStart(2, '0')} ${t}`) },
  { weight: 1, arbitrary: msf.map((t) => `    PREGAP ${t}`) },
  { weight: 1, arbitrary: msf.map((t) => `    POSTGAP ${t}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('TITLE', 'PERFORMER', 'SONGWRITER', 'COMPOSER', 'ARRANGER', 'MESSAGE'), fc.string({ maxLength: 30 })).map(([k, v]) => `${k} ${quoted(v)}`) },
  { weight: 1, arbitrary: fc.constantFrom('CATALOG 0123456789012', 'ISRC ABCDE1234567', 'FLAGS DCP 4CH PRE SCMS', 'REM GENRE Rock', 'CDTEXTFILE "x.cdt"', 'CDTEXTFILE "../x.cdt"', 'TRACK', 'INDEX', 'FILE', '"', 'FILE "unterminated BINARY') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('X'.repeat(70_000)) },
);
const cueText = fc.tuple(fc.array(cueLine, { maxLength: 25 }), fc.constantFrom('\n', '\r\n', '\r')).map(([lines, eol]) => lines.join(eol));
const validCue = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom('MODE1/2048', 'MODE1/2352', 'AUDIO')).map(([tracks, m]) => {
  const lines = ['FILE "a.bin" BINARY'];
  for (let t = 1; t <= tracks; t++) lines.push(`  TRACK ${String(t).padStart(2, '0')} ${m}`, `    INDEX 01 00:${String(t * 2).padStart(2, '0')}:00`);
  return lines.join('\n');
});

describe('fuzz: CUE sheets', () => {
  it('parseCueSheet + layoutCue on random sheets from grammar fragments (1000 runs)', () => {
    fc.assert(fc.property(fc.oneof(cueText, validCue), fc.array(fc.nat(2_000_000), { maxLength: 4 }), (text, sizes) => {
      try {
        const sheet = parseCueSheet(text);
        for (const f of sheet.files) checkCueFileName(f.name);
        layoutCue(sheet, sheet.files.map((f, i) => ({ name: f.name, bytes: sizes[i] ?? 0 })));
        rewriteCueSheet(text, (i) => `file-${i}.bin`);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(1000));
    console.log('fuzz parseCueSheet+layoutCue: 1000 runs');
  });

  it('FILE names that leave the folder are always refused (1000 runs)', () => {
    const evil = fc.tuple(fc.constantFrom('../', '..\\', '/', '\\', 'C:', 'z:', '\\\\host\\', 'a/../../', ''), fc.string({ maxLength: 12 }), fc.boolean())
      .map(([prefix, rest, nul]) => `${prefix}${rest}${nul ? '\0' : ''}`)
      .filter((n) => n === '' || n.includes('\0') || /^[a-zA-Z]:/.test(n) || /^[\\/]/.test(n) || n.split(/[\\/]/).includes('..'));
    fc.assert(fc.property(evil, (name) => {
      expect(() => checkCueFileName(name)).toThrow(ImageReadError);
      const text = `FILE "${name.replace(/"/g, '')}" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n`;
      try {
        const sheet = parseCueSheet(text);
        // Whatever parsed must not name a file outside the folder.
        for (const f of sheet.files) checkCueFileName(f.name);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(1000));
    console.log('fuzz checkCueFileName: 1000 runs');
  });

  it('decodeCueText and parseMsf on random bytes and strings (1000 runs)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 12 }), (bytes, time) => {
      try {
        parseCueSheet(decodeCueText(bytes));
      } catch (err) {
        typedRefusal(err);
      }
      try {
        const frames = parseMsf(time, 1);
        expect(Number.isSafeInteger(frames) && frames >= 0).toBe(true);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(1000));
    console.log('fuzz decodeCueText+parseMsf: 1000 runs');
  });
});

// ---- ISO 9660 ----------------------------------------------------------------------------

const isoDir = path.join(tmp.dir, 'iso');
mkdirSync(isoDir);
const REAL_ISO = readFileSync(makeIso(isoDir, { name: 'real.iso', payloadBytes: 16 * 1024, label: 'FUZZ' }));
const DESCRIPTORS = 16 * ISO_SECTOR;
let caseNo = 0;

async function analyseBytes(bytes: Buffer): Promise<void> {
  const file = path.join(tmp.dir, `case-${caseNo++ % 8}.iso`);
  writeFileSync(file, bytes);
  hasIsoSignature(bytes.subarray(0, 64 * 1024));
  hasUdfOnlySignature(bytes.subarray(0, 64 * 1024));
  const handle = await open(file, 'r');
  try {
    const info = await analyseIso(handle, bytes.length);
    expect(typeof info).toBe('object');
  } catch (err) {
    typedRefusal(err);
  } finally {
    await handle.close();
  }
  try {
    await probeImage(file);
  } catch (err) {
    if (!(err instanceof ImageError) && !(err instanceof DriveError)) throw err;
  }
}

/** Byte mutations of the descriptor area (sectors 16.. of a real ISO), 32-bit field rewrites, truncation. */
const isoMutation = fc.tuple(
  fc.array(fc.tuple(fc.nat(8 * ISO_SECTOR - 1), fc.nat(255)), { maxLength: 40 }),
  fc.array(fc.tuple(fc.constantFrom(80, 84, 120, 124, 128, 130, 132, 136, 140, 148, 156, 158, 162, 166, 170, 181), fc.constantFrom(0, 1, 0xffff, 0x7fffffff, 0xffffffff, 2048, 16, 17, 1 << 20)), { maxLength: 4 }),
  fc.option(fc.nat()),
  fc.nat(3),
);

describe('fuzz: ISO 9660 descriptors and the image probe', () => {
  it('analyseIso + probeImage on mutations of a real descriptor set (1000 runs)', { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(isoMutation, async ([bytes, fields, cut, sector]) => {
      const iso = Buffer.from(REAL_ISO);
      for (const [at, v] of bytes) iso[DESCRIPTORS + at] = v;
      // Rewrite a numeric field of one of the first descriptors (the PVD is sector 16).
      for (const [off, v] of fields) {
        const base = DESCRIPTORS + sector * ISO_SECTOR + off;
        if (base + 4 <= iso.length) iso.writeUInt32LE(v >>> 0, base);
      }
      await analyseBytes(cut === null ? iso : iso.subarray(0, cut % (iso.length + 1)));
    }), params(1000));
    console.log('fuzz analyseIso mutations: 1000 runs');
  });

  it('analyseIso + probeImage on random buffers with and without a CD001 signature (500 runs)', { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 24 * ISO_SECTOR }), fc.boolean(), async (raw, signed) => {
      const buf = Buffer.from(raw);
      if (signed && buf.length >= DESCRIPTORS + 6) {
        buf[DESCRIPTORS] = 1;
        buf.write('CD001', DESCRIPTORS + 1, 'latin1');
      }
      await analyseBytes(buf);
    }), params(500));
    console.log('fuzz analyseIso random: 500 runs');
  });
});

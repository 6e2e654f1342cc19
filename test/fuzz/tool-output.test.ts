/**
 * Property-based fuzzing (fast-check, fixed seeds) of every parser of tool
 * output in drivers/src/parse: burn progress and its line splitter, burn
 * failure classification of a fake ToolRun, cdrskin drive inquiry / prcap /
 * minfo, device listings, /proc/sys/dev/cdrom/info, readom / dd / cdrdao read
 * output. Inputs are recorded real outputs (drivers/test/fixtures), mutated,
 * and plain random text. A parser may return anything of its type, or throw a
 * typed DriveError; never anything else, and never hang.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriveError } from '../../drivers/src/errors.js';
import { classifyBurnFailure } from '../../drivers/src/parse/burn-failure.js';
import { LineSplitter, parseBurnProgressLine, splitToolLines, summarizeBurnOutput } from '../../drivers/src/parse/burn-progress.js';
import { msfToSectors, parseCdrdaoReadOutput, parseCdrdaoReadProgress, parseCdrdaoReadTestOutput, parseCdrdaoReadTestProgress } from '../../drivers/src/parse/cdrdao-read-output.js';
import { cleanToolText, mediaStatusFromMinfo, mediaTypeFromName, parseDriveInquiry, parseMinfo, parsePrcap } from '../../drivers/src/parse/cdrskin-drive-info.js';
import { parseDdOutput, parseDdProgress } from '../../drivers/src/parse/dd-output.js';
import { parseDeviceListing } from '../../drivers/src/parse/device-listings.js';
import type { ListingTool } from '../../drivers/src/parse/device-listings.js';
import { mediaTypesFromCapabilities, parseProcCdromInfo } from '../../drivers/src/parse/proc-cdrom-info.js';
import { allPieces, splitPieces } from '../../drivers/src/parse/progress-pieces.js';
import { parseReadomOutput, parseReadomPiece } from '../../drivers/src/parse/readom-output.js';
import { REPO_ROOT } from '../support/repo-paths.js';

/** Base seed: every property gets its own seed from it, so CI is reproducible. */
const SEED = 20_240_601;
const RUNS = 1000;

let seedNo = 0;
/** Run a property with a fixed seed and RUNS runs; returns the number of runs (printed). */
function check<T>(name: string, arb: fc.Arbitrary<T>, body: (value: T) => void, numRuns = RUNS): number {
  const seed = SEED + ++seedNo;
  fc.assert(fc.property(arb, (v) => {
    try {
      body(v);
    } catch (err) {
      if (err instanceof DriveError) return;
      throw err;
    }
  }), { seed, numRuns, endOnFailure: true });
  console.log(`fuzz ${name}: ${numRuns} runs (seed ${seed})`);
  return numRuns;
}

// Recorded real output of the tools, as seeds for mutation.
const FIXTURES = ['samples', 'readme'].flatMap((sub) => {
  const dir = path.join(REPO_ROOT, 'drivers', 'test', 'fixtures', sub);
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(path.join(dir, f), 'latin1'));
});
const PROC_CDROM = `CD-ROM information, Id: cdrom.c 3.20 2003/12/17

drive name:\t\tsr1\tsr0
drive speed:\t\t48\t24
drive # of slots:\t1\t1
Can close tray:\t\t1\t1
Can open tray:\t\t1\t1
Can lock tray:\t\t1\t1
Can change speed:\t1\t1
Can select disk:\t0\t0
Can read multisession:\t1\t1
Can read MCN:\t\t1\t1
Reports media changed:\t1\t1
Can play audio:\t\t1\t1
Can write CD-R:\t\t1\t0
Can write CD-RW:\t1\t0
Can read DVD:\t\t1\t1
Can write DVD-R:\t1\t0
Can write DVD-RAM:\t0\t0
Can read MRW:\t\t1\t1
Can write MRW:\t\t1\t1
Can write RAM:\t\t1\t1

`;
const SEEDS = [...FIXTURES, PROC_CDROM];

const numberish = fc.oneof(
  fc.constantFrom('0', '-1', '999999999999999999999', '1e308', 'NaN', '1.5', '00', '4294967296', '-0', '0x10'),
  fc.integer().map(String),
);
const junkLine = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('\r', '\n', '\b\b\b', '\0', ':', ' : ', '\t', 'Track 01: ', 'MB written', 'fifo', '%', 'Blocks', 'ERROR', 'FATAL', 'SORRY'),
);

/** A recorded output mutated: lines dropped, duplicated, replaced, numbers changed, truncated, junk inserted. */
const mutatedOutput: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.nat(3), numberish, junkLine), { maxLength: 12 }), fc.option(fc.nat()))
  .map(([text, edits, cut]) => {
    const lines = text.split(/(?<=\n)/);
    for (const [at, kind, num, junk] of edits) {
      const i = lines.length === 0 ? 0 : at % lines.length;
      if (kind === 0) lines.splice(i, 1);
      else if (kind === 1) lines.splice(i, 0, lines[i] ?? junk);
      else if (kind === 2) lines[i] = (lines[i] ?? '').replace(/\d+(\.\d+)?/g, num);
      else lines.splice(i, 0, junk);
    }
    const joined = lines.join('');
    return cut === null ? joined : joined.slice(0, cut % (joined.length + 1));
  });
const randomText = fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.array(junkLine, { maxLength: 30 }).map((l) => l.join('\n')));
const anyOutput = fc.oneof({ weight: 3, arbitrary: mutatedOutput }, { weight: 1, arbitrary: randomText });

const LISTING_TOOLS: ListingTool[] = ['wodim-devices', 'wodim-scanbus', 'cdrskin-devices', 'cdrskin-scanbus', 'xorriso-devices', 'cdrdao-scanbus', 'sg-map'];

describe('fuzz: tool output parsers never crash, only typed errors', () => {
  it(`burn progress lines, summary and the line splitter (${RUNS * 3} runs)`, () => {
    check('parseBurnProgressLine', anyOutput, (t) => {
      for (const line of splitToolLines(t)) parseBurnProgressLine(line);
    });
    check('summarizeBurnOutput', anyOutput, (t) => {
      const s = summarizeBurnOutput(t);
      expect(typeof s).toBe('object');
    });
    check('LineSplitter', fc.tuple(anyOutput, fc.array(fc.nat(), { maxLength: 10 })), ([t, cuts]) => {
      const splitter = new LineSplitter();
      const at = [...new Set(cuts.map((c) => c % (t.length + 1)))].sort((a, b) => a - b);
      let from = 0;
      const got: string[] = [];
      for (const c of [...at, t.length]) {
        got.push(...splitter.push(t.slice(from, c)));
        from = c;
      }
      got.push(...splitter.flush());
      // Chunking never changes what the lines are.
      expect(got.map((l) => l.trim()).filter((l) => l !== '')).toEqual(splitToolLines(t).map((l) => l.trim()).filter((l) => l !== ''));
    });
  });

  it(`burn failure classification of a fake ToolRun (${RUNS} runs)`, () => {
    const run = fc.record({
      program: fc.constantFrom('cdrskin', 'wodim', 'cdrecord', 'cdrdao', 'x;rm -rf /'),
      exitCode: fc.option(fc.integer({ min: -1, max: 255 })),
      signal: fc.option(fc.constantFrom<NodeJS.Signals>('SIGKILL', 'SIGTERM', 'SIGSEGV', 'SIGPIPE')),
      stdout: anyOutput,
      stderr: anyOutput,
      durationMs: fc.nat(),
    });
    check('classifyBurnFailure', fc.tuple(run, fc.option(fc.nat())), ([r, sectors]) => {
      const err = classifyBurnFailure(r, { device: 'stdio:/tmp/x.img', ...(sectors === null ? {} : { imageSectors: sectors }) });
      expect(err).toBeInstanceOf(DriveError);
      expect(err.code).toMatch(/^[A-Z_]+$/);
      expect(err.message.length).toBeGreaterThan(0);
    });
  });

  it(`cdrskin drive inquiry, prcap, minfo and media status (${RUNS * 4} runs)`, () => {
    check('parseDriveInquiry', anyOutput, (t) => void parseDriveInquiry(t));
    check('parsePrcap', anyOutput, (t) => void parsePrcap(t));
    check('parseMinfo+mediaStatusFromMinfo', anyOutput, (t) => void mediaStatusFromMinfo(parseMinfo(t)));
    check('cleanToolText+mediaTypeFromName', randomText, (t) => {
      cleanToolText(t);
      mediaTypeFromName(t);
    });
  });

  it(`device listings of every tool (${RUNS} runs)`, () => {
    check('parseDeviceListing', fc.tuple(fc.constantFrom(...LISTING_TOOLS), anyOutput, fc.boolean(), fc.option(fc.integer({ min: -1, max: 255 }))), ([tool, t, asBytes, code]) => {
      const listing = parseDeviceListing(tool, asBytes ? Buffer.from(t, 'latin1') : t, code);
      expect(Array.isArray(listing.devices)).toBe(true);
    });
  });

  it(`/proc/sys/dev/cdrom/info (${RUNS} runs)`, () => {
    check('parseProcCdromInfo', anyOutput, (t) => {
      for (const caps of parseProcCdromInfo(t)) mediaTypesFromCapabilities(caps, { strict: true });
    });
  });

  it(`readom, dd and cdrdao read output (${RUNS * 4} runs)`, () => {
    check('readom', anyOutput, (t) => {
      for (const p of allPieces(t)) parseReadomPiece(p);
      parseReadomOutput(t);
      splitPieces(t);
    });
    check('dd', anyOutput, (t) => {
      for (const p of allPieces(t)) parseDdProgress(p);
      parseDdOutput(t);
    });
    check('cdrdao read-cd', anyOutput, (t) => {
      for (const p of allPieces(t)) {
        parseCdrdaoReadProgress(p);
        parseCdrdaoReadTestProgress(p);
      }
      parseCdrdaoReadOutput(t);
      parseCdrdaoReadTestOutput(t);
    });
    check('msfToSectors', fc.tuple(fc.integer(), fc.integer(), fc.integer()), ([m, s, f]) => void msfToSectors(m, s, f));
  });
});

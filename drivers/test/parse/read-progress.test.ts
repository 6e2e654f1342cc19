import { describe, expect, it } from 'vitest';
import {
  msfToSectors,
  parseCdrdaoReadOutput,
  parseCdrdaoReadProgress,
  parseCdrdaoReadTestOutput,
  parseCdrdaoReadTestProgress,
  parseDdOutput,
  parseDdProgress,
  parseReadomOutput,
  parseReadomPiece,
  sectorsToBytes,
  splitPieces,
} from '../../src/parse/read-progress.js';
import { parseSample, readFixture } from '../support/load-sample.js';

/** A recorded capture: `command`, `output` (merged streams, CRs kept), `exitCode`. */
const sample = (name: string): ReturnType<typeof parseSample> => parseSample(readFixture(name));

describe('splitPieces', () => {
  it('splits on CR and LF and keeps the unterminated tail', () => {
    expect(splitPieces('addr: 0 cnt: 64\raddr: 64 cnt: 64\rend:  9\naddr:   12')).toEqual({
      pieces: ['addr: 0 cnt: 64', 'addr: 64 cnt: 64', 'end:  9'],
      rest: 'addr:   12',
    });
    expect(splitPieces('a\r\nb\n')).toEqual({ pieces: ['a', 'b'], rest: '' });
  });
});

describe('readom pieces', () => {
  it('reads every kind of line', () => {
    expect(parseReadomPiece('Capacity: 9398 Blocks = 18796 kBytes = 18 MBytes = 19 prMB')).toEqual({ kind: 'capacity', sectors: 9398 });
    expect(parseReadomPiece('end:      9398')).toEqual({ kind: 'end', sector: 9398 });
    expect(parseReadomPiece('addr:     9344 cnt: 54')).toEqual({ kind: 'progress', address: 9344, count: 54 });
    expect(parseReadomPiece('addr:     9398')).toEqual({ kind: 'progress', address: 9398 });
    expect(parseReadomPiece('.........addr:     5120 cnt: 128')).toEqual({ kind: 'progress', address: 5120, count: 128 });
    expect(parseReadomPiece('readom: Retrying from sector 4992.')).toEqual({ kind: 'retry', sector: 4992 });
    expect(parseReadomPiece('readom: Input/output error. Error on sector 5000 not corrected. Total of 1 errors.')).toEqual({
      kind: 'unrecovered',
      sector: 5000,
      totalErrors: 1,
    });
    expect(parseReadomPiece('Sectorsize: 2048 Bytes')).toBeNull();
  });

  it('streams the recorded CR-separated progress in order', () => {
    const { output: text } = sample('qemu-readom-v.txt');
    const addresses: number[] = [];
    let rest = '';
    // Feed in odd-sized chunks, as a pipe would deliver them.
    for (let i = 0; i < text.length; i += 97) {
      const split = splitPieces(rest + text.slice(i, i + 97));
      rest = split.rest;
      for (const piece of split.pieces) {
        const e = parseReadomPiece(piece);
        if (e?.kind === 'progress') addresses.push(e.address);
      }
    }
    expect(addresses[0]).toBe(0);
    expect(addresses.at(-1)).toBe(9398);
    expect(addresses).toHaveLength(148);
    expect([...addresses].sort((a, b) => a - b)).toEqual(addresses);
  });
});

describe('readom summaries', () => {
  it('a good rip', () => {
    expect(parseReadomOutput(sample('qemu-readom-v.txt').output)).toEqual({
      capacitySectors: 9398,
      endSector: 9398,
      sectorsDone: 9398,
      unreadSectors: [],
      readKB: 18796,
      kBPerSecond: 131440.6,
      seconds: 0.143,
      complete: true,
    });
    expect(parseReadomOutput(sample('qemu-readom-nonverbose.txt').output)).toMatchObject({ sectorsDone: 9398, complete: true });
  });

  it('a sectors=0-100 range ends at 100', () => {
    expect(parseReadomOutput(sample('qemu-readom-sectors.txt').output)).toMatchObject({
      capacitySectors: 9398,
      endSector: 100,
      sectorsDone: 100,
      readKB: 200,
      complete: true,
    });
  });

  it('exit 0 yet sector 5000 unreadable: stopped at 4992', () => {
    for (const name of ['qemu-bad-readom.txt', 'qemu-bad-readom-file.txt']) {
      const s = sample(name);
      expect(s.exitCode).toBe(0);
      const summary = parseReadomOutput(s.output);
      expect(summary).toMatchObject({ unreadSectors: [5000], reportedUnreadCount: 1, complete: false, failure: 'io-error' });
      // 9984 kB = 4992 sectors landed in the file; no addr line reaches past the failing chunk.
      expect(summary.sectorsDone).toBe(4992);
      expect(summary.readKB).toBe(9984);
    }
  });

  it('-noerror: reads to the end, still lists the unread sector', () => {
    const summary = parseReadomOutput(sample('qemu-bad-readom-retries.txt').output);
    expect(summary).toMatchObject({ sectorsDone: 9398, complete: true, unreadSectors: [5000], reportedUnreadCount: 1, readKB: 18796 });
    expect(summary.failure).toBeUndefined();
  });

  it('joins a multi-sector list with the not-corrected messages', () => {
    const text =
      'end:       200\naddr:        0 cnt: 64\rreadom: Input/output error. Error on sector 17 not corrected. Total of 1 errors.\n' +
      'addr:      200\nThe following 3 sector(s) could not be read correctly:\n150\n17 18\n\n';
    expect(parseReadomOutput(text)).toMatchObject({ unreadSectors: [17, 18, 150], reportedUnreadCount: 3, complete: true });
  });

  it('classifies failures before reading', () => {
    expect(parseReadomOutput(sample('qemu-nodisc-readom.txt').output).failure).toBe('no-media');
    expect(parseReadomOutput(sample('qemu-busy-readom.txt').output).failure).toBe('busy');
    expect(parseReadomOutput(sample('readom-missing-sr0.txt').output).failure).toBe('no-device');
    expect(parseReadomOutput(sample('readom-file-source.txt').output).failure).toBe('not-a-drive');
    expect(parseReadomOutput('readom: No space left on device. Cannot write file.\n').failure).toBe('no-space');
    expect(parseReadomOutput('').sectorsDone).toBe(0);
  });
});

describe('dd', () => {
  it('parses progress and final statistics lines', () => {
    expect(parseDdProgress('9854976 bytes (9.9 MB, 9.4 MiB) copied, 1 s, 9.9 MB/s')).toEqual({
      bytes: 9854976,
      seconds: 1,
      bytesPerSecond: 9.9e6,
    });
    expect(parseDdProgress('20480 bytes (20 kB, 20 KiB) copied, 0.000851247 s, 24.1 MB/s')?.bytes).toBe(20480);
    expect(parseDdProgress('1 byte copied, 0.0001 s, 10.0 kB/s')).toEqual({ bytes: 1, seconds: 0.0001, bytesPerSecond: 10_000 });
    expect(parseDdProgress('9398+0 records in')).toBeNull();
  });

  it('a good read', () => {
    expect(parseDdOutput(sample('qemu-dd-read.txt').output)).toEqual({
      recordsInFull: 9398,
      recordsInPartial: 0,
      recordsOutFull: 9398,
      recordsOutPartial: 0,
      bytes: 19247104,
      seconds: 0.965499,
      unreadRecords: [],
    });
  });

  it('stops at the first unreadable record', () => {
    expect(parseDdOutput(sample('qemu-bad-dd.txt').output)).toMatchObject({ recordsInFull: 5000, bytes: 10240000, unreadRecords: [5000] });
    // skip=4990: record 10 of the run is sector 5000 of the disc
    expect(parseDdOutput(sample('dd-read-nbdfuse-badsectors.txt').output).unreadRecords).toEqual([10]);
  });

  it('conv=noerror,sync: every failed record, full size out', () => {
    expect(parseDdOutput(sample('qemu-bad-dd-noerror.txt').output)).toMatchObject({
      recordsInFull: 9396,
      recordsInPartial: 2,
      recordsOutFull: 9398,
      bytes: 19247104,
      unreadRecords: [5000, 5001],
    });
  });

  it('no medium', () => {
    expect(parseDdOutput(sample('qemu-nodisc-dd.txt').output).openError).toBe("dd: failed to open '/dev/sr0': No medium found");
  });
});

describe('cdrdao read-cd', () => {
  it('progress pieces are disc positions', () => {
    expect(parseCdrdaoReadProgress('00:01:00')).toBe(75);
    expect(parseCdrdaoReadProgress('01:23:00')).toBe(83 * 75);
    expect(parseCdrdaoReadProgress('Reading toc and track data...')).toBeNull();
    expect(msfToSectors(2, 5, 23)).toBe(9398);
  });

  it('a successful raw read with a harmless ERROR line', () => {
    const s = sample('qemu-cdrdao-read-cd-raw.txt');
    expect(s.exitCode).toBe(0);
    expect(parseCdrdaoReadOutput(s.output)).toEqual({
      tracks: [{ track: 1, mode: 'MODE1_RAW', startSector: 0, lengthSectors: 9398, file: '/tmp/r/raw2.bin' }],
      leadoutSector: 9398,
      positionSectors: msfToSectors(2, 4, 0),
      finishedSuccessfully: true,
      errors: [],
      harmlessErrors: ['ERROR: Cannot get catalog number.'],
      readError: false,
      unitNotReady: false,
    });
    expect(parseCdrdaoReadOutput(sample('qemu-cdrdao-read-cd.txt').output)).toMatchObject({
      tracks: [{ mode: 'MODE1', lengthSectors: 9398 }],
      finishedSuccessfully: true,
      errors: [],
    });
  });

  it('a read error', () => {
    expect(parseCdrdaoReadOutput(sample('qemu-bad-cdrdao-read-cd.txt').output)).toMatchObject({
      finishedSuccessfully: false,
      readError: true,
      errors: ['ERROR: Cannot read sector of track.', 'ERROR: Read error while copying data from track.'],
    });
  });

  it('no disc', () => {
    expect(parseCdrdaoReadOutput(sample('qemu-nodisc-cdrdao-read-cd.txt').output)).toMatchObject({
      finishedSuccessfully: false,
      unitNotReady: true,
      tracks: [],
    });
  });
});

describe('cdrdao read-test', () => {
  it('parses Read N of M MB. and the block total', () => {
    expect(parseCdrdaoReadTestProgress('Read 0 of 1 MB.')).toEqual({ readMB: 0, totalMB: 1 });
    expect(parseCdrdaoReadTestProgress('Read 750 blocks.')).toBeNull();
    expect(parseCdrdaoReadTestOutput(sample('cdrdao-read-test-audio.txt').output)).toEqual({
      readMB: 1,
      totalMB: 1,
      blocks: 750,
      tracks: [1],
      errors: [],
    });
  });

  it('sector helper', () => {
    expect(sectorsToBytes(9398)).toBe(19247104);
  });
});

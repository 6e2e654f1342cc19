/**
 * An idle real drive's look at its disc: past the short sharing window, a
 * remembered `-minfo` answer is kept while TEST UNIT READY agrees with it and
 * the kernel's media change count (diskseq) has not moved; anything else asks
 * the drive in full. TEST UNIT READY answers are the tgt captures
 * (`tgt-sg-turs-*.txt`, from the rig's guest).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { MediaMemory } from '../../src/cdrecord/media-memory.js';
import type { MediaRecheck } from '../../src/cdrecord/media-memory.js';
import { readDiskSeq, recheckVerdict, unitReadiness } from '../../src/cdrecord/media-recheck.js';
import type { MediaStatus } from '../../src/drive-contract.js';
import type { ToolRun } from '../../src/tool-process.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeReply } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';

const READY = loadStreams('tgt-sg-turs-ready.txt');
const NO_DISC = loadStreams('tgt-sg-turs-no-disc.txt');
const ATTENTION = loadStreams('tgt-sg-turs-unit-attention.txt');
const GONE = loadStreams('tgt-sg-turs-lun-deleted.txt');

const blank: MediaStatus = { status: 'blank', type: 'DVD+R', rewritable: false, capacitySectors: 2295104, usedSectors: 0, freeSectors: 2295104 };
const burned: MediaStatus = { status: 'complete', type: 'DVD-ROM', rewritable: false, capacitySectors: 2048, usedSectors: 2048, freeSectors: 0 };
const none: MediaStatus = { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };

describe('TEST UNIT READY as the media memory reads it', () => {
  it('GOOD is ready, 2/3A/00 no medium, sense key 6 a unit attention, the rest something else', () => {
    expect(unitReadiness(READY)).toEqual({ kind: 'ready' });
    expect(unitReadiness(NO_DISC)).toEqual({ kind: 'no-medium' });
    expect(unitReadiness(ATTENTION)).toEqual({ kind: 'attention', sense: '6/3F/0E Unit attention, reported luns data has changed' });
    expect(unitReadiness(GONE)).toEqual({ kind: 'other', why: 'sense 5/25/00 Illegal request, logical unit not supported' });
  });

  it('a failed run without sense data is something else, not ready', () => {
    const failed: ToolRun = { ...READY, exitCode: 15, stderr: 'sg_turs: failed to open /dev/sr9: No such file or directory\n' };
    expect(unitReadiness(failed)).toEqual({ kind: 'other', why: 'sg_turs exit 15 without sense data' });
  });
});

describe('recheckVerdict', () => {
  const verdict = (remembered: MediaStatus, unitReady: ToolRun | null, seqThen: string | null = '7', seqNow: string | null = '7'): boolean =>
    recheckVerdict({ remembered, unitReady, seqThen, seqNow }).holds;

  it('keeps a disc while the unit is ready, and no disc while the medium is not present', () => {
    expect(verdict(blank, READY)).toBe(true);
    expect(verdict(burned, READY)).toBe(true);
    expect(verdict(none, NO_DISC)).toBe(true);
  });

  it('asks again when TEST UNIT READY contradicts the answer', () => {
    expect(verdict(blank, NO_DISC)).toBe(false);
    expect(verdict(none, READY)).toBe(false);
  });

  it('asks again on a unit attention, a drive gone, or no answer at all', () => {
    expect(recheckVerdict({ remembered: blank, unitReady: ATTENTION, seqThen: '7', seqNow: '7' })).toEqual({ holds: false, why: 'unit attention 6/3F/0E Unit attention, reported luns data has changed' });
    expect(verdict(none, ATTENTION)).toBe(false);
    expect(verdict(blank, GONE)).toBe(false);
    expect(verdict(none, GONE)).toBe(false);
    expect(verdict(blank, null)).toBe(false);
  });

  it('asks again when the kernel counted a media change, even with the unit ready again', () => {
    expect(recheckVerdict({ remembered: blank, unitReady: READY, seqThen: '7', seqNow: '9' })).toEqual({ holds: false, why: 'the kernel counted a media change (diskseq 7 -> 9)' });
    expect(verdict(blank, READY, null, '9')).toBe(false);
    expect(verdict(blank, READY, '7', null)).toBe(false);
  });

  it('without a count (an older kernel) TEST UNIT READY alone decides', () => {
    expect(verdict(blank, READY, null, null)).toBe(true);
    expect(verdict(blank, NO_DISC, null, null)).toBe(false);
  });
});

describe('readDiskSeq', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync('/dev/shm/tower-diskseq-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the count of the block device a node resolves to; null when there is none or it is not a number', async () => {
    const sys = path.join(dir, 'sys');
    writeFileSync(path.join(dir, 'sr7'), '');
    mkdirSync(path.join(sys, 'sr7'), { recursive: true });
    writeFileSync(path.join(sys, 'sr7', 'diskseq'), '42\n');
    expect(await readDiskSeq(path.join(dir, 'sr7'), sys)).toBe('42');
    writeFileSync(path.join(sys, 'sr7', 'diskseq'), 'x\n');
    expect(await readDiskSeq(path.join(dir, 'sr7'), sys)).toBeNull();
    expect(await readDiskSeq(path.join(dir, 'sr8'), sys)).toBeNull();
    expect(await readDiskSeq('/tmp/not-a-device', sys)).toBeNull();
  });
});

describe('MediaMemory with a recheck', () => {
  function setup(recheckWithinMs = 60_000) {
    let clock = 0;
    const memory = new MediaMemory(2000, () => clock, recheckWithinMs);
    const log: string[] = [];
    let holds = true;
    let mark = 'a';
    const recheck: MediaRecheck = {
      mark: async () => {
        log.push(`mark ${mark}`);
        return mark;
      },
      holds: async (remembered, seen) => {
        log.push(`holds ${remembered.status} ${seen ?? 'null'}`);
        return holds;
      },
    };
    const query = async (): Promise<MediaStatus> => {
      log.push('query');
      return blank;
    };
    return {
      memory,
      log,
      get: () => memory.get(query, recheck),
      tick: (ms: number) => (clock += ms),
      setHolds: (h: boolean) => (holds = h),
      setMark: (m: string) => (mark = m),
    };
  }

  it('within the sharing window asks nothing; past it a recheck that holds keeps the answer and opens a new window', async () => {
    const m = setup();
    await m.get();
    m.tick(2000);
    await m.get();
    expect(m.log).toEqual(['mark a', 'query']);
    m.tick(1);
    expect(await m.get()).toBe(blank);
    expect(m.log).toEqual(['mark a', 'query', 'holds blank a']);
    m.tick(2000);
    await m.get();
    expect(m.log).toHaveLength(3);
  });

  it('a recheck that fails asks in full, marking first', async () => {
    const m = setup();
    await m.get();
    m.tick(3000);
    m.setHolds(false);
    m.setMark('b');
    await m.get();
    expect(m.log).toEqual(['mark a', 'query', 'holds blank a', 'mark b', 'query']);
    m.setHolds(true);
    m.tick(3000);
    await m.get();
    expect(m.log.at(-1)).toBe('holds blank b');
  });

  it('past recheckWithinMs since the full query the drive is asked in full, rechecks or not', async () => {
    const m = setup(10_000);
    await m.get();
    for (let i = 0; i < 3; i++) {
      m.tick(3000);
      await m.get();
    }
    expect(m.log.filter((l) => l === 'query')).toHaveLength(1);
    m.tick(2001);
    await m.get();
    expect(m.log.slice(-2)).toEqual(['mark a', 'query']);
  });

  it('recheckWithinMs 0 never rechecks nor marks: the old behaviour', async () => {
    const m = setup(0);
    await m.get();
    m.tick(3000);
    await m.get();
    expect(m.log).toEqual(['query', 'query']);
  });

  it('a forget() while a recheck runs is not overruled by it', async () => {
    let clock = 0;
    const memory = new MediaMemory(2000, () => clock, 60_000);
    let asked = 0;
    const query = async (): Promise<MediaStatus> => {
      asked += 1;
      return asked === 1 ? blank : burned;
    };
    await memory.get(query);
    clock = 5000;
    const recheck: MediaRecheck = {
      mark: async () => null,
      holds: async () => {
        memory.forget();
        return true;
      },
    };
    expect(await memory.get(query, recheck)).toBe(burned);
    expect(asked).toBe(2);
  });
});

describe('a real drive looked at while idle', () => {
  let dir: string;
  let toolDir: string;
  beforeAll(() => {
    dir = mkdtempSync('/dev/shm/tower-idle-look-');
    // findOnPath looks for sg_turs on PATH; the fake spawner runs nothing.
    toolDir = path.join(dir, 'bin');
    mkdirSync(toolDir);
    writeFileSync(path.join(toolDir, 'sg_turs'), '#!/bin/sh\nexit 99\n');
    chmodSync(path.join(toolDir, 'sg_turs'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const reply = (run: ToolRun): FakeReply => ({ stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 0 });
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  function recorder(withUnitReady = true) {
    const target = path.join(dir, `sr-${Math.random().toString(36).slice(2)}`);
    writeFileSync(target, '');
    const drive = { minfo: 'tgt-cdrskin-minfo-blank-dvdplusr.txt', turs: READY };
    const fake = fakeSpawner((call) => {
      if (call.args.includes('-minfo')) return reply(loadStreams(drive.minfo));
      if (call.program === 'sg_turs') return reply(drive.turs);
      return { stderr: `unexpected ${call.program} ${call.args.join(' ')}\n`, exitCode: 99 };
    });
    const cd = new CdrecordDrive({
      address: target,
      burner: 'cdrskin',
      spawner: fake.spawner,
      env: { PATH: withUnitReady ? toolDir : path.join(dir, 'nothing-here') },
      mediaReuseMs: 1,
    });
    const runs = (): string[] => fake.calls.map((c) => (c.program === 'sg_turs' ? 'turs' : c.args.includes('-minfo') ? 'minfo' : c.program));
    return { cd, drive, runs, calls: fake.calls, target };
  }

  it('a blank stays a blank on TEST UNIT READY alone; the disc taken out is seen at the next look', async () => {
    const { cd, drive, runs, calls, target } = recorder();
    expect(await cd.media()).toMatchObject({ status: 'blank', type: 'DVD+R' });
    await pause(5);
    expect(await cd.media()).toMatchObject({ status: 'blank', type: 'DVD+R' });
    await pause(5);
    await cd.media();
    expect(runs()).toEqual(['minfo', 'turs', 'turs']);
    expect(calls[1]?.args).toEqual(['-vv', target]);
    drive.turs = NO_DISC;
    drive.minfo = 'tgt-cdrskin-minfo-disc-pulled.txt';
    await pause(5);
    expect((await cd.media()).status).toBe('none');
    expect(runs()).toEqual(['minfo', 'turs', 'turs', 'turs', 'minfo']);
    // No disc, and still none: nothing but TEST UNIT READY.
    await pause(5);
    expect((await cd.media()).status).toBe('none');
    expect(runs().slice(5)).toEqual(['turs']);
  });

  it('a unit attention asks in full', async () => {
    const { cd, drive, runs } = recorder();
    await cd.media();
    drive.turs = ATTENTION;
    await pause(5);
    await cd.media();
    expect(runs()).toEqual(['minfo', 'turs', 'minfo']);
  });

  it('without sg_turs installed every look past the window is a full query, as before', async () => {
    const { cd, runs } = recorder(false);
    await cd.media();
    await pause(5);
    await cd.media();
    await pause(5);
    await cd.media();
    expect(runs()).toEqual(['minfo', 'minfo', 'minfo']);
  });

  it('an eject through the drive forgets the answer: the next look asks in full', async () => {
    const { cd, runs } = recorder();
    await cd.media();
    await cd.eject().catch(() => undefined);
    await pause(5);
    await cd.media();
    expect(runs().filter((r) => r !== 'eject' && r !== 'cdrskin')).toEqual(['minfo', 'minfo']);
  });
});

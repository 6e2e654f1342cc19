/**
 * An idle real drive's look at its disc: past the short sharing window, a
 * remembered `-minfo` answer of a disc is kept while the kernel's media
 * change count (diskseq, counted when the device is opened) stays what it was
 * before the answer was asked; anything else asks the drive in full, as
 * before. The drives here are files under /dev/shm with a sysfs of their own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { MediaMemory } from '../../src/cdrecord/media-memory.js';
import type { MediaRecheck } from '../../src/cdrecord/media-memory.js';
import { deviceRecheck, openAndClose, readDiskSeq, recheckVerdict } from '../../src/cdrecord/media-recheck.js';
import type { MediaStatus } from '../../src/drive-contract.js';
import type { ToolRun } from '../../src/tool-process.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeReply } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';

const blank: MediaStatus = { status: 'blank', type: 'DVD+R', rewritable: false, capacitySectors: 2295104, usedSectors: 0, freeSectors: 2295104 };
const burned: MediaStatus = { status: 'complete', type: 'DVD-ROM', rewritable: false, capacitySectors: 2048, usedSectors: 2048, freeSectors: 0 };
const none: MediaStatus = { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };

describe('recheckVerdict', () => {
  const holds = (remembered: MediaStatus, opened: boolean, seqThen: string | null, seqNow: string | null): boolean =>
    recheckVerdict({ remembered, opened, seqThen, seqNow }).holds;

  it('keeps a disc answer while the count stays', () => {
    expect(holds(blank, true, '7', '7')).toBe(true);
    expect(holds(burned, true, '7', '7')).toBe(true);
  });

  it('asks again when the kernel counted a media change', () => {
    expect(recheckVerdict({ remembered: blank, opened: true, seqThen: '7', seqNow: '9' })).toEqual({ holds: false, why: 'the kernel counted a media change (diskseq 7 -> 9)' });
  });

  it('asks again without a count, when the device did not open, and always for no disc', () => {
    expect(holds(blank, true, null, null)).toBe(false);
    expect(holds(blank, true, '7', null)).toBe(false);
    expect(holds(blank, true, null, '7')).toBe(false);
    expect(holds(blank, false, '7', '7')).toBe(false);
    expect(recheckVerdict({ remembered: none, opened: true, seqThen: '7', seqNow: '7' })).toEqual({ holds: false, why: 'no disc: an empty drive is asked in full' });
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

  it('openAndClose opens a node without waiting for a disc; false when it does not open', async () => {
    writeFileSync(path.join(dir, 'sr9'), '');
    expect(await openAndClose(path.join(dir, 'sr9'))).toBe(true);
    expect(await openAndClose(path.join(dir, 'gone'))).toBe(false);
  });

  it('deviceRecheck marks with the count and keeps a disc answer only while it stays', async () => {
    const sys = path.join(dir, 'sys2');
    writeFileSync(path.join(dir, 'sr5'), '');
    mkdirSync(path.join(sys, 'sr5'), { recursive: true });
    writeFileSync(path.join(sys, 'sr5', 'diskseq'), '11\n');
    const recheck = deviceRecheck(path.join(dir, 'sr5'), { sysClassBlock: sys });
    const mark = await recheck.mark();
    expect(mark).toBe('11');
    expect(await recheck.holds(blank, mark)).toBe(true);
    expect(await recheck.holds(none, mark)).toBe(false);
    writeFileSync(path.join(sys, 'sr5', 'diskseq'), '12\n');
    expect(await recheck.holds(blank, mark)).toBe(false);
    expect(await deviceRecheck(path.join(dir, 'sr6'), { sysClassBlock: sys }).holds(blank, '11')).toBe(false);
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
  let sys: string;
  beforeAll(() => {
    dir = mkdtempSync('/dev/shm/tower-idle-look-');
    sys = path.join(dir, 'sys');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const reply = (run: ToolRun): FakeReply => ({ stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 0 });
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  let n = 0;

  /** A recorder at `<dir>/srN` whose kernel count is `<sys>/srN/diskseq` (none when `seq` is null). */
  function recorder(options: { seq?: string | null; withinMs?: number } = {}) {
    const name = `sr${n++}`;
    const target = path.join(dir, name);
    writeFileSync(target, '');
    mkdirSync(path.join(sys, name), { recursive: true });
    const setSeq = (seq: string): void => writeFileSync(path.join(sys, name, 'diskseq'), `${seq}\n`);
    if (options.seq !== null) setSeq(options.seq ?? '5');
    const disc = { minfo: 'tgt-cdrskin-minfo-blank-dvdplusr.txt' };
    const fake = fakeSpawner((call) => {
      if (call.args.includes('-minfo')) return reply(loadStreams(disc.minfo));
      return { stderr: `unexpected ${call.program} ${call.args.join(' ')}\n`, exitCode: 99 };
    });
    const cd = new CdrecordDrive({
      address: target,
      burner: 'cdrskin',
      spawner: fake.spawner,
      env: { PATH: path.join(dir, 'no-tools') },
      mediaReuseMs: 1,
      mediaRecheck: { sysClassBlock: sys, ...(options.withinMs === undefined ? {} : { withinMs: options.withinMs }) },
    });
    const runs = (): string[] => fake.calls.map((c) => (c.args.includes('-minfo') ? 'minfo' : c.args.join(' ')));
    const look = async (): Promise<MediaStatus> => {
      await pause(5);
      return cd.media();
    };
    return { cd, disc, runs, setSeq, look };
  }

  it('a blank stays a blank while the count stays, with no tool run; a counted change asks in full', async () => {
    const { cd, runs, setSeq, look } = recorder();
    expect(await cd.media()).toMatchObject({ status: 'blank', type: 'DVD+R' });
    for (let i = 0; i < 3; i++) expect(await look()).toMatchObject({ status: 'blank', type: 'DVD+R' });
    expect(runs()).toEqual(['minfo']);
    setSeq('8');
    await look();
    expect(runs()).toEqual(['minfo', 'minfo']);
    await look();
    expect(runs()).toEqual(['minfo', 'minfo']);
  });

  it('no disc is asked in full at every look, and the disc put in is seen at once', async () => {
    const { disc, runs, look } = recorder();
    disc.minfo = 'tgt-cdrskin-minfo-disc-pulled.txt';
    expect((await look()).status).toBe('none');
    expect((await look()).status).toBe('none');
    disc.minfo = 'tgt-cdrskin-minfo-blank-dvdplusr.txt';
    expect((await look()).status).toBe('blank');
    expect(runs()).toEqual(['minfo', 'minfo', 'minfo']);
  });

  it('without a media change count every look past the window is a full query, as before', async () => {
    const { runs, look } = recorder({ seq: null });
    for (let i = 0; i < 3; i++) await look();
    expect(runs()).toEqual(['minfo', 'minfo', 'minfo']);
  });

  it('an answer older than withinMs is asked again, count or not', async () => {
    const { runs, look } = recorder({ withinMs: 40 });
    await look();
    await look();
    expect(runs()).toEqual(['minfo']);
    await pause(50);
    await look();
    expect(runs()).toEqual(['minfo', 'minfo']);
  });

  it('an eject through the drive forgets the answer: the next look asks in full', async () => {
    const { cd, runs, look } = recorder();
    await look();
    await cd.eject().catch(() => undefined);
    await look();
    expect(runs().filter((r) => r === 'minfo')).toEqual(['minfo', 'minfo']);
  });
});

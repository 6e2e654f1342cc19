/**
 * `tower watch` on a real terminal's terms (issue 13 point 19): every line
 * fits the width at 80, 100, 132 and 200 columns with DRIVE, STATE, % and
 * ETA kept; a resize from wide to narrow clears the old frame (the bytes
 * written are checked); the header's time is local, from TZ.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FeedHandlers, FeedOpener } from '../../src/cli/feed-client.js';
import { DRIVE_FIT_STEPS, fittedRunLine, renderDriveLines } from '../../src/cli/live-lines.js';
import { LiveRegion } from '../../src/cli/live-region.js';
import { TowerState } from '../../src/cli/tower-view.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { EXIT } from '../../src/cli/cli-output.js';
import { runCli } from './cli-harness.js';
import { makeDrive, makeRun, makeSnapshot } from './fixtures.js';

/** A terminal's output stream: columns and rows that change, and 'resize' when they do (as process.stdout on SIGWINCH). */
class Terminal extends Writable {
  text = '';
  readonly isTTY = true;
  constructor(public columns: number, public rows?: number) {
    super();
  }
  resize(columns: number): void {
    this.columns = columns;
    this.emit('resize');
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const RUN_ID = '874bddfd-1c2e-4f3a-9b8c-0d1e2f3a4b5c';
const snapshot = makeSnapshot({
  drives: [
    makeDrive({ label: 'Loader B upper bay, second from the left', state: 'burning', percent: 42, speedX: 24, etaSeconds: 4748, runId: RUN_ID, copy: 12 }),
    makeDrive({ id: 'sim:1', label: 'sim:1', position: 1, state: 'quarantined', needsAttention: true, quarantine: { reason: '3 failures in a row: WRITE_ERROR at sector 123456', at: 0, by: 'agent' } }),
    makeDrive({ id: 'sim:2', label: 'sim:2', position: 2, state: 'verifying', percent: 7, speedX: 8, etaSeconds: 95, runId: RUN_ID, copy: 13 }),
  ],
  runs: [makeRun({ id: RUN_ID, imageName: 'Product installer 2024 edition, all languages', copies: 300, passed: 24, inProgress: 2, discsPerHour: 42, etaSeconds: 3600 * 6 + 61, statusReason: 'needs a person: no drive in service takes DVD discs: add a DVD writer' })],
});

function feedOf(send: (h: FeedHandlers) => void): FeedOpener {
  return async (_settings, handlers) => {
    setTimeout(() => send(handlers), 1);
    return { requestSnapshot: () => undefined, close: () => undefined };
  };
}

/** The text a terminal shows for `bytes` written from a clean screen, one frame: escape sequences out. */
function plain(bytes: string): string[] {
  // eslint-disable-next-line no-control-regex
  return bytes.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n').filter((l) => l !== '');
}

beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

describe('tower watch fits the terminal', () => {
  for (const columns of [80, 100, 132, 200]) {
    it(`at ${columns} columns every line fits and DRIVE, STATE, % and ETA stay`, async () => {
      const stdout = new Terminal(columns);
      const result = await runCli(['watch', '--once'], { openFeed: feedOf((h) => h.snapshot(snapshot)), stdout });
      expect(result.code).toBe(EXIT.ok);
      expect(stdout.listenerCount('resize')).toBe(0);
      const lines = stdout.text.split('\n').slice(0, -1);
      for (const line of lines) expect(line.length, line).toBeLessThan(columns);
      const table = lines.slice(2, 6);
      expect(table[0]).toMatch(/^DRIVE\s+STATE\s+.*%\s+.*ETA\b/);
      expect(table[1]).toMatch(/^Loader B .*\s+burning\s+.*42%\s+.*1:19:08\b/);
      expect(table[2]).toMatch(/^sim:1\s+quarantined\b/);
      expect(table[3]).toMatch(/^sim:2\s+verifying\s+.*7%\s+.*1:35\b/);
      // The run keeps its id, counts and ETA.
      expect(lines[7]).toMatch(/^run 874bddfd\b.*: running \(needs a pers.*\), 24\/300 passed, 0 failed.*, ETA 6:01:01$/);
    });
  }

  it('gives way in the defined order: names and notes cut, bar narrowed, SPEED, bar, RUN/COPY and NOTE dropped', () => {
    const drives = snapshot.drives;
    const headers = (width: number): string => renderDriveLines(drives, width)[0]?.split(/\s+/).join(' ') ?? '';
    expect(headers(200)).toBe('DRIVE STATE PROGRESS % SPEED ETA RUN/COPY NOTE');
    expect(headers(131)).toBe('DRIVE STATE PROGRESS % SPEED ETA RUN/COPY NOTE');
    expect(headers(99)).toBe('DRIVE STATE PROGRESS % ETA RUN/COPY NOTE');
    expect(headers(79)).toBe('DRIVE STATE % ETA RUN/COPY NOTE');
    expect(headers(50)).toBe('DRIVE STATE % ETA NOTE');
    expect(headers(40)).toBe('DRIVE STATE % ETA');
    expect(DRIVE_FIT_STEPS.some((s) => 'drop' in s && ['DRIVE', 'STATE', '%', 'ETA'].includes(s.drop))).toBe(false);
    // A narrowed bar is drawn narrower, not cut; a cut name or note ends with an ellipsis.
    const at99 = renderDriveLines(drives, 99);
    expect(at99[1]).toMatch(/ \[#+-+\] +42%/);
    const at79 = renderDriveLines(drives, 79);
    expect(at79[1]).toMatch(/^Loader B upper bay…\s+burning\s+42%\s+1:19:08\s+874bddfd #12\s+-$/);
    expect(at79[2]).toMatch(/^sim:1\s+quarantined\s+-\s+-\s+-\s+! quarantined:…$/);
    for (const width of [200, 131, 99, 79, 50, 40]) for (const line of renderDriveLines(drives, width)) expect(line.length).toBeLessThanOrEqual(width);
  });

  it('a run line keeps its counts and ETA before its rate, reason and name', () => {
    const run = snapshot.runs[0] ?? makeRun();
    expect(fittedRunLine(run)).toBe('run 874bddfd Product installer 2024 edition, all languages: running (needs a person: no drive in service takes DVD discs: add a DVD writer), 24/300 passed, 0 failed, 2 in progress, 42 discs/h, ETA 6:01:01');
    expect(fittedRunLine(run, 99)).toBe('run 874bddfd Product installer 2024…: running (needs a pers…), 24/300 passed, 0 failed, ETA 6:01:01');
    expect(fittedRunLine(run, 79)).toBe('run 874bddfd: running (needs a person:…), 24/300 passed, 0 failed, ETA 6:01:01');
    expect(fittedRunLine(run, 59)).toBe('run 874bddfd: running, 24/300 passed, 0 failed, ETA 6:01:01');
  });

  it('never draws more lines than the terminal has rows', () => {
    const state = new TowerState();
    state.applySnapshot(makeSnapshot({ drives: Array.from({ length: 30 }, (_, i) => makeDrive({ id: `sim:${i}`, label: `sim:${i}`, position: i })) }));
    const stream = new Terminal(80, 12);
    new LiveRegion({ stream }).render(state.render(79));
    const lines = stream.text.split('\x1b[K\n');
    expect(lines).toHaveLength(12);
    expect(lines[10]).toBe('… 25 more lines (a taller terminal shows them)');
    expect(lines[11]).toBe('\x1b[J');
  });
});

describe('tower watch after a resize', () => {
  it('from 200 to 80 columns: the screen is cleared and the new frame drawn from its top, every line within 80', async () => {
    const abort = new AbortController();
    const stdout = new Terminal(200);
    let wide = '';
    const open = feedOf((h) => {
      h.snapshot(snapshot);
      wide = stdout.text;
      stdout.resize(80);
      abort.abort();
    });
    const result = await runCli(['watch'], { openFeed: open, signal: abort.signal, stdout });
    expect(result.code).toBe(EXIT.ok);
    expect(wide).toContain('PROGRESS');
    const after = stdout.text.slice(wide.length);
    // Clear the screen, cursor home, then each line cleared to its end, then everything below the frame cleared.
    expect(after.startsWith('\x1b[H\x1b[2J')).toBe(true);
    expect(after.endsWith('\x1b[K\n\x1b[J')).toBe(true);
    const rows = after.slice('\x1b[H\x1b[2J'.length, -'\x1b[J'.length).split('\n').slice(0, -1);
    for (const row of rows) {
      expect(row.endsWith('\x1b[K')).toBe(true);
      expect(row.length - '\x1b[K'.length).toBeLessThan(80);
    }
    expect(plain(after).join('\n')).not.toContain('PROGRESS');
    // Done watching: resizes are no longer followed.
    expect(stdout.listenerCount('resize')).toBe(0);
  });

  it('LiveRegion: the exact bytes of a frame, a shorter one, and one after a resize', () => {
    const stream = new Terminal(40);
    let resized = 0;
    const region = new LiveRegion({ stream, onResize: () => resized++ });
    region.render(['aaaa', 'bbbb', 'cccc']);
    region.render(['dd']);
    stream.resize(20);
    region.render(['e']);
    region.render(['f']);
    expect(resized).toBe(1);
    expect(stream.text).toBe(
      'aaaa\x1b[K\nbbbb\x1b[K\ncccc\x1b[K\n\x1b[J'
      + '\x1b[3Fdd\x1b[K\n\x1b[J'
      + '\x1b[H\x1b[2Je\x1b[K\n\x1b[J'
      + '\x1b[1Ff\x1b[K\n\x1b[J',
    );
    region.done();
    stream.resize(30);
    expect(resized).toBe(1);
  });

  it('cuts a line longer than the terminal with an ellipsis, so it never wraps', () => {
    const stream = new Terminal(21);
    new LiveRegion({ stream }).render(['x'.repeat(30)]);
    expect(stream.text).toBe(`${'x'.repeat(19)}…\x1b[K\n\x1b[J`);
  });
});

describe('tower watch header time', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' });
  });

  it('is local time, from TZ, with the zone named', async () => {
    process.env.TZ = 'Asia/Kolkata';
    setUnitDefaults({ locale: 'en-GB' });
    const result = await runCli(['watch', '--once'], { openFeed: feedOf((h) => h.snapshot(snapshot)) });
    // 1_700_000_000_000 is 22:13:20 UTC, 03:43:20 the next day in India.
    expect(result.stdout.split('\n')[0]).toBe('tower: 3 drives, 2 busy, 1 need attention; at 15/11/2023, 03:43:20 GMT+5:30');
  });

  it('short of room keeps the local time of day and the connection state', () => {
    process.env.TZ = 'America/New_York';
    setUnitDefaults({ locale: 'en-GB' });
    const state = new TowerState();
    state.applySnapshot(snapshot);
    state.connected = false;
    expect(state.render(79)[0]).toBe('tower (disconnected): 3 drives, 2 busy, 1 need attention; 17:13:20 GMT-5');
  });
});

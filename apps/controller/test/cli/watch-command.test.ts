import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../src/cli/api-call-error.js';
import { EXIT } from '../../src/cli/cli-output.js';
import type { FeedHandlers, FeedOpener } from '../../src/cli/feed-client.js';
import { LiveRegion } from '../../src/cli/live-region.js';
import { renderTable } from '../../src/cli/table.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { TowerState } from '../../src/cli/tower-view.js';
import { Capture, runCli } from './cli-harness.js';
import { makeDrive, makeRun, makeSnapshot } from './fixtures.js';

function feedWith(send: (h: FeedHandlers) => void): { open: FeedOpener; opened: { url: string; token: string }[]; closed: () => number } {
  const opened: { url: string; token: string }[] = [];
  let closed = 0;
  const open: FeedOpener = async (settings, handlers) => {
    opened.push({ url: settings.url, token: settings.token });
    setTimeout(() => send(handlers), 1);
    return { requestSnapshot: () => undefined, close: () => void closed++ };
  };
  return { open, opened, closed: () => closed };
}

// Dates and numbers follow the locale and zone; pin them so the expected lines hold on any host.
beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

describe('tower watch', () => {
  const snapshot = makeSnapshot({
    drives: [makeDrive({ state: 'burning', percent: 50, speedX: 16, etaSeconds: 125, runId: 'run-1', copy: 1 }), makeDrive({ id: 'sim:1', label: 'sim:1', position: 1, state: 'empty' })],
    runs: [makeRun({ passed: 1, discsPerHour: 20 }), makeRun({ id: 'old', status: 'completed' })],
  });

  it('--once prints one snapshot: a line per drive and the active runs', async () => {
    const feed = feedWith((h) => h.snapshot(snapshot));
    const result = await runCli(['watch', '--once'], { openFeed: feed.open });
    expect(result.code).toBe(EXIT.ok);
    expect(feed.opened).toEqual([{ url: 'http://controller.test:8080', token: 'test-token' }]);
    expect(feed.closed()).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('tower: 2 drives, 1 busy, 0 need attention; at 14/11/2023, 22:13:20 UTC');
    expect(lines[2]).toMatch(/^DRIVE\s+STATE\s+PROGRESS\s+%\s+SPEED\s+ETA\s+RUN\/COPY\s+NOTE$/);
    expect(lines[3]).toMatch(/^Top left \(sim:0\)\s+burning\s+\[#{10}-{10}\]\s+50%\s+16×\s+2:05\s+run-1 #1\s+-$/);
    expect(lines[4]).toMatch(/^sim:1\s+empty\s+-\s+-\s+-\s+-\s+-\s+-$/);
    expect(lines.slice(6)).toEqual(['run run-1 Install disc: running, 1/2 passed, 0 failed, 1 in progress, 20 discs/h']);
  });

  it('--once --json prints the snapshot state', async () => {
    const feed = feedWith((h) => h.snapshot(snapshot));
    const result = await runCli(['watch', '--once', '--json'], { openFeed: feed.open });
    const state = JSON.parse(result.stdout) as { drives: unknown[]; runs: unknown[] };
    expect(state.drives).toHaveLength(2);
    expect(state.runs).toHaveLength(2);
  });

  it('follows deltas until Ctrl-C, then exits 0', async () => {
    const abort = new AbortController();
    const feed = feedWith((h) => {
      h.snapshot(snapshot);
      h.driveUpdate({ id: 'sim:0', percent: 75 });
      h.runUpdate(makeRun({ passed: 2, status: 'completed' }));
      setTimeout(() => abort.abort(), 400);
    });
    const stdout = new Capture(true, 200);
    const result = await runCli(['watch'], { openFeed: feed.open, signal: abort.signal, stdout });
    expect(result.code).toBe(EXIT.ok);
    expect(feed.closed()).toBe(1);
    expect(result.stdout).toContain('\x1b[');
    expect(result.stdout).toMatch(/burning\s+\[#{15}-{5}\]\s+75%/);
    expect(result.stdout.slice(result.stdout.lastIndexOf('tower:'))).toContain('No active runs.');
  });

  it('a refused feed is one line, exit 1', async () => {
    const open: FeedOpener = async () => {
      throw new ApiCallError(0, 'FEED_REFUSED', 'the live feed refused the connection: unknown token');
    };
    const result = await runCli(['watch', '--once'], { openFeed: open });
    expect(result).toEqual({ code: EXIT.failed, stdout: '', stderr: 'tower: the live feed refused the connection: unknown token [FEED_REFUSED]\n' });
  });
});

describe('TowerState', () => {
  it('merges deltas and asks for a snapshot for unknown drives', () => {
    const state = new TowerState();
    state.applySnapshot(makeSnapshot());
    expect(state.applyDrive({ id: 'sim:0', state: 'burning', percent: 3 })).toBe(true);
    expect(state.drives.get('sim:0')).toMatchObject({ state: 'burning', percent: 3, label: 'Top left' });
    expect(state.applyDrive({ id: 'sim:9', state: 'empty' })).toBe(false);
  });
});

describe('LiveRegion and tables', () => {
  it('redraws in place on a TTY', () => {
    const stream = new Capture(true, 40);
    const region = new LiveRegion({ stream });
    region.render(['a', 'b']);
    region.render(['c', 'd']);
    expect(stream.text).toBe('a\x1b[K\nb\x1b[K\n\x1b[J\x1b[2Fc\x1b[K\nd\x1b[K\n\x1b[J');
  });

  it('prints plain blocks at most every interval otherwise', () => {
    const stream = new Capture(false);
    let now = 0;
    const region = new LiveRegion({ stream, plainIntervalMs: 1000, now: () => now });
    region.render(['one']);
    now = 500;
    region.render(['two']);
    now = 1500;
    region.render(['three']);
    region.render(['four'], true);
    expect(stream.text).toBe('one\nthree\nfour\n');
  });

  it('aligns columns and marks empty cells', () => {
    expect(renderTable(['A', { header: 'NUM', align: 'right' }, 'C'], [['x', 1, null], ['long', 100, 'z\nz']])).toBe('A     NUM  C\nx       1  -\nlong  100  z z');
    expect(renderTable(['A'], [], 'nothing')).toBe('nothing');
  });
});

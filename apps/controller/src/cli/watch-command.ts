/**
 * `tower watch`: the tower live in the terminal from the controller's feed,
 * a line per drive (state, progress, speed, run/copy) and the active runs,
 * until Ctrl-C. `--once` prints one snapshot and exits. On a terminal every
 * line fits its width (live-lines.ts says what gives way first), a resize
 * redraws the whole frame at once at the new width, and the header's time is
 * local (TZ), its zone named.
 */
import type { Command } from 'commander';
import { ApiCallError } from './api-call-error.js';
import { parseBaseUrl } from './controller-url.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { resolveConnection, withConnectionOptions } from './controller-context.js';
import type { FeedConnection, FeedHandlers } from './feed-client.js';
import { openSocketFeed } from './feed-client.js';
import { LiveRegion, lineWidth } from './live-region.js';
import { TowerState } from './tower-view.js';

/** Options of `tower watch`. */
export interface WatchOptions extends ConnectionOptions {
  readonly once?: boolean;
}

/** Milliseconds `--once` waits for the snapshot. */
const SNAPSHOT_TIMEOUT_MS = 10_000;
/** Least time between two redraws. */
const REDRAW_MS = 250;

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function watchOnce(ctx: ControllerCliContext, opts: WatchOptions, open: () => Promise<FeedConnection>, state: TowerState, snapshotSeen: Promise<void>): Promise<void> {
  const feed = await open();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      snapshotSeen,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new ApiCallError(0, 'NO_SNAPSHOT', `the live feed sent no snapshot within ${SNAPSHOT_TIMEOUT_MS / 1000} s`)), SNAPSHOT_TIMEOUT_MS);
      }),
      untilAborted(ctx.signal),
    ]);
  } finally {
    clearTimeout(timer);
    feed.close();
  }
  if (state.at === 0 && ctx.signal.aborted) return;
  ctx.stdout.write(opts.json ? `${JSON.stringify(state.toJSON(), null, 2)}\n` : `${state.render(lineWidth(ctx.stdout)).join('\n')}\n`);
}

async function watchCommand(ctx: ControllerCliContext, opts: WatchOptions): Promise<void> {
  const settings = resolveConnection(ctx, opts);
  parseBaseUrl(settings.url);
  const state = new TowerState();
  let feed: FeedConnection | null = null;
  let seen!: () => void;
  const snapshotSeen = new Promise<void>((resolve) => (seen = resolve));
  let redrawTimer: NodeJS.Timeout | null = null;
  const live = !opts.once;
  const emit = (event: string, data: unknown): void => {
    if (live && opts.json) ctx.stdout.write(`${JSON.stringify({ event, data })}\n`);
  };
  const redraw = (force = false): void => {
    if (!live || opts.json || state.at === 0) return;
    if (force) {
      region.render(state.render(region.width), true);
      return;
    }
    redrawTimer ??= setTimeout(() => {
      redrawTimer = null;
      region.render(state.render(region.width));
    }, REDRAW_MS);
  };
  // A resize (SIGWINCH) redraws at once: the old frame may have been rewrapped, the region clears the screen.
  const region = new LiveRegion({ stream: ctx.stdout, onResize: () => redraw(true) });
  const handlers: FeedHandlers = {
    snapshot: (s) => {
      state.applySnapshot(s);
      emit('snapshot', s);
      seen();
      redraw(true);
    },
    driveUpdate: (d) => {
      emit('drive:update', d);
      if (!state.applyDrive(d)) feed?.requestSnapshot();
      redraw();
    },
    runUpdate: (r) => {
      emit('run:update', r);
      const before = state.runs.get(r.id)?.status;
      state.applyRun(r);
      redraw(before !== r.status);
    },
    connection: (connected, reason) => {
      state.connected = connected;
      emit(connected ? 'connect' : 'disconnect', reason ?? null);
      if (connected) feed?.requestSnapshot();
      redraw(true);
    },
  };
  const open = (): Promise<FeedConnection> => (ctx.openFeed ?? openSocketFeed)(settings, handlers);
  if (opts.once) {
    region.done();
    await watchOnce(ctx, opts, open, state, snapshotSeen);
    return;
  }
  try {
    feed = await open();
    await untilAborted(ctx.signal);
  } finally {
    if (redrawTimer) clearTimeout(redrawTimer);
    feed?.close();
    region.done();
  }
}

/** Register `tower watch`. */
export function registerWatchCommand(program: Command, ctx: ControllerCliContext): void {
  withConnectionOptions(
    program
      .command('watch')
      .description('the tower live: each drive\'s state, progress and speed, and the active runs (Ctrl-C to stop)')
      .option('--once', 'print one snapshot and exit'),
  ).action((opts: WatchOptions) => watchCommand(ctx, opts));
}

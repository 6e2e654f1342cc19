/**
 * `tower demo`: a simulated tower duplicating an image in this process, so a
 * new user sees drives burn, verify, eject and reload on their own. Each drive
 * takes a copy only when it holds a blank disc; a failed copy is a coaster and
 * goes back to the pool; the demo ends when exactly N copies have passed.
 * (The real run engine, on BullMQ and Redis, comes with the controller.)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Drive, MediaType, MediaClass } from 'node-cdrecord-wrapper';
import { formatDuration, formatSpeedX } from '../shared/units.js';
import type { CliContext } from './drive-commands.js';
import { positiveNumber, UsageError } from './cli-output.js';

const SAMPLE_IMAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'sample-image.iso');

const BLANK_FOR_CLASS: Readonly<Record<MediaClass, MediaType>> = {
  cd: 'CD-R',
  dvd: 'DVD-R',
  'dvd-dl': 'DVD+R DL',
  bd: 'BD-R',
  'bd-dl': 'BD-R DL',
};

interface DemoOptions {
  readonly drives: number;
  readonly copies: number;
  readonly timeScale: number;
  readonly image?: string;
  readonly faults?: boolean;
  readonly json?: boolean;
}

interface DriveRow {
  readonly drive: Drive;
  readonly label: string;
  state: string;
  percent: number;
  speedX: number;
  passed: number;
  failed: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runDemo(ctx: CliContext, opts: DemoOptions): Promise<void> {
  // Loaded here so the other commands start without the drive layer.
  const { isDriveError, openDrive, probeImage, smallestMediaClassFor, verifyDisc } = await import('node-cdrecord-wrapper');
  const image = await probeImage(opts.image ?? SAMPLE_IMAGE);
  const mediaClass = smallestMediaClassFor(image.shape);
  if (!mediaClass) throw new UsageError(`${image.path} fits no media`);
  const media = BLANK_FOR_CLASS[mediaClass];
  const rows: DriveRow[] = [];
  for (let i = 0; i < opts.drives; i++) {
    // With --faults, drive 2 writes a coaster once and drive 4 burns one disc that does not verify.
    const fault = opts.faults && i === 2 ? '&writeErrorAt=40' : opts.faults && i === 4 ? '&mismatchSector=random' : '';
    const drive = openDrive(`sim:${i}?media=${encodeURIComponent(media)}&autoload=1&timeScale=${opts.timeScale}${fault}`);
    rows.push({ drive, label: `sim:${i}`, state: 'empty', percent: 0, speedX: 0, passed: 0, failed: 0 });
  }
  let passed = 0;
  let inFlight = 0;
  const events: string[] = [];
  const started = performance.now();

  const render = (): void => {
    if (opts.json) return;
    const lines = rows.map((r) => {
      const bar = '#'.repeat(Math.round(r.percent / 5)).padEnd(20, '-');
      return `${r.label.padEnd(6)} ${r.state.padEnd(10)} [${bar}] ${String(Math.round(r.percent)).padStart(3)}% ${formatSpeedX(r.speedX).padStart(5)}  passed ${r.passed} failed ${r.failed}`;
    });
    const head = `copies ${passed}/${opts.copies} passed, ${inFlight} in progress, ${formatDuration((performance.now() - started) / 1000)}`;
    if (ctx.stderr.isTTY) ctx.stderr.write(`\x1b[H\x1b[J${head}\n${lines.join('\n')}\n${events.slice(-5).join('\n')}\n`);
  };
  const note = (line: string): void => {
    events.push(line);
    if (!opts.json && !ctx.stderr.isTTY) ctx.stderr.write(`${line}\n`);
  };

  const work = async (row: DriveRow): Promise<void> => {
    while (passed + inFlight < opts.copies && !ctx.signal.aborted) {
      const status = await row.drive.media(ctx.signal);
      if (status.status !== 'blank') {
        row.state = status.status === 'none' ? 'empty' : 'attention';
        await sleep(100);
        continue;
      }
      if (passed + inFlight >= opts.copies) break;
      inFlight++;
      const copy = passed + inFlight;
      try {
        row.state = 'burning';
        await row.drive.burn(image, {
          onProgress: (p) => {
            row.percent = (100 * p.bytesWritten) / p.bytesTotal;
            row.speedX = p.speedX;
          },
        }, ctx.signal);
        row.state = 'verifying';
        await verifyDisc(row.drive, image, {
          signal: ctx.signal,
          onProgress: (p) => (row.percent = (100 * p.bytesRead) / p.bytesTotal),
        });
        passed++;
        row.passed++;
        row.state = 'done';
        note(`${row.label}: copy passed (${passed}/${opts.copies})`);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        row.failed++;
        row.state = 'failed';
        note(`${row.label}: coaster (copy ${copy}): ${isDriveError(err) ? `${err.message} [${err.code}]` : String(err)}`);
      } finally {
        inFlight--;
        row.percent = 0;
        row.speedX = 0;
      }
      await row.drive.eject(ctx.signal);
    }
    row.state = 'idle';
  };

  const timer = setInterval(render, 250);
  try {
    await Promise.all(rows.map((row) => work(row)));
  } finally {
    clearInterval(timer);
    render();
  }
  const failed = rows.reduce((s, r) => s + r.failed, 0);
  const seconds = (performance.now() - started) / 1000;
  const summary = { ok: passed === opts.copies, image: image.path, media, copies: opts.copies, passed, coasters: failed, seconds };
  ctx.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${passed} passed, ${failed} failed (coasters) in ${formatDuration(seconds)}\n`);
}

/** Register `tower demo`. */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('duplicate an image on a simulated tower in this process (auto-loaders, verify every disc)')
    .option('--drives <n>', 'simulated drives', positiveNumber('--drives', 256), 8)
    .option('--copies <n>', 'good copies wanted', positiveNumber('--copies', 10_000), 16)
    .option('--time-scale <f>', 'simulated time per real time (0.05 = 20x faster than real drives)', (v) => {
      const n = Number(v);
      if (!(n > 0 && n <= 1)) throw new UsageError(`--time-scale must be in (0, 1], got '${v}'`);
      return n;
    }, 0.05)
    .option('--image <path>', 'image to duplicate (default: the sample image)')
    .option('--faults', 'inject a write error and a verify mismatch to show coasters and retries')
    .option('--json', 'machine-readable summary')
    .action((opts: DemoOptions) => runDemo(ctx, opts));
}

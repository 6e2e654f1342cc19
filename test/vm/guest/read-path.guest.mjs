// Runs inside the tower test VM (chroot into the host root, see guest/init),
// driven by test/vm/read-path.vm.test.ts:
//
//   node read-path.guest.mjs /run/tower-vm/plan.json
//
// Uses the project's built drive layer (drivers/dist, shared read-only from the
// host) against the guest kernel's real /dev/sr0. Every result is one console
// line "@@TOWER-VM {json}"; the host reacts to "need-insert"/"need-eject" by
// changing the medium through QEMU's monitor, and the guest polls media()
// until it sees the change. Mastered images go to the writable share so the
// host can compare them with the images it gave QEMU.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const MARK = '@@TOWER-VM ';
const emit = (event, data = {}) => {
  const json = JSON.stringify({ event, t: Math.round(performance.now()), ...data }, (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v,
  );
  process.stdout.write(`${MARK}${json}\n`);
};
const errorInfo = (err) => ({
  name: err?.name ?? 'Error',
  message: String(err?.message ?? err),
  code: err?.code,
  stack: typeof err?.stack === 'string' ? err.stack.split('\n').slice(0, 6).join('\n') : undefined,
});

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const shareDir = path.dirname(process.argv[2]);

async function sha256File(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Poll media() until `accept(status)` holds; errors while the drive settles are recorded and polling goes on. */
async function pollMedia(drive, accept, timeoutMs) {
  const started = Date.now();
  const errors = [];
  let polls = 0;
  let last;
  while (Date.now() - started < timeoutMs) {
    polls++;
    try {
      last = await drive.media(AbortSignal.timeout(30_000));
      if (accept(last)) return { media: last, polls, ms: Date.now() - started, errors };
    } catch (err) {
      if (errors.length < 5) errors.push(errorInfo(err));
    }
    await sleep(plan.pollMs ?? 500);
  }
  throw Object.assign(new Error(`media() did not change within ${timeoutMs} ms (last: ${JSON.stringify(last)})`), {
    details: { polls, errors, last },
  });
}

/** The fallback when drivers has no masterDataDisc: first data track (else usedSectors) read with drive.read + SHA-256. */
async function readMaster(drive, media, outFile) {
  const data = (media.tracks ?? []).find((t) => t.kind === 'data' && t.sectors > 0);
  const startSector = data ? data.startSector : 0;
  const sectors = data ? data.sectors : media.usedSectors;
  const length = sectors * 2048;
  let lastErr;
  // Right after a media change the first read can fail with EIO (README §6.2): retry briefly.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(drive.read(length, { offset: startSector * 2048 }), tap, createWriteStream(outFile));
      return { bytes: length, sha256: hash.digest('hex'), attempts: attempt, source: data ? 'tracks' : 'usedSectors' };
    } catch (err) {
      lastErr = err;
      await sleep(1000);
    }
  }
  throw lastErr;
}

async function main() {
  emit('guest-start', { node: process.version, arch: process.arch });
  const drivers = await import(plan.driversEntry);
  const hasMaster = typeof drivers.masterDataDisc === 'function';

  // (1) discovery
  const drives = await drivers.discoverDrives();
  emit('discovered', {
    drives,
    byPathDir: existsSync('/dev/disk/by-path'),
    byIdDir: existsSync('/dev/disk/by-id'),
    devNodes: readdirSync('/dev').filter((n) => /^(sr|sg)\d+$/.test(n)).sort(),
  });

  // (2) no disc
  const drive = new drivers.CdrecordDrive({ address: plan.device });
  let empty;
  try {
    empty = { media: await drive.media(AbortSignal.timeout(60_000)) };
  } catch (err) {
    empty = { error: errorInfo(err) };
  }
  emit('empty', empty);

  // (3) + (4) per image: insert, see it, master it, eject, see it gone
  for (const image of plan.images) {
    emit('need-insert', { label: image.label });
    const inserted = await pollMedia(drive, (m) => m.status !== 'none', plan.mediaTimeoutMs);
    emit('inserted', { label: image.label, ...inserted });

    const outFile = path.join(shareDir, `${image.label}.master.iso`);
    const started = Date.now();
    let mastered;
    try {
      if (hasMaster) {
        let progressReports = 0;
        const r = await drivers.masterDataDisc(drive, outFile, {
          signal: AbortSignal.timeout(plan.masterTimeoutMs),
          onProgress: () => progressReports++,
        });
        const result = {
          path: r.path, format: r.format, bytes: r.bytes, sectors: r.sectors, sha256: r.sha256, track: r.track,
          damaged: r.damaged, durationMs: r.durationMs, speedMBps: r.speedMBps, progressReports,
        };
        // The file's own hash, independent of the one masterDataDisc computed while writing.
        mastered = { method: 'masterDataDisc', result, sha256: await sha256File(outFile) };
      } else {
        const result = await readMaster(drive, inserted.media, outFile);
        mastered = { method: 'drive.read', result, sha256: result.sha256 };
      }
      emit('mastered', { label: image.label, file: outFile, ms: Date.now() - started, ...mastered });
    } catch (err) {
      emit('master-failed', { label: image.label, method: hasMaster ? 'masterDataDisc' : 'drive.read', error: errorInfo(err) });
    }

    emit('need-eject', { label: image.label });
    const ejected = await pollMedia(drive, (m) => m.status === 'none', plan.mediaTimeoutMs);
    emit('ejected', { label: image.label, ...ejected });
  }
  emit('done');
}

try {
  await main();
} catch (err) {
  emit('guest-error', { error: errorInfo(err), details: err?.details });
  process.exitCode = 1;
}

/**
 * A real drive that refuses SAO before writing a byte is burned in TAO, once,
 * and its drive object remembers it. The tool answers are the tgt captures
 * (cdrskin on tgt's emulated DVD+R recorder, optical tools reference §9),
 * played back by a recording spawner; no tool runs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import type { BurnImage, BurnProgress, BurnPhase } from '../../src/drive-contract.js';
import { WriteError, WriteModeRefusedError, WrongMediaError } from '../../src/errors.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeCall, FakeReply } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';
import { makeTempDir } from '../support/test-images.js';

const BLANK = loadStreams('tgt-cdrskin-minfo-blank-dvdplusr.txt');
const SAO_REFUSED = loadStreams('tgt-cdrskin-burn-sao-refused.txt');
const TAO = loadStreams('tgt-cdrskin-burn-tao-dvdplusr.txt');
const BURNED_DISC = loadStreams('tgt-cdrskin-burn-on-burned-disc.txt');
const PROFILES = loadStreams('tgt-xorriso-list-profiles.txt');

/** Output in the pieces cdrskin sends: each progress update starts with CR. */
function chunked(text: string): string[] {
  return text.split(/(?=\r)/).filter((c) => c !== '');
}

const reply = (run: { stdout: string; stderr: string; exitCode: number | null }): FakeReply => ({
  stdout: chunked(run.stdout),
  stderr: chunked(run.stderr),
  exitCode: run.exitCode ?? 0,
});

let work: ReturnType<typeof makeTempDir>;
let image: BurnImage;
beforeAll(() => {
  work = makeTempDir('write-mode-');
  const file = path.join(work.dir, 'small.bin');
  writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 7));
  image = { format: 'iso', path: file, sizeBytes: 4 * 1024 * 1024, sectors: 2048 };
});
afterAll(() => work.cleanup());

/** A tgt recorder: blank DVD+R, SAO refused, TAO burns (unless `tao` says otherwise). */
function tgtDrive(answers: { sao?: FakeReply; tao?: FakeReply } = {}) {
  const fake = fakeSpawner((call: FakeCall) => {
    if (call.args.includes('-minfo')) return reply(BLANK);
    if (call.program === 'xorriso') return reply(PROFILES);
    if (call.args.includes('-sao')) return answers.sao ?? reply(SAO_REFUSED);
    if (call.args.includes('-tao')) return answers.tao ?? reply(TAO);
    return { stderr: `unexpected ${call.args.join(' ')}\n`, exitCode: 99 };
  });
  const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner: fake.spawner, env: { PATH: '/usr/bin:/bin', HOME: work.dir } });
  const modes = (): string[] => fake.calls.map((c) => c.args.find((a) => a === '-sao' || a === '-tao' || a === '-minfo') ?? '?');
  return { drive, calls: fake.calls, modes };
}

describe('SAO refused before writing: TAO', () => {
  it('burns in TAO after RESERVE TRACK is refused, and says so in the result', async () => {
    const { drive, modes, calls } = tgtDrive();
    const result = await drive.burn(image, {});
    expect(modes()).toEqual(['-minfo', '-sao', '-tao']);
    expect(calls[2]!.args).toEqual(['-v', 'dev=/dev/sr0', '-tao', image.path]);
    expect(result).toMatchObject({
      bytesWritten: 4194304,
      writeMode: 'tao',
      writeModeRefusal: { mode: 'sao', command: 'RESERVE TRACK (53h)', sense: '5/20/00' },
      dummy: false,
    });
  });

  it('remembers the refusal for the drive: info and writeModeState show it, the next SAO burn goes straight to TAO', async () => {
    const { drive, modes } = tgtDrive();
    expect(drive.writeModeState()).toEqual({ preferred: 'sao', refused: [] });
    await drive.burn(image, {});
    const state = drive.writeModeState();
    expect(state).toMatchObject({ preferred: 'tao', refused: [{ mode: 'sao', command: 'RESERVE TRACK (53h)', sense: '5/20/00' }] });
    expect(state.refused[0]!.at).toBeGreaterThan(0);
    const second = await drive.burn(image, { mode: 'sao' });
    expect(modes()).toEqual(['-minfo', '-sao', '-tao', '-minfo', '-tao']);
    expect(second).toMatchObject({ writeMode: 'tao', writeModeRefusal: { mode: 'sao' } });
    // Another drive object (another drive, or the same one after a restart) starts afresh.
    const other = tgtDrive();
    expect(other.drive.writeModeState().preferred).toBe('sao');
  });

  it('reports phases in order across the retry and ends fixating (Fixating..., working post-track)', async () => {
    const { drive } = tgtDrive();
    const progress: BurnProgress[] = [];
    await drive.burn(image, { onProgress: (p) => progress.push(p) });
    const order: BurnPhase[] = ['preparing', 'writing', 'fixating'];
    for (let i = 1; i < progress.length; i++) {
      expect(order.indexOf(progress[i]!.phase)).toBeGreaterThanOrEqual(order.indexOf(progress[i - 1]!.phase));
    }
    // The first run (refused) wrote nothing: no byte count before the TAO run's progress.
    const writing = progress.filter((p) => p.phase === 'writing');
    expect(writing.filter((p) => p.bytesWritten > 0).map((p) => p.bytesWritten)).toContain(4194304);
    // DVD units: 6.9x of 1.385 MB/s (reports are rate-limited; the last line of the track always goes out).
    expect(writing[writing.length - 1]).toMatchObject({ bytesWritten: 4194304, speedX: 6.9, speedMBps: 9.56, track: 1 });
    const closing = progress.filter((p) => p.phase === 'fixating');
    expect(closing.length).toBeGreaterThan(0);
    expect(closing[0]).toMatchObject({ bytesWritten: 4194304, speedX: 0, speedMBps: 0 });
    expect(progress[progress.length - 1]!.phase).toBe('fixating');
  });

  it('retries once only: TAO refused as well is thrown, and both refusals are remembered', async () => {
    const refusedTao = { ...SAO_REFUSED, stdout: SAO_REFUSED.stdout.replace('real SAO mode', 'real TAO mode') };
    const { drive, modes } = tgtDrive({ tao: reply(refusedTao) });
    const err = await drive.burn(image, {}).catch((e: unknown) => e);
    expect(modes()).toEqual(['-minfo', '-sao', '-tao']);
    expect(err).toBeInstanceOf(WriteModeRefusedError);
    expect(err).toMatchObject({ mode: 'tao', code: 'WRITE_MODE_REFUSED', device: '/dev/sr0' });
    expect(drive.writeModeState().refused.map((r) => r.mode)).toEqual(['sao', 'tao']);
    expect((await drive.info()).writeMode?.refused).toHaveLength(2);
  });

  it('a TAO burn that is refused is not retried in another mode', async () => {
    const { drive, modes } = tgtDrive({ tao: reply({ ...SAO_REFUSED, stdout: SAO_REFUSED.stdout.replace('SAO', 'TAO') }) });
    await expect(drive.burn(image, { mode: 'tao' })).rejects.toBeInstanceOf(WriteModeRefusedError);
    expect(modes()).toEqual(['-minfo', '-tao']);
  });

  it('no retry once data went to the disc, or for any other failure', async () => {
    // Derived from the refused burn: a progress line with 1 MB written before the refusal.
    const afterData = {
      ...SAO_REFUSED,
      stdout: SAO_REFUSED.stdout.replace('Starting new track at sector: 0\n', 'Starting new track at sector: 0\n\rTrack 01:    1 of    4 MB written (fifo 100%) [buf  50%]   0.9x.\n'),
    };
    const written = tgtDrive({ sao: reply(afterData) });
    const err = await written.drive.burn(image, {}).catch((e: unknown) => e);
    expect(written.modes()).toEqual(['-minfo', '-sao']);
    expect(err).not.toBeInstanceOf(WriteModeRefusedError);
    expect(written.drive.writeModeState().refused).toEqual([]);

    const closed = tgtDrive({ sao: reply(BURNED_DISC) });
    await expect(closed.drive.burn(image, {})).rejects.toBeInstanceOf(WrongMediaError);
    expect(closed.modes()).toEqual(['-minfo', '-sao']);

    const eio = tgtDrive({ sao: { stdout: 'Track 01:    2 of    4 MB written (fifo 100%) [buf  50%]   1.0x.\n', stderr: 'cdrskin: FATAL : A write error occured.\n', exitCode: 10 } });
    await expect(eio.drive.burn(image, {})).rejects.toBeInstanceOf(WriteError);
    expect(eio.modes()).toEqual(['-minfo', '-sao']);
  });
});

describe('info of the tgt recorder', () => {
  it('writes DVD+R by its MMC profiles (xorriso -list_profiles), one tool run', async () => {
    const profiles = loadStreams('tgt-xorriso-list-profiles.txt');
    const { spawner, calls } = fakeSpawner((call) => (call.program === 'xorriso' ? reply(profiles) : { stderr: 'unexpected\n', exitCode: 99 }));
    const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner, env: { PATH: '/usr/bin:/bin' } });
    const info = await drive.info();
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([['xorriso', '-outdev', '/dev/sr0', '-list_profiles', 'out']]);
    expect(info).toMatchObject({
      kind: 'optical',
      vendor: 'IET',
      model: 'VIRTUAL-CDROM',
      firmware: '0001',
      reads: ['DVD-ROM', 'DVD+R'],
      writes: ['DVD+R'],
      // MMC has no test write on DVD+R.
      canTestWrite: false,
      capabilitiesFrom: 'mmc-profiles',
      writeMode: { preferred: 'sao', refused: [] },
    });
  });
});

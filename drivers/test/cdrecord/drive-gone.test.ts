/**
 * A real drive whose logical unit left the target (the rig's LUN deleted):
 * the kernel keeps /dev/srN, libburn's media query says only "Media is not
 * suitable" (exit 7), and TEST UNIT READY answers ILLEGAL REQUEST / LOGICAL
 * UNIT NOT SUPPORTED. The media query then reports the drive gone, with the
 * drive's sense, so its worker shows it offline instead of failing the same
 * look forever. Tool answers are the tgt captures.
 */
import { describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { goneFromUnitReady } from '../../src/cdrecord/unit-presence.js';
import { DriveGoneError, ToolError } from '../../src/errors.js';
import type { ToolRun } from '../../src/tool-process.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeReply } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';

const reply = (run: ToolRun): FakeReply => ({ stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 0 });

function recorder(minfo: string, turs: string) {
  const fake = fakeSpawner((call) => {
    if (call.args.includes('-minfo')) return reply(loadStreams(minfo));
    if (call.program === 'sg_turs') return reply(loadStreams(turs));
    return { stderr: `unexpected ${call.program} ${call.args.join(' ')}\n`, exitCode: 99 };
  });
  const drive = new CdrecordDrive({ address: '/dev/sr3', burner: 'cdrskin', spawner: fake.spawner, env: { PATH: '/usr/bin:/bin' }, mediaReuseMs: 0 });
  return { drive, calls: fake.calls };
}

describe('a drive gone from the bus', () => {
  it('its media query fails unexplained; TEST UNIT READY says LOGICAL UNIT NOT SUPPORTED: DriveGoneError with the sense', async () => {
    const { drive, calls } = recorder('tgt-cdrskin-minfo-lun-deleted.txt', 'tgt-sg-turs-lun-deleted.txt');
    const err = await drive.media().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DriveGoneError);
    expect((err as DriveGoneError).message).toBe(
      '/dev/sr3: the drive is gone from the bus: sg_turs: TEST UNIT READY (00h) refused: sense 5/25/00 Illegal request, logical unit not supported',
    );
    expect((err as DriveGoneError).tool).toMatchObject({ tool: 'sg_turs', exitCode: 5 });
    expect(calls.map((c) => c.program)).toEqual(['cdrskin', 'sg_turs']);
    expect(calls[0]?.args).toContain('-minfo');
    expect(calls[1]?.args).toEqual(['-vv', '/dev/sr3']);
  });

  it('a drive that answers TEST UNIT READY keeps the query\'s own error', async () => {
    const { drive } = recorder('tgt-cdrskin-minfo-lun-deleted.txt', 'tgt-sg-turs-ready.txt');
    await expect(drive.media()).rejects.toBeInstanceOf(ToolError);
  });

  it('an empty drive is an answer: no disc, and nobody asks the bus', async () => {
    const { drive, calls } = recorder('tgt-cdrskin-minfo-disc-pulled.txt', 'tgt-sg-turs-lun-deleted.txt');
    expect((await drive.media()).status).toBe('none');
    expect(calls.filter((c) => c.program === 'sg_turs')).toEqual([]);
  });

  it('only LOGICAL UNIT NOT SUPPORTED means gone: NOT READY is a drive without a disc', () => {
    expect(goneFromUnitReady(loadStreams('tgt-sg-turs-no-disc.txt'), '/dev/sr0')).toBeNull();
    expect(goneFromUnitReady(loadStreams('tgt-sg-turs-ready.txt'), '/dev/sr0')).toBeNull();
    expect(goneFromUnitReady(loadStreams('tgt-sg-turs-lun-deleted.txt'), '/dev/sr3')).toBeInstanceOf(DriveGoneError);
  });
});

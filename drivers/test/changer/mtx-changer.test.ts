/**
 * MtxChanger: the argument arrays it spawns and what it makes of mtx's
 * answers, played back from the rig's captures (fixtures/samples/tgt-mtx-*.txt).
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChangerError } from '../../src/changer/changer-error.js';
import { classifyMtxFailure, MtxChanger } from '../../src/changer/mtx-changer.js';
import { InvalidDeviceError, ToolMissingError } from '../../src/errors.js';
import type { ChildLike, Spawner } from '../../src/tool-process.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';
import { recordedSpawner } from '../support/recorded-spawner.js';

/** A spawner answering every call with one capture. */
function replay(name: string): ReturnType<typeof fakeSpawner> {
  const run = loadStreams(name);
  return fakeSpawner(() => ({ stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 1 }));
}

async function failure(name: string, call: (c: MtxChanger) => Promise<unknown>): Promise<ChangerError> {
  const changer = new MtxChanger({ device: '/dev/sg1', spawner: replay(name).spawner });
  const err = await call(changer).then(() => null, (e: unknown) => e);
  expect(err, name).toBeInstanceOf(ChangerError);
  return err as ChangerError;
}

describe('MtxChanger', () => {
  it('spawns mtx -f DEVICE with argument arrays for status, load, unload and transfer', async () => {
    const answers: Record<string, string> = {
      status: 'tgt-mtx-status-blanks.txt', load: 'tgt-mtx-load.txt', unload: 'tgt-mtx-unload.txt', transfer: 'tgt-mtx-transfer.txt',
    };
    const { spawner, calls } = fakeSpawner((call) => {
      const run = loadStreams(answers[call.args[2] ?? ''] ?? 'tgt-mtx-status-blanks.txt');
      return { stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 1 };
    });
    const changer = new MtxChanger({ device: '/dev/sg1', spawner });
    const status = await changer.status();
    expect(status.slots.filter((s) => s.full).map((s) => s.slot)).toEqual([1, 2, 3]);
    await changer.load(1, 0);
    await changer.unload(6, 0);
    await changer.transfer(5, 9);
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([
      ['mtx', '-f', '/dev/sg1', 'status'],
      ['mtx', '-f', '/dev/sg1', 'load', '1', '0'],
      ['mtx', '-f', '/dev/sg1', 'unload', '6', '0'],
      ['mtx', '-f', '/dev/sg1', 'transfer', '5', '9'],
    ]);
  });

  it.each([
    ['tgt-mtx-load-empty-slot.txt', 'source-empty', 'CHANGER_SOURCE_EMPTY', /Source Element Address 1027 is Empty/],
    ['tgt-mtx-load-after-run-empty-slot.txt', 'source-empty', 'CHANGER_SOURCE_EMPTY', /Source Element Address 1024 is Empty/],
    ['tgt-mtx-unload-drive-empty.txt', 'source-empty', 'CHANGER_SOURCE_EMPTY', /Data Transfer Element 0 is Empty/],
    ['tgt-mtx-transfer-source-empty.txt', 'source-empty', 'CHANGER_SOURCE_EMPTY', /Source Element Address 1027 is Empty/],
    ['tgt-mtx-load-drive-full.txt', 'destination-full', 'CHANGER_DESTINATION_FULL', /Drive 0 Full \(Storage Element 1 loaded\)/],
    ['tgt-mtx-unload-slot-full.txt', 'destination-full', 'CHANGER_DESTINATION_FULL', /Storage Element 5 is Already Full/],
    ['tgt-mtx-transfer-destination-full.txt', 'destination-full', 'CHANGER_DESTINATION_FULL', /Destination Element Address 1029 is Already Full/],
    ['tgt-mtx-load-no-such-slot.txt', 'no-such-element', 'CHANGER_NO_SUCH_ELEMENT', /Invalid <storage-element-number> argument '11'/],
    ['tgt-mtx-unload-no-such-drive.txt', 'no-such-element', 'CHANGER_NO_SUCH_ELEMENT', /illegal <drive-number> argument '1'/],
  ])('%s is a %s ChangerError (%s) in mtx\'s words', async (name, kind, code, words) => {
    const err = await failure(name, (c) => c.load(1, 0));
    expect(err).toMatchObject({ kind, code, device: '/dev/sg1' });
    expect(err.message).toMatch(words);
    expect(err.message).toMatch(/^\/dev\/sg1: mtx load 1 0: /);
    expect(err.tool?.tool).toBe('mtx');
    expect(err.tool?.exitCode).toBe(1);
  });

  it('a device that is not there is CHANGER_GONE, and needs a person', async () => {
    const err = await failure('tgt-mtx-status-no-device.txt', (c) => c.status());
    expect(err).toMatchObject({ kind: 'gone', code: 'CHANGER_GONE', needsOperator: true, retryable: true });
    expect(err.message).toMatch(/cannot open SCSI device '\/dev\/sg7' - No such file or directory/);
  });

  it('a recorder\'s sg node asked for its inventory is not a changer: said once, with the sense, not the Request Sense dump', async () => {
    const err = await failure('tgt-mtx-status-not-a-changer.txt', (c) => c.status());
    expect(err).toMatchObject({ kind: 'not-a-changer', code: 'CHANGER_NOT_A_CHANGER', retryable: false, needsOperator: true });
    expect(err.message).toMatch(/READ ELEMENT STATUS Command Failed/);
    expect(err.message).toMatch(/sense Illegal Request 20\/00/);
    expect(err.message).toMatch(/does not answer as a media changer/);
    expect(err.message).not.toMatch(/Request Sense: FileMark/);
  });

  it('an unknown failure is CHANGER_COMMAND_FAILED with what mtx said; usage text is left out', () => {
    const run = { program: 'mtx', exitCode: 1, signal: null, stdout: '', stderr: 'MOVE MEDIUM from Element Address 1024 to 1 Failed\nUsage:\n\tmtx --version\n', durationMs: 1 };
    const err = classifyMtxFailure(run, '/dev/sg1', ['load', '1', '0']);
    expect(err).toMatchObject({ kind: 'failed', code: 'CHANGER_COMMAND_FAILED', driveFault: true });
    expect(err.message).toBe('/dev/sg1: mtx load 1 0: MOVE MEDIUM from Element Address 1024 to 1 Failed');
  });

  it('a status that exits 0 but is no inventory is CHANGER_OUTPUT_UNREADABLE, with the output kept', async () => {
    const { spawner } = fakeSpawner(() => ({ stdout: 'Product Type: Medium Changer\n', exitCode: 0 }));
    const err = await new MtxChanger({ device: '/dev/sg1', spawner }).status().then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreadable', code: 'CHANGER_OUTPUT_UNREADABLE', device: '/dev/sg1' });
    expect((err as ChangerError).tool?.output).toMatch(/Product Type/);
  });

  it('mtx not installed: ToolMissingError naming the Debian package', async () => {
    const { spawner } = recordedSpawner({});
    const err = await new MtxChanger({ device: '/dev/sg1', spawner }).status().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect((err as Error).message).toBe('mtx is not installed: apt-get install mtx');
  });

  it('refuses a device outside /dev, a path with .., and bad numbers, before spawning anything', async () => {
    for (const device of ['sg1', '/tmp/sg1', '/dev/../etc/passwd', '/dev/sg1;reboot', '']) {
      expect(() => new MtxChanger({ device }), device).toThrow(InvalidDeviceError);
    }
    const { spawner, calls } = replay('tgt-mtx-load.txt');
    const changer = new MtxChanger({ device: '/dev/sg1', spawner });
    await expect(changer.load(0, 0)).rejects.toThrow(RangeError);
    await expect(changer.unload(1, -1)).rejects.toThrow(RangeError);
    await expect(changer.transfer(1.5, 2)).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });

  it('an mtx that does not answer within the deadline is killed and reported as such', async () => {
    const spawner: Spawner = () => {
      const events = new EventEmitter();
      const child: ChildLike = {
        // No such process group (beyond any pid_max): the runner's group kill fails and falls back to kill().
        pid: 999_999_999,
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        once: (event: string, listener: (...a: never[]) => void) => events.once(event, listener as (...a: unknown[]) => void),
        kill: (signal) => {
          setImmediate(() => events.emit('close', null, signal ?? 'SIGTERM'));
          return true;
        },
      } as ChildLike;
      return child;
    };
    const err = await new MtxChanger({ device: '/dev/sg1', spawner, timeoutMs: 50 }).status().then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ kind: 'failed', code: 'CHANGER_COMMAND_FAILED' });
    expect((err as Error).message).toBe('/dev/sg1: mtx status did not finish within 50 ms');
  });

  it('exclusive blocks run one after the other, also after one fails', async () => {
    const changer = new MtxChanger({ device: '/dev/sg1', spawner: replay('tgt-mtx-load.txt').spawner });
    const order: string[] = [];
    const block = (name: string, ms: number, fail = false) => changer.exclusive(async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name} out`);
      if (fail) throw new Error(name);
    });
    const results = await Promise.allSettled([block('a', 30, true), block('b', 1), block('c', 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });
});

import { describe, expect, it } from 'vitest';
import { mapReadFailure } from '../../src/cdrecord/block-read-stream.js';
import { mediaStatusFromWodim, queryRealMedia } from '../../src/cdrecord/real-media.js';
import { DriveBusyError, DriveGoneError, NoMediaError, ReadError } from '../../src/errors.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import { loadSample, parseSample, readFixture } from '../support/load-sample.js';
import { runTool } from '../../src/tool-process.js';

const out = (name: string): string => parseSample(readFixture(name)).output;

describe('media of a real drive through wodim (no -minfo)', () => {
  it('reads a recorded disc from the -toc lead-out', () => {
    expect(mediaStatusFromWodim(out('qemu-wodim-toc.txt'), out('qemu-wodim-atip.txt'))).toEqual({
      status: 'complete',
      type: null,
      rewritable: false,
      capacitySectors: 9398,
      usedSectors: 9398,
      freeSectors: 0,
    });
  });

  it('reads a blank CD-R from the ATIP lead-out (README §5.1 text)', () => {
    const atip = 'ATIP info from disk:\n  Indicated writing power: 5\n  Is not unrestricted\n  Is not erasable\n  ATIP start of lead out: 359846 (79:59/71)\n';
    expect(mediaStatusFromWodim('', atip)).toEqual({ status: 'blank', type: 'CD-R', rewritable: false, capacitySectors: 359846, usedSectors: 0, freeSectors: 359846 });
  });

  it('runs -toc then -atip and says none without a disc', async () => {
    const { spawner, calls } = fakeSpawner((call) => {
      const run = loadSample(call.args.includes('-toc') ? 'qemu-nodisc-wodim-toc.txt' : 'qemu-nodisc-wodim-atip.txt');
      return { stdout: run.stdout, exitCode: run.exitCode ?? 0 };
    });
    const status = await queryRealMedia('wodim', '/dev/sr0', (command) => runTool({ ...command, spawner }));
    expect(status.status).toBe('none');
    expect(calls.map((c) => c.args)).toEqual([['dev=/dev/sr0', '-toc']]);
  });
});

describe('mapReadFailure', () => {
  it('maps the errors node reports when opening or reading a disc', () => {
    const err = (code: string, errno?: number): NodeJS.ErrnoException => Object.assign(new Error(code), { code, ...(errno === undefined ? {} : { errno }) });
    expect(mapReadFailure(err('Unknown system error -123', -123), '/dev/sr0', 0)).toBeInstanceOf(NoMediaError);
    expect(mapReadFailure(err('ENOENT'), '/dev/sr0', 0)).toBeInstanceOf(DriveGoneError);
    expect(mapReadFailure(err('EBUSY'), '/dev/sr0', 0)).toBeInstanceOf(DriveBusyError);
    const read = mapReadFailure(err('EIO'), '/dev/sr0', 42);
    expect(read).toBeInstanceOf(ReadError);
    expect((read as ReadError).sector).toBe(42);
  });
});

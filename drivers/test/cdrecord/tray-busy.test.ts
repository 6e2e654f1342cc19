/**
 * The kernel refuses to move a tray while anyone else has the device open
 * for an instant (a media look): the rig met `eject` failing "busy" beside
 * the agent's own idle look. A busy refusal is tried again; other failures,
 * and one busy every time, are reported.
 */
import { describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { TRAY_BUSY_TRIES } from '../../src/cdrecord/tray-command.js';
import { DriveBusyError, DriveError } from '../../src/errors.js';
import { fakeSpawner } from '../support/fake-spawner.js';

const BUSY = 'eject: CD-ROM eject command failed: Device or resource busy\n';

function recorder(failures: number, stderr = BUSY) {
  let n = 0;
  const fake = fakeSpawner(() => (n++ < failures ? { stderr, exitCode: 1 } : { exitCode: 0 }));
  const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner: fake.spawner, env: { PATH: '/usr/bin:/bin' } });
  return { drive, calls: fake.calls };
}

describe('tray commands the kernel refuses as busy', () => {
  it('are tried again until the device is free', async () => {
    const { drive, calls } = recorder(2);
    await drive.eject();
    expect(calls.map((c) => c.program)).toEqual(['eject', 'eject', 'eject']);
  });

  it('say busy after the last try, and other failures at once', async () => {
    const busy = recorder(Infinity);
    await expect(busy.drive.eject()).rejects.toBeInstanceOf(DriveBusyError);
    expect(busy.calls).toHaveLength(TRAY_BUSY_TRIES);
    const other = recorder(Infinity, 'eject: unable to find or open device for: /dev/sr0\n');
    const err = await other.drive.eject().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DriveError);
    expect(err).not.toBeInstanceOf(DriveBusyError);
    expect(other.calls).toHaveLength(1);
  });
});

/**
 * A configured drive's CD-TEXT declaration reaches its backend: a real drive
 * whose spec says `cdText` declares `writesCdText` in its features;
 * without it nothing is declared. A spec's cdrdao driver cdrdao does not have is refused when
 * the drive is opened. Nothing is spawned: opening touches no drive.
 */
import { describe, expect, it } from 'vitest';
import { InvalidDeviceError } from 'node-cdrecord-wrapper';
import { openAgentDrives } from '../src/agent-drives.js';

describe('agent drives and CD-TEXT', () => {
  it('passes cdText and the cdrdao driver to real drives only as configured', async () => {
    const drives = await openAgentDrives({
      kind: 'list',
      drives: [
        { device: '/dev/sr7', id: '/dev/sr7', label: 'writer', position: 0, cdText: true, cdrdaoDriver: 'generic-mmc-raw', simulated: false },
        { device: '/dev/sr8', id: '/dev/sr8', label: 'plain', position: 1, simulated: false },
      ],
    });
    expect(drives.map((d) => d.drive.features?.writesCdText === true)).toEqual([true, false]);
  });

  it('refuses a driver cdrdao does not have when the drive is opened', async () => {
    const opening = openAgentDrives({
      kind: 'list',
      drives: [{ device: '/dev/sr7', id: '/dev/sr7', label: 'writer', position: 0, cdrdaoDriver: 'generic-mmc:0xZZ', simulated: false }],
    });
    await expect(opening).rejects.toBeInstanceOf(InvalidDeviceError);
  });
});

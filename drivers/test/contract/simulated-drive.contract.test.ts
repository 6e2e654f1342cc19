import type { Drive } from '../../src/drive-contract.js';
import { SimulatedDrive } from '../../src/sim/index.js';
import { describeDriveContract } from './describe-drive-contract.js';

let next = 0;

describeDriveContract('simulated drive', {
  kind: 'sim',
  open: async (_dir, { slow }) => {
    // Fast drives run 1000x faster than real ones; slow ones take seconds for a few MB.
    const drive = new SimulatedDrive({ index: next++, media: 'DVD-R', timeScale: slow ? 0.5 : 0.001 });
    return {
      drive,
      reloadBlank: async () => {
        drive.removeDisc();
        drive.insertDisc('DVD-R');
      },
      cleanup: async () => drive.dispose(),
    };
  },
  slowBurn: { speed: 4 },
  ejectRemovesDisc: true,
  // Without an auto-loader the ejected disc waits on the open tray, and closing it brings the disc back.
  loadReturnsDisc: true,
  watchesMedia: true,
  corruptNextBurn: (drive: Drive, sector: number) =>
    (drive as SimulatedDrive).setFaults({ verifyMismatch: { sector } }),
});

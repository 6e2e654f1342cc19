/**
 * The contract against a real burner: TEST_DRIVE=/dev/srN with a blank,
 * writable disc loaded (rewritable media are blanked between tests).
 * Reported as skipped when TEST_DRIVE is not set.
 */
import { describe } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { describeDriveContract } from './describe-drive-contract.js';

const device = process.env.TEST_DRIVE ?? '';

describe.skipIf(device === '')('real drive (needs TEST_DRIVE=/dev/srN with a blank writable disc)', () => {
  describeDriveContract(`real drive ${device}`, {
    kind: 'optical',
    open: async () => {
      const drive = new CdrecordDrive({ address: device, killGraceMs: 120_000 });
      const blankIfNeeded = async (): Promise<void> => {
        const media = await drive.media();
        if (media.status !== 'blank' && media.rewritable) await drive.blank('fast');
      };
      await drive.load();
      await blankIfNeeded();
      return { drive, reloadBlank: blankIfNeeded, cleanup: blankIfNeeded };
    },
    slowBurn: { speed: 1 },
    ejectRemovesDisc: false,
  });
});

/**
 * The contract against a real burner: TEST_DRIVE=/dev/srN with a blank,
 * writable disc loaded. Rewritable media are blanked between tests; a
 * write-once disc that has been burned is ejected, and the suite waits
 * (TEST_DRIVE_BLANK_WAIT_MS, default 10 minutes) for a person or a loader
 * to put a blank in. In CI the rig runs it on a tgt-emulated DVD+R recorder
 * inside a QEMU guest, where the host's loader swaps discs
 * (test/rig/drive-contract.rig.test.ts). Reported as skipped when
 * TEST_DRIVE is not set.
 */
import { describe } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import type { Drive } from '../../src/drive-contract.js';
import { describeDriveContract } from './describe-drive-contract.js';

const device = process.env.TEST_DRIVE ?? '';
const blankWaitMs = Number(process.env.TEST_DRIVE_BLANK_WAIT_MS ?? 600_000);

/** A blank in the drive: blank a rewritable disc, else eject a used one and wait for a blank. */
async function ensureBlank(drive: Drive): Promise<void> {
  const media = await drive.media();
  if (media.status === 'blank') return;
  if (media.status !== 'none' && media.rewritable) {
    await drive.blank('fast');
    return;
  }
  if (media.status !== 'none') await drive.eject();
  process.stderr.write(`[contract] waiting for a blank disc in ${device}\n`);
  const deadline = Date.now() + blankWaitMs;
  for (;;) {
    const now = await drive.media().catch(() => null);
    if (now?.status === 'blank') return;
    if (Date.now() > deadline) throw new Error(`no blank disc in ${device} within ${blankWaitMs} ms (last: ${now?.status ?? 'error'})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(device === '')('real drive (needs TEST_DRIVE=/dev/srN with a blank writable disc)', () => {
  describeDriveContract(`real drive ${device}`, {
    kind: 'optical',
    open: async () => {
      const drive = new CdrecordDrive({ address: device, killGraceMs: 120_000 });
      await drive.load();
      await ensureBlank(drive);
      return { drive, reloadBlank: () => ensureBlank(drive), cleanup: async () => undefined };
    },
    slowBurn: { speed: 1 },
    ejectRemovesDisc: true,
    loadReturnsDisc: true,
    // The kernel's media change count, watched while the drive is empty (kernel-media-watch.ts).
    watchesMedia: true,
  });
});

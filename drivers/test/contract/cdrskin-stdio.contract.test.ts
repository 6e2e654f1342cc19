import path from 'node:path';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { cdrskinEnv, makeCdrskinHome } from '../support/test-images.js';
import { rmSync } from 'node:fs';
import { describeDriveContract } from './describe-drive-contract.js';

let next = 0;

describeDriveContract('cdrskin stdio: pseudo drive', {
  kind: 'stdio',
  open: async (dir) => {
    const target = path.join(dir, `pseudo-${next++}.img`);
    const drive = new CdrecordDrive({ address: `stdio:${target}`, env: cdrskinEnv(makeCdrskinHome(dir)), killGraceMs: 10_000 });
    return {
      drive,
      reloadBlank: async () => rmSync(target, { force: true }),
      cleanup: async () => rmSync(target, { force: true }),
    };
  },
  // cdrskin throttles stdio: writes in DVD 1x units after the first 16 MiB, so speed=1 makes the 20 MiB image take seconds.
  slowBurn: { speed: 1 },
  ejectRemovesDisc: false,
});

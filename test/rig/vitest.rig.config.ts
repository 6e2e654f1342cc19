/**
 * The rig suite on its own (slow: boots a QEMU guest under TCG with tgt's
 * emulated DVD+R recorders): `npm run test:rig`. Needs `npm run build` first
 * (the guest runs apps/controller/dist and drivers/dist) and root (tgtd).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'rig',
    include: ['test/rig/**/*.rig.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 600_000,
    hookTimeout: 1_500_000,
    fileParallelism: false,
    env: { TOWER_RIG_SUITE: '1' },
  },
});

/**
 * The rig benchmark on its own (slow: boots a QEMU guest under TCG with tgt's
 * emulated DVD+R recorders): `npm run bench:rig`. Needs root (tgtd) and
 * `npm run build` (the guest runs apps/controller/dist and drivers/dist).
 * Its file is `*.bench-rig.ts`, which no project of the root vitest.config.ts
 * includes.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'bench-rig',
    include: ['bench/rig/**/*.bench-rig.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 2_400_000,
    hookTimeout: 1_500_000,
    fileParallelism: false,
    // The figures go straight to the terminal, as the other benchmarks print them.
    disableConsoleIntercept: true,
  },
});

/**
 * The VM suite on its own (slow: boots a QEMU guest under TCG):
 *   npx vitest run --config test/vm/vitest.vm.config.ts
 * Needs `npm run build` first (the guest imports drivers/dist).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'vm',
    include: ['test/vm/**/*.vm.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 420_000,
    hookTimeout: 1_500_000,
    fileParallelism: false,
    // read-path.vm.test.ts skips itself unless this is set.
    env: { TOWER_VM_SUITE: '1' },
  },
});

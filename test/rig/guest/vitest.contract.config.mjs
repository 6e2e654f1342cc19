/**
 * Run inside the rig's guest by test/rig/drive-contract.rig.test.ts: the
 * drive contract against a real recorder (TEST_DRIVE). The project is
 * read-only there, so vitest keeps its cache in the guest's /tmp, and this
 * config is plain JavaScript loaded as it is (`--configLoader native`): a
 * TypeScript config would be bundled into node_modules first.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p) => fileURLToPath(new URL(p, import.meta.url));
const alias = [
  { find: /^node-cdrecord-wrapper$/, replacement: src('../../../drivers/src/index.ts') },
  { find: /^node-cdrecord-wrapper\/(errors|media)$/, replacement: src('../../../drivers/src/$1.ts') },
];

export default defineConfig({
  root: src('../../..'),
  cacheDir: '/tmp/vitest-cache',
  resolve: { alias },
  test: {
    name: 'rig-contract',
    include: ['drivers/test/contract/real-drive.hardware.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});

/**
 * Run inside the rig's guest by test/rig/changer.rig.test.ts: the disc loader
 * contract against tgt's emulated jukebox (TEST_CHANGER, TEST_CHANGER_DRIVE,
 * TEST_CHANGER_SLOTS). Plain JavaScript loaded as it is (`--configLoader
 * native`), its cache in the guest's /tmp: the project is read-only there.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: src('../../..'),
  cacheDir: '/tmp/vitest-cache',
  test: {
    name: 'rig-changer-contract',
    include: ['drivers/test/contract/changer-loader.hardware.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});

/**
 * Screenshots of the UI for a person to look at (not a test of anything):
 *   npm run build && npx vitest run --config test/browser/vitest.screenshots.config.ts
 * Writes PNGs to screenshots/ at the repository root (gitignored).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/browser/screenshots.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// The package and its two leaf subpaths (errors, media) that the CLI loads without the rest.
const alias = [
  { find: /^node-cdrecord-wrapper$/, replacement: src('./drivers/src/index.ts') },
  { find: /^node-cdrecord-wrapper\/(errors|media)$/, replacement: src('./drivers/src/$1.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['drivers/test/**/*.test.ts', 'jobs/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.hardware.test.ts', '**/*.vm.test.ts', '**/*.rig.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'hardware',
          include: ['**/*.hardware.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 600_000,
        },
      },
    ],
  },
});

// Flat config shared by every workspace.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Longest source file, in lines (blank lines and comments count): a longer one is split by concept. */
const MAX_LINES = 350;
/** Data tables, which may be longer (none yet). */
const DATA_TABLES = [];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.next/**', '**/coverage/**', 'apps/ui/out/**', 'apps/ui/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read process.env only in a config module.' },
      ],
    },
  },
  {
    files: ['**/config.ts', '**/config/*.ts', '**/test/**', '**/*.test.ts', 'vitest.config.ts', 'bench/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['drivers/src/**/*.ts', 'jobs/src/**/*.ts', 'apps/*/src/**/*.ts', 'apps/*/src/**/*.tsx'],
    ignores: DATA_TABLES,
    rules: { 'max-lines': ['error', { max: MAX_LINES, skipBlankLines: false, skipComments: false }] },
  },
  {
    // The operator UI (Next.js, React, browser): JSX in .tsx, browser globals typed by TypeScript.
    files: ['apps/ui/**/*.ts', 'apps/ui/**/*.tsx'],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    rules: { 'no-undef': 'off' },
  },
);

import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/*.d.ts', '**/scratch/**', '**/.vite/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Library, CLI, example and benchmark code: past ~80 lines a function has parts worth naming
    // (tests excepted).
    files: [
      'packages/*/src/**/*.ts',
      'examples/*/src/**/*.ts',
      'examples/*/page/**/*.ts',
      'benchmarks/src/**/*.ts',
    ],
    ignores: ['**/*.test.ts', '**/__tests__/**', '**/__fixtures__/**', '**/generated/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['examples/browser/**', 'examples/playground/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);

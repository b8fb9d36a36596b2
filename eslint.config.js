'use strict';
// One lint for everything: the TypeScript sources with typescript-eslint's type-checked recommended rules (the
// types come from the tsconfig that compiles each file), and the JavaScript (tests, scripts, benchmarks) with
// ESLint's own, as the CommonJS for Node it is, plus the type-aware promise rules (tsconfig.check.json types it).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', '.node-red-demo/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Every file is linted with the types of the project that compiles or checks it.
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.editor.json', './tsconfig.check.json'],
        tsconfigRootDir: __dirname,
      },
    },
  },
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // The storage interface is asynchronous and SQLite's driver is not: its methods are async without awaiting, so
      // that a throw reaches the caller as a rejection, as PostgreSQL's would.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // A promise nobody awaits or handles hides its failure (an assertion, a write): in the tests too.
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    rules: {
      // Node-RED's own nodes alias `this` as `node` for the callbacks of a constructor; so do ours.
      '@typescript-eslint/no-this-alias': 'off',
      // `_name` marks a parameter kept for its position (Node-RED's handler signatures, express middleware).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
    rules: {
      // CommonJS: require() is how these files load modules.
      '@typescript-eslint/no-require-imports': 'off',
      // `const crypto = require('node:crypto')` shadows Node's global of the same module on purpose.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    // The editor's scripts: each top-level function is an entry point that the generated html calls, which no
    // linter can see; tsc's noUnusedLocals and noUnusedParameters (tsconfig.editor.json) check the rest.
    files: ['src/editor/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    // Code that runs in the editor's page: Playwright's page.evaluate callbacks and the editor build's browser parts.
    files: ['test/browser/**/*.js', 'scripts/build-editor.js'],
    languageOptions: { globals: { ...globals.browser, RED: 'readonly', $: 'readonly' } },
  },
);

// ESLint for the whole repo (`npm run lint`, run by .ci/run before the tests): typescript-eslint's
// type-aware rules on TypeScript, the base rules on the JavaScript tools, and an import-cycle check on both.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Packages resolve each other through their "@mnist/source" export condition, as vitest does, so a
// cycle that runs through another package's sources is seen rather than stopping at its dist/.
const conditionNames = ['@mnist/source', 'types', 'import', 'node', 'default'];

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      'data/',
      'checkpoints/',
      'coverage/',
      'test-artifacts/',
      'bench/results/',
      'packages/trainer/native/',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  js.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused on purpose: an argument named with a leading underscore, a caught error, and a key that a
      // rest pattern leaves out (`const { weightsSha256: _stale, ...header } = json`).
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },

  // TypeScript: every .ts file is in tsconfig.eslint.json's program, except the demo page's own.
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.eslint.json', './packages/demo/page/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `typeof import('./x.js')` stays allowed: vitest's importOriginal<typeof import(...)>() idiom and the
      // type of a module a test re-imports after vi.resetModules(); it loads nothing.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Shapes and index lists go into messages as "28,28"; arrays of numbers, strings and the like read well.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true }],
      // Off: an async function without await is how a Promise-returning contract (Engine.init,
      // loadWeights, a fastify handler) turns a throw into a rejection; the rule would have us drop `async`.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Tests read back JSON they wrote or a command printed (JSON.parse gives `any`), and expect() checks
  // its shape; typing each parse would add casts, not safety.
  {
    files: ['**/*.test.ts', '**/*.fixture.ts', 'packages/*/test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // The page runs in a browser; bench/browser-infer.mjs hands one function to the page it drives.
  {
    files: ['packages/demo/page/**', 'bench/browser-infer.mjs', 'bench/browser-train.mjs', 'bench/browser-train/**'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // Import cycles, over TypeScript and JavaScript alike.
  {
    plugins: { 'import-x': importX },
    settings: {
      // import-x follows only .js imports unless told which files it may parse, and with what.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: 'tsconfig.eslint.json',
          conditionNames,
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
);

/**
 * ESLint for the front end: the plugin's TypeScript (src/), its unit tests (test/) and the
 * host-page module in the Python package (nblaunch/client/static/*.js, plain ES module, no build).
 *
 * Rules follow the JupyterLab extension template (jupyterlab/extension-template). Formatting is
 * prettier's job (`jlpm lint` runs `prettier --check`); eslint-config-prettier switches off the
 * rules that would disagree with it. No type-aware rules: `tsc` checks types, and lint stays fast.
 *
 * ESLint only lints files under the directory it runs in, and the host-page module is outside
 * labextension/: `jlpm lint` runs it from the repository root with `--config` this file. Every
 * block below therefore names its own `basePath`, so the patterns mean the same from either place.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const here = path.dirname(fileURLToPath(import.meta.url));
const staticDir = path.resolve(here, '../nblaunch/client/static');

export default defineConfig([
  { basePath: here, ignores: ['lib', 'node_modules', '.yarn', '**/*.d.ts'] },
  js.configs.recommended,
  // First, so that the blocks below can turn `curly` back on (safe with prettier, see
  // eslint-config-prettier's "special rules").
  prettier,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    basePath: here,
    files: ['src/**/*.ts'],
    languageOptions: { globals: globals.browser }
  },
  {
    // The host-page module: it runs in any page, so browser globals only.
    basePath: staticDir,
    files: ['*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
    rules: {
      // Its house style: one-line `if (x) return;`, and `== null` for "null or undefined".
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'smart'],
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // Pure modules: unit-tested in Node without JupyterLab, so they must not import it.
    basePath: here,
    files: ['src/origins.ts', 'src/messages.ts', 'src/metadata.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@jupyterlab/*', '@lumino/*'], message: 'Keep this module pure.' }] }
      ]
    }
  },
  {
    basePath: here,
    files: ['test/**/*.ts', 'vitest.config.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } }
  }
]);

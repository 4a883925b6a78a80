// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layering from './eslint/rules/layering.js';

// Lines stay within 140 characters: Prettier wraps code; this catches long comments, strings, templates and regexps,
// which Prettier never breaks (split them into concatenated pieces or name a part as a const). Only URLs are exempt.
const maxLen = /** @type {const} */ (['error', { code: 140, ignoreUrls: true }]);

export default tseslint.config(
  { ignores: ['dist/', 'dist-app/', 'node_modules/', 'build/native/', 'tests/.generated/', '.cache/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  { rules: { 'max-len': maxLen } },
  {
    // The layers of README.md's Layout table, as an allow-list (eslint/rules/layering.js; tests/lint proves it).
    files: ['shared/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.ts'],
    plugins: { rcf: { rules: { layering } } },
    rules: {
      'rcf/layering': 'error',
    },
  },
  {
    // zod is configured once (jitless, for the renderer's CSP) before any schema is built: schemas import it from there.
    files: ['shared/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.ts'],
    ignores: ['shared/zod.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'zod', message: 'import { z } from shared/zod.ts, which configures zod once' }] },
      ],
    },
  },
);

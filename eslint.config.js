// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-app/', 'node_modules/', 'build/native/', 'tests/.generated/', '.cache/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The layering rule: shared/ is pure and never reaches into Node or the app.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', '../electron/*', '../../electron/*', '../renderer/*', '../../renderer/*'] }],
    },
  },
  {
    // The engine (and the CLI on it) never knows Electron, the service or the UI exist.
    files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/service/**', '**/main/**', '**/preload/**', '**/renderer/**'] }] },
  },
  {
    // The service is the engine behind a port: no Electron imports, so it runs anywhere.
    files: ['electron/service/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/main/**', '**/preload/**', '**/cli/**', '**/renderer/**'] }] },
  },
  {
    // Main has no business logic: it spawns the service by file, and never imports the engine.
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/engine/**', '**/service/**', '**/cli/**', '**/renderer/**'] }] },
  },
  {
    // The renderer reaches the app only through window.rcf.
    files: ['renderer/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['node:*', '**/electron/**'] }] },
  },
);

import { defineConfig } from 'vitest/config';

// End-to-end tests: the built renderer in Debian's Chromium (playwright-core),
// and the Electron smoke test where an Electron binary exists. One file at a
// time: each drives a browser.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});

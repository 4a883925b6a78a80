import { defineConfig } from 'vitest/config';

// WebGPU kernel tests (npm run test:gpu). They need a WebGPU adapter: a GPU
// or Mesa lavapipe (.ci/install-lavapipe), and fail when there is none.
export default defineConfig({
  test: {
    include: ['tests/gpu/**/*.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

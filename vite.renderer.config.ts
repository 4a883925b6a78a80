// The renderer bundle: renderer/index.html → dist/renderer, with relative asset
// URLs so it loads the same from app://rcf/ (Electron) and from the test origin.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
  },
});

// Child process of malformed.test.ts: opens one raster with the built module
// (dist/) and reads all of it, window by window, as the featurizer would.
//   node read-all.mjs DIST_RASTER_INDEX FILE
// stdout: one JSON line {"info": {...}} after opening, then {"done": true,
// "peak_rss_kb": N} (or {"failed": true, "peak_rss_kb": N}); stderr: the
// RasterError message alone, one line, when the file is refused.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [moduleFile, file] = process.argv.slice(2);

/** Peak resident memory of this process (Linux), in KiB. */
function peakRssKb() {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : -1;
}

const { openRaster, RasterError } = await import(pathToFileURL(moduleFile).href);
try {
  const raster = await openRaster(file);
  const { width, height, bands, transform, crs } = raster.info;
  console.log(JSON.stringify({ info: { width, height, bands, transform, crs: crs ? (crs.name ?? true) : null } }));
  const all = [...Array(bands).keys()];
  // Full-width windows of at most ~4 M values, like a featurizer's row bands.
  const rows = Math.max(1, Math.min(height, Math.floor((1 << 22) / (width * bands))));
  const buffer = new Float32Array(width * rows * bands);
  try {
    for (let y = 0; y < height; y += rows) {
      await raster.readWindow(0, y, width, Math.min(rows, height - y), all, buffer);
    }
  } finally {
    await raster.close();
  }
  console.log(JSON.stringify({ done: true, peak_rss_kb: peakRssKb() }));
} catch (err) {
  console.log(JSON.stringify({ failed: true, peak_rss_kb: peakRssKb() }));
  // A RasterError is what users see; anything else is a bug (full stack on purpose).
  if (err instanceof RasterError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
}

// The app's raster preview on a large file: `node bench/preview-bench.mjs FILE.tif`
// (after `npm run build`). Times the service's inspect and preview calls (what
// the map waits for after a drop), the longest stall of the service's event
// loop meanwhile, and the peak RSS.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setInterval, clearInterval } from 'node:timers';
import { createService } from '../dist/electron/service/service.js';
const service = createService({ dataDir: mkdtempSync(join(tmpdir(), 'rcf-preview-bench-')), emit: () => {} });
const path = process.argv[2];
let worst = 0;
let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  worst = Math.max(worst, now - last);
  last = now;
}, 10);
const t0 = performance.now();
await service.handlers.inspect({ path });
const t1 = performance.now();
const p = await service.handlers.preview({ path, bands: [1, 2, 3], maxSize: 1024 });
const t2 = performance.now();
clearInterval(timer);
console.log(
  JSON.stringify({
    file: path,
    inspect_ms: Math.round(t1 - t0),
    preview_ms: Math.round(t2 - t1),
    size: [p.width, p.height],
    source: p.source,
    worst_event_loop_gap_ms: Math.round(worst),
    rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
await service.close();

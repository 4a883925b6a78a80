// How fast the GeoPackage export writes cells, against the ~100 cells/s the
// featurizer computes (~7 MP/s at 256 px cells): the export must not be the
// bottleneck. Times open → write × N → finish (commit, extent, rename).
//
//   npx tsc -p tsconfig.build.json && node bench/gpkg-write-bench.mjs
//   node bench/gpkg-write-bench.mjs --cells 20000     fewer cells
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GpkgOutput } from '../dist/electron/engine/export/gpkg.js';
import { lookupEpsg } from '../dist/electron/engine/crs/index.js';

const { values } = parseArgs({ options: { cells: { type: 'string', default: '100000' } } });
const CELLS = Number(values.cells);
const epsg = lookupEpsg(32616);
const crs = { epsg: 32616, proj4: epsg.proj4, wkt: epsg.wkt, name: epsg.name };

/** N cells on a square grid of 2560 m cells; the feature vectors cycle through a small pool so making them costs nothing. */
function* cells(n, features) {
  const pool = Array.from({ length: 64 }, (_, p) => Float64Array.from({ length: features }, (_, i) => Math.sin(p * 1000 + i)));
  const side = Math.ceil(Math.sqrt(n));
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / side);
    const col = i % side;
    const x0 = 300_000 + col * 2560;
    const y0 = 5_000_000 - row * 2560;
    yield {
      cellId: `bench.tif:r${row}c${col}`,
      source: 'bench.tif',
      row,
      col,
      x: x0 + 1280,
      y: y0 - 1280,
      lon: NaN,
      lat: NaN,
      validFraction: 1,
      features: pool[i % pool.length],
      ring: [
        [x0, y0],
        [x0 + 2560, y0],
        [x0 + 2560, y0 - 2560],
        [x0, y0 - 2560],
        [x0, y0],
      ],
    };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gpkg-bench-'));
try {
  for (const features of [512, 4096]) {
    const file = join(dir, `k${features}.gpkg`);
    const start = performance.now();
    const out = await GpkgOutput.open(
      file,
      { features, sources: [{ name: 'bench.tif', crs }] },
      { bench: features },
      { resume: false, overwrite: true },
    );
    for (const cell of cells(CELLS, features)) await out.write(cell);
    out.setWeights([features / 2, 4, 3, 3], new Float32Array((features / 2) * 4 * 9));
    await out.finish({ bench: true });
    const seconds = (performance.now() - start) / 1000;
    const mb = statSync(file).size / 1e6;
    console.log(
      `K=${features}: ${CELLS} cells in ${seconds.toFixed(2)} s = ${Math.round(CELLS / seconds)} cells/s ` +
        `(${mb.toFixed(0)} MB, ${(mb / seconds).toFixed(0)} MB/s)`,
    );
    rmSync(file, { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

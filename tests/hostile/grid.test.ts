// Hostile grids: rasters whose header asks for far more cells or pixels than they hold (sparse: no block has data),
// through `rcf featurize` under the per-case limits (10 s, 1 GiB, measured from outside). Each ends in the result a
// user expects (only an area's cells cost anything; a very wide strip is read in column chunks) or in one line naming
// the raster, what it asks for and the limit. And an input changed while a run reads it fails the run.
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, readCsv, tempDir } from '../helpers/cli.js';
import { describeOutcome, rcfBounded, runBounded, type BoundedResult } from './bounded.js';
import { openRaster } from '../../electron/engine/raster/index.js';
import { readAoi } from '../../electron/engine/aoi/index.js';
import { cellsInArea } from '../../electron/engine/jobs/plan.js';
import { gridShape } from '../../shared/grid/cells.js';

interface SparseTiff {
  width: number;
  height: number;
  /** Square tiles of this size; one strip holding the whole image when absent. */
  tile?: number;
  /** Georeferenced in EPSG:32633: 10 m pixels, top-left corner at (500000, 6000000). */
  geo?: boolean;
  /** GDAL_NODATA; sparse blocks then read as nodata. */
  nodata?: string;
}

/** A classic little-endian 8-bit TIFF whose every block is sparse (offset 0, byte count 0): a few hundred bytes. */
function sparseTiff(t: SparseTiff): Uint8Array {
  const blocks = t.tile ? Math.ceil(t.width / t.tile) * Math.ceil(t.height / t.tile) : 1;
  const zeros = new Array<number>(blocks).fill(0);
  // [tag, type (2 ASCII, 3 SHORT, 4 LONG, 12 DOUBLE), values]
  const entries: [number, number, number[]][] = [
    [256, 4, [t.width]],
    [257, 4, [t.height]],
    [258, 3, [8]],
    [259, 3, [1]],
    [262, 3, [1]],
    [277, 3, [1]],
    [284, 3, [1]],
    [339, 3, [1]],
    ...((t.tile
      ? [
          [322, 4, [t.tile]],
          [323, 4, [t.tile]],
          [324, 4, zeros],
          [325, 4, zeros],
        ]
      : [
          [273, 4, zeros],
          [278, 4, [t.height]],
          [279, 4, zeros],
        ]) as [number, number, number[]][]),
  ];
  if (t.geo) {
    entries.push([33550, 12, [10, 10, 0]], [33922, 12, [0, 0, 0, 500000, 6000000, 0]]);
    entries.push([34735, 3, [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32633]]);
  }
  if (t.nodata !== undefined) entries.push([42113, 2, [...Buffer.from(`${t.nodata}\0`, 'latin1')]]);
  entries.sort((a, b) => a[0] - b[0]);
  const size: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8 };
  let extra = 8 + 2 + entries.length * 12 + 4;
  const total = entries.reduce((n, [, type, v]) => n + (v.length * size[type] > 4 ? v.length * size[type] : 0), extra);
  const view = new DataView(new ArrayBuffer(total));
  view.setUint16(0, 0x4949, true);
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, values], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, values.length, true);
    let where = at + 8;
    if (values.length * size[type] > 4) {
      view.setUint32(at + 8, extra, true);
      where = extra;
      extra += values.length * size[type];
    }
    values.forEach((v, k) => {
      if (type === 2) view.setUint8(where + k, v);
      else if (type === 3) view.setUint16(where + 2 * k, v, true);
      else if (type === 4) view.setUint32(where + 4 * k, v, true);
      else view.setFloat64(where + 8 * k, v, true);
    });
  });
  return new Uint8Array(view.buffer);
}

/** A 10 km square in EPSG:32633, 450,000–451,000 pixels right and 500,000–501,000 down of a `geo` raster's corner. */
const SMALL_AREA = JSON.stringify({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32633' } },
  features: [
    {
      type: 'Feature',
      properties: {},
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [5000000, 1000000],
            [5010000, 1000000],
            [5010000, 990000],
            [5000000, 990000],
            [5000000, 1000000],
          ],
        ],
      },
    },
  ],
});

/** The one line of a refusal, after the `rcf: ` prefix. */
function refusal(r: BoundedResult): string {
  expect(describeOutcome(r)).toBe('refused');
  return r.stderr.trim().replace(/^rcf: /, '');
}

describe('hostile grids', () => {
  let dir: string;
  let area: string;
  const raster = (name: string, t: SparseTiff) => {
    const path = join(dir, name);
    writeFileSync(path, sparseTiff(t));
    return path;
  };
  const featurize = (input: string, ...args: string[]) =>
    rcfBounded([
      'featurize',
      input,
      '--features',
      '4',
      '--progress',
      'none',
      '--backend',
      'cpu',
      '--out',
      join(dir, 'out.csv'),
      '--overwrite',
      ...args,
    ]);

  beforeAll(() => {
    dir = tempDir('rcf-hostile-grid-');
    area = join(dir, 'area.geojson');
    writeFileSync(area, SMALL_AREA);
  });

  it('refuses a 286-byte raster declaring 1000000 × 1000000 pixels, naming what it asks and the limit', () => {
    const huge = raster('huge.tif', { width: 1_000_000, height: 1_000_000, geo: true });
    expect(sparseTiff({ width: 1_000_000, height: 1_000_000, geo: true }).length).toBe(286);
    for (const cellSize of ['256', 'whole']) {
      const line = refusal(featurize(huge, '--cell-size', cellSize));
      expect(line).toMatch(
        new RegExp(
          /^huge\.tif: asks to featurize \d+ pixels \(1000000 × 1000000\) /.source +
            /in \d+ cells?; the limit is 17179869184 pixels/.source,
        ),
      );
    }
  });

  it('featurizes only the cells of a small area on a huge sparse raster', () => {
    // 1000000² pixels in 4096² tiles (60,025 sparse tiles, 480 KB): 15 million cells of 256, of which the area takes 5 × 5.
    const huge = raster('huge-tiled.tif', { width: 1_000_000, height: 1_000_000, tile: 4096, geo: true });
    const r = featurize(huge, '--aoi', area);
    expect(describeOutcome(r)).toBe('ok');
    const { rows } = readCsv(join(dir, 'out.csv'));
    const at = rows.map((row) => `${row[2]},${row[3]}`);
    const expected = [];
    for (let row = 1953; row <= 1957; row++) for (let col = 1757; col <= 1761; col++) expected.push(`${row},${col}`);
    expect(at).toEqual(expected);
    // Sparse blocks read as 0: every window is valid, z = −1, so mean relu(z) = 0 and mean relu(−z) = 1.
    for (const row of rows) expect(row.slice(8)).toEqual(['1', '0.0', '0.0', '1.0', '1.0']);
  });

  it('reads the 286-byte raster under a small area, or refuses it in one line naming it', () => {
    // Its one sparse strip holds all 10^12 pixels: reading any window of it is the raster reader's to bound.
    const huge = raster('huge.tif', { width: 1_000_000, height: 1_000_000, geo: true });
    const r = featurize(huge, '--aoi', area);
    if (describeOutcome(r) === 'ok') expect(readCsv(join(dir, 'out.csv')).rows).toHaveLength(25);
    else expect(refusal(r)).toMatch(/^huge\.tif: /);
  });

  it('stops at once on a 1 × 16777216 raster, where no cell holds a window', () => {
    const thin = raster('thin.tif', { width: 1, height: 16_777_216 });
    for (const args of [[], ['--edge', 'keep'], ['--cell-size', 'whole']]) {
      const r = featurize(thin, ...args);
      expect(r.seconds).toBeLessThan(5);
      const line = refusal(r);
      expect(line).toMatch(/^thin\.tif: no cells: .*\(.*1 × 16777216 pixels\)/);
      expect(line).toContain('3×3');
    }
  });

  it('reads a very wide strip with a tall kernel in column chunks', () => {
    // 1048576 × 64 pixels of nodata: read in full-width strips this took 980 MiB; in column chunks, under half that.
    const wide = raster('wide.tif', { width: 1_048_576, height: 64, tile: 256, nodata: '0' });
    const r = featurize(wide, '--cell-size', 'whole', '--kernel', '31');
    expect(describeOutcome(r)).toBe('ok');
    expect(r.maxRssBytes).toBeLessThan(768 * 2 ** 20); // LIMITS.runMemoryBytes
    const { rows } = readCsv(join(dir, 'out.csv'));
    // No valid window: valid_fraction 0 and empty features.
    expect(rows.map((row) => row.slice(2, 4).concat(row.slice(8)))).toEqual([['0', '0', '0', '', '', '', '']]);
  });

  it('refuses a run whose one cell does not fit the memory budget, before reading it', () => {
    const big = raster('big-cells.tif', { width: 65_536, height: 16_384, tile: 256 });
    const line = refusal(featurize(big, '--cell-size', '16384', '--features', '4'));
    const needs = /^big-cells\.tif: the run needs \d+ MiB of memory /.source;
    expect(line).toMatch(new RegExp(needs + /\(strips of 1 × 16384 × 16384 pixels\); the limit is 768 MiB$/.source));
  });

  for (const change of ['appended', 'rewritten'] as const) {
    it(`fails a run whose input is ${change} while it runs, naming it`, () => {
      const input = join(dir, `changing-${change}.tif`);
      copyFileSync(join(ROOT, 'resources/sample/landsat8_b2-b5.tif'), input);
      const out = join(dir, `changing-${change}.csv`);
      // The job as the CLI runs it, changing its input while it runs.
      const script = join(dir, `change-${change}.mjs`);
      const job = pathToFileURL(join(ROOT, 'dist/electron/engine/jobs/featurize-job.js')).href;
      writeFileSync(
        script,
        `import { appendFileSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { runFeaturizeJob } from ${JSON.stringify(job)};
import { settingsFromFlags } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/shared/run/index.js')).href)};
const input = ${JSON.stringify(input)};
let changed = false;
const settings = settingsFromFlags([input], null, { 'cell-size': '64', features: '8', scale: '0.0001', backend: 'cpu' });
try {
  await runFeaturizeJob({ ...settings, out: ${JSON.stringify(out)}, resume: false, overwrite: true }, {
    onProgress: (p) => {
      // Appended after the first row of cells; rewritten after the last (a block still to be read would fail to decode).
      if (changed || p.cellsDone === 0 || (${JSON.stringify(change)} === 'rewritten' && p.cellsDone < p.cellsTotal)) return;
      changed = true;
      if (${JSON.stringify(change)} === 'appended') appendFileSync(input, Buffer.alloc(16));
      else {
        // One byte of pixel data flipped, the size unchanged.
        const fd = openSync(input, 'r+');
        const byte = Buffer.alloc(1);
        const at = 2000000;
        readSync(fd, byte, 0, 1, at);
        byte[0] ^= 0xff;
        writeSync(fd, byte, 0, 1, at);
        closeSync(fd);
      }
    },
  });
  console.log('finished');
} catch (e) {
  console.error('rcf: ' + e.message);
  process.exit(1);
}
`,
      );
      const r = runBounded(script, []);
      const line = refusal(r);
      expect(line).toMatch(
        new RegExp(`^changing-${change}\\.tif: the file changed during the run \\(.+\\); its output is left unfinished$`),
      );
      if (change === 'appended') expect(line).toMatch(/\d+ bytes when it was hashed, now \d+/);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe("a large grid's cells in an area", () => {
  it('are the cells selected one by one, when found through blocks of cells first', async () => {
    const raster = await openRaster(join(ROOT, 'resources/sample/landsat8_b2-b5.tif'));
    try {
      for (const [file, size, edge] of [
        ['landsat_hole_4326.geojson', 8, 'drop'],
        ['landsat_multi_3857.geojson', 5, 'keep'],
      ] as const) {
        const aoi = await readAoi(join(ROOT, 'tests/fixtures/aoi', file));
        const shape = gridShape(raster.info.width, raster.info.height, { kind: 'pixels', size }, edge);
        const direct = [...cellsInArea(shape, raster, aoi)];
        // Blocks of 5×5 to 10×10 cells: the way a huge grid goes.
        const blocked = [...cellsInArea(shape, raster, aoi, 100)];
        expect(direct.length).toBeGreaterThan(100);
        expect(direct.length).toBeLessThan(shape.rows * shape.cols);
        expect(blocked).toEqual(direct);
      }
    } finally {
      await raster.close();
    }
  });
});

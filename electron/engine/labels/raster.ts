/**
 * Joining a label raster (land cover, elevation...) to a run's cells. The rule: a cell's labels are the label
 * raster's pixels whose centres fall in the cell (half-open, as for points), the centres transformed from the
 * label raster's CRS to the cell raster's; nodata (and NaN) pixels are left out and counted. Per usable cell with
 * at least one valid pixel, one training row: the mean (numbers) or the majority class with the class fractions
 * (classes: pixel values as class names, ties to the class sorted first).
 */
import { openRaster } from '../raster/index.js';
import { pixelToMap } from '../../../shared/geo/affine.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { LimitError, LIMITS } from '../limits.js';
import { cellIndexAt, crsTransform, joinGrids, toGridCrs, type JoinGrid, type RunCell } from './cells.js';
import { LabelError } from './errors.js';
import { argmax, withSummary, type LabelJoin, type TrainingRow } from './join.js';
import { DropCounter, sortClasses } from './values.js';

export interface LabelRasterOptions {
  /** 'numbers' (the default: a mean per cell) or 'classes' (majority and fractions). */
  values?: 'numbers' | 'classes';
  /** The band holding the labels, 1-based (default 1). */
  band?: number;
}

/** Joins the label raster at `path` to the usable cells of a run (`cells`: the feature rows' cells, in their order). */
export async function joinLabelRaster(
  path: string,
  provenance: Provenance,
  cells: readonly RunCell[],
  options: LabelRasterOptions = {},
): Promise<LabelJoin> {
  const grids = joinGrids(provenance, cells);
  const classesWanted = options.values === 'classes';
  const raster = await openRaster(path);
  try {
    const { info } = raster;
    const band = (options.band ?? 1) - 1;
    if (!Number.isInteger(band) || band < 0 || band >= info.bands) {
      throw new LabelError(path, `has no band ${options.band} (it has ${info.bands})`);
    }
    if (!info.crs) throw new LabelError(path, "has no CRS, so its pixels cannot be placed on the run's cells");
    const sums = new Map<number, number>();
    const counts = new Map<number, number>();
    const perClass = new Map<number, Map<number, number>>();
    const classOf = new Map<number, number>();
    const dropped = new DropCounter();
    let labels = 0;
    let outside = 0;
    let visited = 0;
    for (const grid of grids) {
      const toGrid = toGridCrs(path, info.crs, grid);
      const window = labelWindow(grid, info.width, info.height, info.transform, crsTransform(path, grid.crs!, info.crs));
      if (!window) continue;
      const [x0, y0, w, h] = window;
      visited += w * h;
      if (visited > LIMITS.labelRasterPixels) {
        throw new LimitError(
          { path },
          `the join visits more than ${LIMITS.labelRasterPixels} of its pixels`,
          `${LIMITS.labelRasterPixels} pixels`,
        );
      }
      const stripRows = Math.max(1, Math.floor(LIMITS.stripBytes / 4 / w));
      for (let top = y0; top < y0 + h; top += stripRows) {
        const rows = Math.min(stripRows, y0 + h - top);
        const pixels = await raster.readWindow(x0, top, w, rows, [band]);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < w; c++) {
            const [mx, my] = pixelToMap(info.transform, x0 + c + 0.5, top + r + 0.5);
            const [gx, gy] = toGrid(mx, my);
            const [px, py] = grid.toPixel(gx, gy);
            const index = cellIndexAt(grid, px, py);
            const feature = index < 0 ? undefined : grid.usable.get(index);
            const v = pixels[r * w + c];
            if (feature === undefined) {
              if (!Number.isNaN(v)) outside++;
              continue;
            }
            if (Number.isNaN(v)) {
              dropped.add('nodata');
              continue;
            }
            labels++;
            counts.set(feature, (counts.get(feature) ?? 0) + 1);
            if (!classesWanted) {
              sums.set(feature, (sums.get(feature) ?? 0) + v);
              continue;
            }
            let k = classOf.get(v);
            if (k === undefined) {
              if (classOf.size === LIMITS.labelClasses) {
                throw new LimitError(
                  { path },
                  `has more than ${LIMITS.labelClasses} distinct values as classes`,
                  `${LIMITS.labelClasses} classes`,
                );
              }
              classOf.set(v, (k = classOf.size));
            }
            let m = perClass.get(feature);
            if (!m) perClass.set(feature, (m = new Map()));
            m.set(k, (m.get(k) ?? 0) + 1);
          }
        }
      }
    }
    const features = [...counts.keys()].sort((a, b) => a - b);
    const names = [...classOf.keys()].map(String);
    const classes = classesWanted ? sortClasses(names) : undefined;
    const order = classes ? [...classOf.entries()].map(([v]) => classes.indexOf(String(v))) : [];
    const rows = features.map((feature): TrainingRow => {
      const count = counts.get(feature)!;
      const row: TrainingRow = { cells: Int32Array.of(feature), weights: Float64Array.of(1), value: 0, count };
      if (!classes) row.value = sums.get(feature)! / count;
      else {
        const fractions = new Float64Array(classes.length);
        for (const [k, n] of perClass.get(feature)!) fractions[order[k]] = n / count;
        row.fractions = fractions;
        row.value = classes[argmax(fractions)];
      }
      return row;
    });
    if (rows.length === 0) throw new LabelError(path, 'no valid pixel falls in a cell of the run');
    const base = { kind: 'raster' as const, path, numeric: !classes, rows, labels, dropped: dropped.list(), outside };
    return withSummary(classes ? { ...base, classes } : base, 'pixel', 'cell');
  } finally {
    await raster.close();
  }
}

/**
 * The window [x0, y0, w, h] of label pixels over the grid (its outline, 32 points a side, mapped into the label
 * raster's pixels, two pixels of margin for the curvature between them), or null when they do not meet.
 */
function labelWindow(
  grid: JoinGrid,
  width: number,
  height: number,
  transform: [number, number, number, number, number, number],
  toLabel: (x: number, y: number) => [number, number],
): [number, number, number, number] | null {
  const gw = Math.min(grid.shape.cols * grid.cw, grid.shape.width);
  const gh = Math.min(grid.shape.rows * grid.ch, grid.shape.height);
  const det = transform[1] * transform[5] - transform[2] * transform[4];
  const inv = (x: number, y: number): [number, number] => {
    const dx = x - transform[0];
    const dy = y - transform[3];
    return [(transform[5] * dx - transform[2] * dy) / det, (-transform[4] * dx + transform[1] * dy) / det];
  };
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const n = 32;
  for (let i = 0; i <= n; i++) {
    for (const [u, v] of [
      [(gw * i) / n, 0],
      [(gw * i) / n, gh],
      [0, (gh * i) / n],
      [gw, (gh * i) / n],
    ]) {
      const [mx, my] = pixelToMap(grid.transform, u, v);
      const [lx, ly] = toLabel(mx, my);
      const [px, py] = inv(lx, ly);
      if (!Number.isFinite(px) || !Number.isFinite(py)) return [0, 0, width, height]; // cannot bound: the whole raster
      [minX, minY, maxX, maxY] = [Math.min(minX, px), Math.min(minY, py), Math.max(maxX, px), Math.max(maxY, py)];
    }
  }
  const x0 = Math.max(0, Math.floor(minX) - 2);
  const y0 = Math.max(0, Math.floor(minY) - 2);
  const x1 = Math.min(width, Math.ceil(maxX) + 2);
  const y1 = Math.min(height, Math.ceil(maxY) + 2);
  return x1 > x0 && y1 > y0 ? [x0, y0, x1 - x0, y1 - y0] : null;
}

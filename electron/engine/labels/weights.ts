/**
 * Polygon labels weighted by a user raster (e.g. population) instead of area. The rule: the weight of
 * (polygon, cell) is the sum of the weight raster's pixels (band 1) whose centres fall inside the polygon (even–odd
 * over its rings, in the label file's CRS, so holes are out) and inside the cell (half-open, in the cell raster's
 * pixel space, as for points; with overlapping inputs the first in run order). Nodata, NaN and negative pixels weigh
 * nothing. A polygon whose weights are all zero is dropped ('zero weight'); one over no usable cell is outside.
 */
import { openRaster } from '../raster/index.js';
import { invertGeoTransform, pixelToMap } from '../../../shared/geo/affine.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { aoiInPixels, polygonsBounds, type Polygon } from '../aoi/index.js';
import { LimitError, LIMITS } from '../limits.js';
import { cellIndexAt, crsTransform, joinGrids, toGridCrs, type RunCell } from './cells.js';
import { LabelError } from './errors.js';
import { withSummary, type LabelJoin, type TrainingRow } from './join.js';
import type { LabelSet } from './read.js';
import { DropCounter } from './values.js';

/** Joins polygon labels to a run's usable cells with weights summed from the raster at `weightPath` (see the rule above). */
export async function joinPolygonsWeighted(
  labels: LabelSet,
  provenance: Provenance,
  cells: readonly RunCell[],
  weightPath: string,
): Promise<LabelJoin> {
  if (labels.geometry !== 'polygons') throw new LabelError(labels.path, 'holds points; a weight raster weighs polygons');
  const grids = joinGrids(provenance, cells);
  const toGrids = grids.map((g) => toGridCrs(labels.path, labels.crs, g));
  const raster = await openRaster(weightPath);
  try {
    const { info } = raster;
    if (!info.crs) throw new LabelError(weightPath, 'has no CRS, so its pixels cannot be placed on the polygons');
    const inverse = invertGeoTransform(info.transform);
    if (!inverse) throw new LabelError(weightPath, 'has a singular geotransform');
    const toLabel = crsTransform(weightPath, info.crs, labels.crs);
    const dropped = new DropCounter();
    for (const d of labels.dropped) dropped.add(d.reason, d.count);
    const rows: TrainingRow[] = [];
    let outside = 0;
    let work = 0;
    for (const label of labels.rows) {
      const inPixels = aoiInPixels({ polygons: label.polygons, crs: labels.crs, source: labels.path }, inverse, info.crs, 2, {
        width: info.width,
        height: info.height,
      });
      const [minX, minY, maxX, maxY] = polygonsBounds(inPixels);
      const x0 = Math.max(0, Math.floor(minX) - 1);
      const y0 = Math.max(0, Math.floor(minY) - 1);
      const w = Math.min(info.width, Math.ceil(maxX) + 1) - x0;
      const h = Math.min(info.height, Math.ceil(maxY) + 1) - y0;
      const sums = new Map<number, number>();
      let touched = false;
      if (w > 0 && h > 0) {
        const vertices = label.polygons.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
        work += w * h * vertices;
        if (work > LIMITS.labelClipVertices || w * h > LIMITS.labelRasterPixels) {
          throw new LimitError(
            { path: labels.path },
            `weighting its polygons by ${weightPath} visits too many pixels × vertices`,
            `${LIMITS.labelClipVertices}`,
          );
        }
        const stripRows = Math.max(1, Math.floor(LIMITS.stripBytes / 4 / w));
        for (let top = y0; top < y0 + h; top += stripRows) {
          const n = Math.min(stripRows, y0 + h - top);
          const pixels = await raster.readWindow(x0, top, w, n, [0]);
          for (let r = 0; r < n; r++) {
            for (let c = 0; c < w; c++) {
              const v = pixels[r * w + c];
              if (!(v > 0)) continue;
              const [mx, my] = pixelToMap(info.transform, x0 + c + 0.5, top + r + 0.5);
              const [lx, ly] = toLabel(mx, my);
              if (!insidePolygons(label.polygons, lx, ly)) continue;
              for (let g = 0; g < grids.length; g++) {
                const [gx, gy] = toGrids[g](lx, ly);
                const [px, py] = grids[g].toPixel(gx, gy);
                const index = cellIndexAt(grids[g], px, py);
                if (index < 0) continue;
                const feature = grids[g].usable.get(index);
                if (feature === undefined) continue;
                touched = true;
                sums.set(feature, (sums.get(feature) ?? 0) + v);
                break;
              }
            }
          }
        }
      }
      if (sums.size === 0) {
        if (touched) dropped.add('zero weight');
        else outside++;
        continue;
      }
      const features = [...sums.keys()].sort((a, b) => a - b);
      const row: TrainingRow = {
        cells: Int32Array.from(features),
        weights: Float64Array.from(features, (f) => sums.get(f)!),
        value: label.value,
        count: 1,
      };
      if (label.group !== undefined) row.group = label.group;
      rows.push(row);
    }
    if (rows.length === 0) throw new LabelError(labels.path, `no polygon has weight (from ${weightPath}) in a cell of the run`);
    const base = {
      kind: 'polygons' as const,
      path: labels.path,
      numeric: labels.numeric,
      rows,
      labels: labels.rows.length,
      dropped: dropped.list(),
      outside,
    };
    return withSummary(labels.classes ? { ...base, classes: labels.classes } : base, 'polygon', 'row');
  } finally {
    await raster.close();
  }
}

/** Even–odd point-in-polygon over every ring of the polygons (half-open in y, so a vertex on the scanline counts once). */
export function insidePolygons(polygons: Polygon[], x: number, y: number): boolean {
  let inside = false;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [ax, ay] = ring[j];
        const [bx, by] = ring[i];
        if (ay > y !== by > y && x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
      }
    }
  }
  return inside;
}

/**
 * Joining labels to the cells of a featurize run, giving training rows that
 * refer to the run's feature rows by index.
 *
 * - Points: each point goes to the usable cell containing it (cells are
 *   half-open in pixel space, see cellIndexAt; with overlapping inputs, the first
 *   input in run order that has a usable cell there). A cell with several points
 *   is one row: the mean for numbers, the majority for classes (ties: the class
 *   sorted first), with the count and the class fractions.
 * - Polygons: each polygon is one row; its weights are |cell ∩ polygon| for every
 *   usable cell it overlaps, computed exactly in the cell raster's pixel space (the
 *   polygon reprojected with densified edges, as AOIs are) and given in that
 *   raster's map units² (pixel area × |det(geotransform)|). Features and polygon
 *   predictions are the weighted means Σ wᵢ·xᵢ / Σ wᵢ over the row's cells.
 */
import type { Provenance } from '../../../shared/provenance/index.js';
import { fileLabel } from '../../../shared/errors/index.js';
import { determinant } from '../../../shared/geo/affine.js';
import { aoiInPixels, polygonsBounds } from '../aoi/index.js';
import { LimitError, LIMITS } from '../limits.js';
import { cellIndexAt, joinGrids, toGridCrs, type RunCell } from './cells.js';
import { areaInColumn, clipToRowStrip } from './clip.js';
import { LabelError } from './errors.js';
import { describeDropped, type Dropped } from './values.js';
import type { LabelSet } from './read.js';

/** One training row. */
export interface TrainingRow {
  /** Feature rows (indexes into the run's cell list) the row draws on. */
  cells: Int32Array;
  /** Their weights, same length (points, raster: 1 each; polygons: areas or weight-raster sums). Use Σ wᵢ·xᵢ / Σ wᵢ. */
  weights: Float64Array;
  /** The label: a number (numeric) or a class name (LabelJoin.classes). */
  value: number | string;
  /** Labels behind the value: points in the cell, label pixels in it, 1 for a polygon. */
  count: number;
  /** Classes only (points, raster): the share of each class of LabelJoin.classes among the labels behind the value. */
  fractions?: Float64Array;
  group?: string;
}

/** Labels joined to a run's cells. */
export interface LabelJoin {
  kind: 'points' | 'polygons' | 'raster';
  /** The label file. */
  path: string;
  numeric: boolean;
  /** Class names in sorted order, when not numeric. */
  classes?: string[];
  rows: TrainingRow[];
  /** Labels read (points, polygons, or label-raster pixels with a value). */
  labels: number;
  /** Rows or pixels left out, by reason (missing values, no geometry, nodata...). */
  dropped: Dropped[];
  /** Labels in no cell of the run (outside every grid, or in a cell without usable features). */
  outside: number;
  /** One line for people: "labels.csv: 412 points → 380 cells; 17 outside every cell; 3 empty values dropped". */
  summary: string;
}

/**
 * Joins a label set to the usable cells of a run (`cells`: the feature rows' cells, in their order).
 * Throws a LabelError when a raster needed has no CRS, or when no label falls in a usable cell.
 */
export function joinLabels(labels: LabelSet, provenance: Provenance, cells: readonly RunCell[]): LabelJoin {
  const join = labels.geometry === 'points' ? joinPoints(labels, provenance, cells) : joinPolygons(labels, provenance, cells);
  if (join.rows.length === 0) {
    const what = labels.geometry === 'points' ? 'point' : 'polygon';
    throw new LabelError(labels.path, `no label falls in a cell of the run (${join.labels} ${what}s, all outside the cells with features)`);
  }
  return join;
}

function joinPoints(labels: LabelSet & { geometry: 'points' }, provenance: Provenance, cells: readonly RunCell[]): LabelJoin {
  const grids = joinGrids(provenance, cells);
  const transforms = grids.map((g) => toGridCrs(labels.path, labels.crs, g));
  const classIndex = new Map((labels.classes ?? []).map((c, i) => [c, i]));
  const nClasses = labels.classes?.length ?? 0;
  // Per feature row hit: sum or class counts, the count, and the groups met.
  const acc = new Map<number, { sum: number; count: number; classes: Float64Array | null; groups: Map<string, number> }>();
  let points = 0;
  let outside = 0;
  for (const row of labels.rows) {
    for (const [x, y] of row.points) {
      points++;
      let feature = -1;
      for (let g = 0; g < grids.length && feature < 0; g++) {
        const [mx, my] = transforms[g](x, y);
        const [px, py] = grids[g].toPixel(mx, my);
        const index = cellIndexAt(grids[g], px, py);
        if (index >= 0) feature = grids[g].usable.get(index) ?? -1;
      }
      if (feature < 0) {
        outside++;
        continue;
      }
      let a = acc.get(feature);
      if (!a) acc.set(feature, (a = { sum: 0, count: 0, classes: labels.numeric ? null : new Float64Array(nClasses), groups: new Map() }));
      a.count++;
      if (a.classes) a.classes[classIndex.get(row.value as string)!]++;
      else a.sum += row.value as number;
      if (row.group !== undefined) a.groups.set(row.group, (a.groups.get(row.group) ?? 0) + 1);
    }
  }
  const rows = [...acc.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([feature, a]): TrainingRow => {
      const out: TrainingRow = { cells: Int32Array.of(feature), weights: Float64Array.of(1), value: 0, count: a.count };
      if (a.classes) {
        out.value = labels.classes![argmax(a.classes)];
        out.fractions = a.classes.map((c) => c / a.count);
      } else out.value = a.sum / a.count;
      if (labels.group !== undefined) out.group = [...a.groups.entries()].reduce((best, e) => (e[1] > best[1] ? e : best))[0];
      return out;
    });
  const base = {
    kind: 'points' as const,
    path: labels.path,
    numeric: labels.numeric,
    rows,
    labels: points,
    dropped: labels.dropped,
    outside,
  };
  return withSummary(labels.classes ? { ...base, classes: labels.classes } : base, 'point', 'cell');
}

/** The first index of the largest value (ties go to the class sorted first). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function joinPolygons(labels: LabelSet & { geometry: 'polygons' }, provenance: Provenance, cells: readonly RunCell[]): LabelJoin {
  const grids = joinGrids(provenance, cells);
  for (const g of grids) toGridCrs(labels.path, labels.crs, g); // every raster must be placeable
  const rows: TrainingRow[] = [];
  let outside = 0;
  let clipped = 0;
  for (const label of labels.rows) {
    const hit: number[] = [];
    const weights: number[] = [];
    for (const grid of grids) {
      const { shape, cw, ch } = grid;
      const extent = { width: Math.min(shape.cols * cw, shape.width), height: Math.min(shape.rows * ch, shape.height) };
      const pixels = aoiInPixels(
        { polygons: label.polygons, crs: labels.crs, source: labels.path },
        grid.inverse,
        grid.crs!,
        Math.min(cw, ch) / 20,
        extent,
      );
      const [minX, minY, maxX, maxY] = polygonsBounds(pixels);
      const r0 = Math.max(0, Math.floor(minY / ch));
      const r1 = Math.min(shape.rows - 1, Math.floor(maxY / ch));
      const c0 = Math.max(0, Math.floor(minX / cw));
      const c1 = Math.min(shape.cols - 1, Math.floor(maxX / cw));
      const pixelArea = Math.abs(determinant(grid.transform));
      for (let row = r0; row <= r1; row++) {
        const y0 = row * ch;
        const strip = clipToRowStrip(pixels, y0, Math.min(y0 + ch, shape.height));
        if (strip.length === 0) continue;
        const stripVertices = strip.reduce((n, s) => n + s.ring.length, 0);
        clipped += stripVertices * (c1 - c0 + 1);
        if (clipped > LIMITS.labelClipVertices) {
          throw new LimitError(
            { path: labels.path },
            'its polygons need more than ' + `${LIMITS.labelClipVertices} vertex clippings on the run's cells`,
            `${LIMITS.labelClipVertices} (simplify the polygons, or use larger cells)`,
          );
        }
        for (let col = c0; col <= c1; col++) {
          const feature = grid.usable.get(row * shape.cols + col);
          if (feature === undefined) continue;
          const x0 = col * cw;
          const area = areaInColumn(strip, x0, Math.min(x0 + cw, shape.width));
          if (area > 0) {
            hit.push(feature);
            weights.push(area * pixelArea);
          }
        }
      }
    }
    if (hit.length === 0) {
      outside++;
      continue;
    }
    const row: TrainingRow = { cells: Int32Array.from(hit), weights: Float64Array.from(weights), value: label.value, count: 1 };
    if (label.group !== undefined) row.group = label.group;
    rows.push(row);
  }
  const base = {
    kind: 'polygons' as const,
    path: labels.path,
    numeric: labels.numeric,
    rows,
    labels: labels.rows.length,
    dropped: labels.dropped,
    outside,
  };
  return withSummary(labels.classes ? { ...base, classes: labels.classes } : base, 'polygon', 'row');
}

/** Adds the one-line summary. */
export function withSummary(join: Omit<LabelJoin, 'summary'>, noun: string, rowNoun: string): LabelJoin {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [`${fileLabel(join.path)}: ${plural(join.labels, noun)} → ${plural(join.rows.length, rowNoun)}`];
  if (join.outside > 0) parts.push(`${join.outside} outside every cell`);
  if (join.dropped.length > 0) parts.push(`${join.dropped.map(describeDropped).join(', ')} dropped`);
  return { ...join, summary: parts.join('; ') };
}

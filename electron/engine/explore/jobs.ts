/**
 * The exploring commands as jobs: open the feature file(s), resolve the examples, compute, and write one value per
 * cell with the prediction writers (CSV, GeoPackage layer `similarity`/`clusters`/`change`, or a GeoTIFF on the cell
 * grid). Bad input is refused in one line before anything is written.
 */
import { basename } from 'node:path';
import { UserError } from '../../../shared/errors/index.js';
import type { Metric } from '../../../shared/explore/options.js';
import { cellAt, type Grid } from '../../../shared/grid/cells.js';
import { readAoi, selectCells } from '../aoi/index.js';
import { openFeatureFile, type FeatureFile } from '../export/read-features.js';
import { predictionFormat, predictionRaster, writePrediction, type PredictionWritten } from '../export/prediction/index.js';
import { sourceGrids } from '../jobs/provenance-grid.js';
import { changeBetween } from './change.js';
import { clusterCells, type ClusterResult } from './cluster.js';
import { similarCells, type SimilarResult } from './similar.js';

export interface JobHooks {
  signal?: AbortSignal;
}

interface Output {
  out: string;
  overwrite?: boolean;
}

/** Where the examples come from: cell ids, or the cells sharing area with an area file. */
export interface ExampleSpec {
  ids?: readonly string[];
  area?: string;
}

/** The cell indexes of `ids` in the file; an id of no cell of the run is refused, naming it. */
export function cellIndexesOf(file: FeatureFile, ids: readonly string[]): number[] {
  const index = new Map(file.cells.map((c, i) => [c.cellId, i] as const));
  return ids.map((id) => {
    const i = index.get(id);
    if (i === undefined)
      throw new UserError(`${basename(file.path)} has no cell ${JSON.stringify(id)} (a cell of another run?)`, { path: file.path });
    return i;
  });
}

/** The cell indexes of the file's cells that share area with the polygons of `area` (reprojected to each input's CRS). */
export async function cellIndexesInArea(file: FeatureFile, area: string): Promise<number[]> {
  const aoi = await readAoi(area);
  const grids = sourceGrids(file.provenance);
  const out: number[] = [];
  for (const g of grids) {
    const mine = file.cells.flatMap((c, i) => (c.source === g.name ? [i] : []));
    if (mine.length === 0) continue;
    const byPlace = new Map(mine.map((i) => [`${file.cells[i].row}:${file.cells[i].col}`, i] as const));
    const part: Grid = {
      cellSize: g.shape.cellSize,
      edge: g.shape.edge,
      rows: g.shape.rows,
      cols: g.shape.cols,
      cells: mine.map((i) => cellAt(g.shape, file.cells[i].row, file.cells[i].col)),
    };
    for (const c of selectCells(part, g.transform, g.crs, aoi)) out.push(byPlace.get(`${c.row}:${c.col}`)!);
  }
  if (out.length === 0) throw new UserError(`${basename(area)} shares area with no cell of ${basename(file.path)}`, { path: area });
  return out.sort((a, b) => a - b);
}

async function examplesOf(file: FeatureFile, spec: ExampleSpec): Promise<number[]> {
  const ids = spec.ids ? cellIndexesOf(file, spec.ids) : [];
  const inArea = spec.area !== undefined ? await cellIndexesInArea(file, spec.area) : [];
  return [...new Set([...ids, ...inArea])];
}

/** Refuses an output format the file's grids cannot take (a GeoTIFF needs one cell grid), before any work. */
function checkOutput(out: string, file: FeatureFile): void {
  if (predictionFormat(out) === 'tif') predictionRaster(out, file.provenance);
}

export interface SimilarJobSpec extends Output {
  features: string;
  like: ExampleSpec;
  unlike?: ExampleSpec;
  metric: Metric;
  /** Only the `top` most similar cells, most similar first. */
  top?: number;
}

export interface SimilarJobResult extends PredictionWritten {
  result: SimilarResult;
  cells: number;
  written: number;
  examples: number;
  counterExamples: number;
  /** The most similar cell that is not an example. */
  best: string | null;
}

export async function runSimilarJob(spec: SimilarJobSpec, hooks: JobHooks = {}): Promise<SimilarJobResult> {
  predictionFormat(spec.out);
  const file = await openFeatureFile(spec.features, { signal: hooks.signal });
  checkOutput(spec.out, file);
  const like = await examplesOf(file, spec.like);
  const unlike = spec.unlike ? await examplesOf(file, spec.unlike) : [];
  const result = await similarCells(file, { like, unlike }, spec.metric, hooks.signal);
  const ranks = new Float64Array(file.cells.length).fill(NaN);
  result.order.forEach((cell, r) => (ranks[cell] = r + 1));
  const chosen = spec.top !== undefined ? Array.from(result.order.subarray(0, spec.top)) : file.cells.map((_, i) => i);
  const values = new Float64Array(chosen.length * 2);
  chosen.forEach((cell, i) => {
    values[2 * i] = result.scores[cell];
    values[2 * i + 1] = ranks[cell];
  });
  const examples = new Set([...like, ...unlike]);
  const best = Array.from(result.order).find((cell) => !examples.has(cell));
  const written = await writePrediction(
    spec.out,
    { provenance: file.provenance, cells: chosen.map((i) => file.cells[i]), values, names: [scoreName(spec.metric), 'rank'] },
    {
      overwrite: spec.overwrite === true,
      inputs: [spec.features, ...(spec.like.area ? [spec.like.area] : []), ...(spec.unlike?.area ? [spec.unlike.area] : [])],
      layer: 'similarity',
      metadata: {
        command: 'similar',
        features: spec.features,
        metric: spec.metric,
        query: like.length && unlike.length ? '2·mean(like) − mean(unlike), standardised' : 'mean(like), standardised',
        like: like.map((i) => file.cells[i].cellId),
        unlike: unlike.map((i) => file.cells[i].cellId),
        standardisation: { mean: Array.from(result.standardisation.mean), scale: Array.from(result.standardisation.scale) },
      },
      ...(hooks.signal && { signal: hooks.signal }),
    },
  );
  return {
    ...written,
    result,
    cells: file.cells.length,
    written: chosen.length,
    examples: like.length,
    counterExamples: unlike.length,
    best: best === undefined ? null : file.cells[best].cellId,
  };
}

/** The column of a similarity: the cosine similarity, or the Euclidean distance. */
export function scoreName(metric: Metric): string {
  return metric === 'cosine' ? 'similarity' : 'distance';
}

export interface ClusterJobSpec {
  features: string;
  k?: number;
  elbow?: readonly [number, number];
  pcs?: number;
  seed: number;
  /** Needed with k. */
  output?: Output;
}

export interface ClusterJobResult {
  result: ClusterResult;
  notes: string[];
  cells: number;
  clustered: number;
}

export async function runClusterJob(spec: ClusterJobSpec, hooks: JobHooks = {}): Promise<ClusterJobResult> {
  if (spec.output) predictionFormat(spec.output.out);
  const file = await openFeatureFile(spec.features, { signal: hooks.signal });
  if (spec.output) checkOutput(spec.output.out, file);
  const result = await clusterCells(file, { ...spec, name: basename(spec.features) }, hooks.signal);
  let notes: string[] = [];
  if (spec.output && result.labels && result.distances) {
    const n = file.cells.length;
    const values = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      values[2 * i] = result.labels[i];
      values[2 * i + 1] = result.distances[i];
    }
    ({ notes } = await writePrediction(
      spec.output.out,
      { provenance: file.provenance, cells: file.cells, values, names: ['cluster', 'distance'] },
      {
        overwrite: spec.output.overwrite === true,
        inputs: [spec.features],
        layer: 'clusters',
        metadata: {
          command: 'cluster',
          features: spec.features,
          k: spec.k,
          seed: spec.seed,
          pcs: spec.pcs ?? null,
          inertia: result.inertia,
          iterations: result.iterations,
          elbow: result.elbow,
          standardisation: { mean: Array.from(result.standardisation.mean), scale: Array.from(result.standardisation.scale) },
        },
        ...(hooks.signal && { signal: hooks.signal }),
      },
    ));
  }
  return { result, notes, cells: file.cells.length, clustered: file.usable.rows };
}

export interface ChangeJobSpec extends Output {
  a: string;
  b: string;
  metric: Metric;
  threshold?: number;
}

export interface ChangeJobResult extends PredictionWritten {
  cells: number;
  paired: number;
  /** Cells whose change is at least the threshold. */
  changed: number | null;
}

export async function runChangeJob(spec: ChangeJobSpec, hooks: JobHooks = {}): Promise<ChangeJobResult> {
  predictionFormat(spec.out);
  const a = await openFeatureFile(spec.a, { signal: hooks.signal });
  const b = await openFeatureFile(spec.b, { signal: hooks.signal });
  checkOutput(spec.out, a);
  const result = await changeBetween(a, b, spec.metric, hooks.signal);
  const n = a.cells.length;
  const { threshold } = spec;
  const width = threshold === undefined ? 1 : 2;
  const values = new Float64Array(n * width);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const v = result.change[i];
    values[i * width] = v;
    if (threshold !== undefined) {
      values[i * width + 1] = Number.isNaN(v) ? NaN : v >= threshold ? 1 : 0;
      if (v >= threshold) changed++;
    }
  }
  const written = await writePrediction(
    spec.out,
    { provenance: a.provenance, cells: a.cells, values, names: threshold === undefined ? ['change'] : ['change', 'changed'] },
    {
      overwrite: spec.overwrite === true,
      inputs: [spec.a, spec.b],
      layer: 'change',
      metadata: {
        command: 'change',
        a: spec.a,
        b: spec.b,
        metric: spec.metric,
        change: spec.metric === 'cosine' ? '1 − cosine, standardised' : 'Euclidean distance, standardised',
        threshold: threshold ?? null,
        standardisation: { mean: Array.from(result.standardisation.mean), scale: Array.from(result.standardisation.scale) },
      },
      ...(hooks.signal && { signal: hooks.signal }),
    },
  );
  return { ...written, cells: n, paired: result.paired, changed: threshold === undefined ? null : changed };
}

/**
 * A featurize job from a plain, serialisable spec: what the CLI runs and what
 * the app's service will run. Opens the inputs, makes or loads the filters,
 * runs the pipeline into a finished-only-at-the-end output, and returns the
 * provenance it recorded.
 */
import { basename } from 'node:path';
import type { NodataPolicy } from '../../../shared/rcf/cell-sums.js';
import { defaultBias, type Convention } from '../../../shared/rcf/conventions.js';
import { formatCellSize, makeGrid, parseCellSize, type Cell, type CellSize, type EdgePolicy } from '../../../shared/grid/cells.js';
import { resolveCellSize, type ResolvedCellSize } from '../../../shared/grid/resolve.js';
import { crsUnits, describeAoi, readAoi, selectCells, type Aoi, type AoiDescription } from '../aoi/index.js';
import { openRaster, type Raster } from '../raster/index.js';
import { featurize, type FeaturizeSettings, type Progress } from '../rcf/featurize.js';
import { loadWeights, makeEmpiricalBank, makeGaussianBank, type WeightsFile } from '../rcf/weights.js';
import type { BackendChoice } from '../rcf/backends.js';
import type { InputScaling } from '../rcf/input.js';
import { CsvOutput } from '../export/csv.js';
import { GpkgOutput } from '../export/gpkg.js';
import { OutputError, type FeatureOutput } from '../export/output.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { buildProvenance, provenanceInputs } from './provenance.js';

/** Filters: a `.npy` file, or generated on the fly (and recorded). */
export type FilterSpec =
  | { weights: string }
  | { mode: 'gaussian'; features: number; kernel: number; seed: number }
  | { mode: 'empirical'; features: number; kernel: number; seed: number; train: string[]; patches?: number };

export interface FeaturizeJobSpec {
  inputs: string[];
  /**
   * Output path: `.csv` (with a `.csv.json` provenance sidecar) or `.gpkg`; or
   * several, all written in one pass (the app keeps both).
   */
  out: string | string[];
  filters: FilterSpec;
  /** 1-based bands; all of the first input's bands when absent. */
  bands?: number[];
  scaling: InputScaling;
  /** `N` pixels per cell side, a size in map units (`1000m`, `0.01deg`), or `whole`. */
  cellSize: string;
  /** Partial cells at the right and bottom edges: dropped (default) or featurized as smaller chips. */
  edge?: EdgePolicy;
  /** Only cells overlapping this area (GeoJSON or GeoPackage polygons, any CRS) are featurized. */
  aoi?: { path: string; layer?: string };
  nodata: NodataPolicy;
  convention: Convention;
  /** Defaults to the convention's bias (−1 for torchgeo, 0 for paper). */
  bias?: number;
  backend: BackendChoice;
  threads: number;
  resume: boolean;
  overwrite: boolean;
}

export interface JobHooks {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  notice?: (message: string) => void;
}

export interface JobResult {
  out: string;
  /** null when the outputs were already finished (`--resume`): nothing was run. */
  provenance: Provenance | null;
  cellsComputed: number;
  cellsSkipped: number;
  alreadyFinished: boolean;
}

export class JobError extends Error {
  override name = 'JobError';
}

/** Names for the `source` column: base names, or full paths where base names clash. */
export function sourceNames(paths: string[]): string[] {
  const bases = paths.map((p) => basename(p));
  return paths.map((p, i) => (bases.filter((b) => b === bases[i]).length > 1 ? p : bases[i]));
}

export async function runFeaturizeJob(spec: FeaturizeJobSpec, hooks: JobHooks = {}): Promise<JobResult> {
  if (spec.inputs.length === 0) throw new JobError('no input rasters given');
  const outs = typeof spec.out === 'string' ? [spec.out] : spec.out;
  if (outs.length === 0) throw new JobError('no output given');
  for (const out of outs) {
    if (!/\.(csv|gpkg)$/i.test(out)) throw new JobError(`${out}: the output must end in .csv or .gpkg`);
  }
  const startedAt = new Date().toISOString();
  const cellSize = parseCellSize(spec.cellSize);
  const rasters: Raster[] = [];
  const training: Raster[] = [];
  try {
    for (const path of spec.inputs) rasters.push(await openRaster(path));
    const first = rasters[0].info;
    const bands = (spec.bands ?? Array.from({ length: first.bands }, (_, i) => i + 1)).map((b) => b - 1);
    for (const r of rasters) {
      const bad = bands.find((b) => b < 0 || b >= r.info.bands);
      if (bad !== undefined) throw new JobError(`${basename(r.info.path)}: has ${r.info.bands} band${r.info.bands === 1 ? '' : 's'}, so band ${bad + 1} cannot be used`);
    }
    const bank = await resolveFilters(spec.filters, bands, spec.scaling, rasters, training);
    const edge = spec.edge ?? 'drop';
    const aoi: Aoi | null = spec.aoi ? await readAoi(spec.aoi.path, spec.aoi.layer) : null;
    const aoiDescription: AoiDescription | null = aoi ? await describeAoi(aoi, { sha256: true }) : null;
    const grids = planGrids(rasters, cellSize, edge, aoi, bank.kernel);
    const convention = spec.convention;
    const bias = spec.bias ?? defaultBias(convention);
    const settings: FeaturizeSettings = { bands, scaling: spec.scaling, cellSize, nodata: spec.nodata, convention, bias, backend: spec.backend, threads: spec.threads };

    const names = sourceNames(spec.inputs);
    const inputs = await provenanceInputs(rasters, names, bands);
    // Everything that determines the output; resume only continues an identical run.
    const runKey = {
      inputs: inputs.map((i) => ({ name: i.name, sha256: i.sha256 })),
      bands: bands.map((b) => b + 1),
      scaling: spec.scaling,
      cell_size: formatCellSize(cellSize),
      edge,
      aoi: aoiDescription ? { sha256: aoiDescription.sha256, layer: aoiDescription.layer ?? null } : null,
      nodata: spec.nodata,
      convention,
      bias,
      features: 2 * bank.filters,
      kernel: bank.kernel,
      weights_sha256: bank.sha256,
    };
    const options = { resume: spec.resume, overwrite: spec.overwrite };
    const outputs: FeatureOutput[] = [];
    try {
      for (const out of outs) {
        if (/\.gpkg$/i.test(out)) {
          const gpkg = await GpkgOutput.open(out, { features: 2 * bank.filters, sources: rasters.map((r, i) => ({ name: names[i], crs: r.info.crs })) }, runKey, options);
          gpkg.setWeights([bank.filters, bank.channels, bank.kernel, bank.kernel], bank.weights);
          outputs.push(gpkg);
        } else {
          outputs.push(await CsvOutput.open(out, 2 * bank.filters, runKey, options));
        }
      }
    } catch (e) {
      await Promise.all(outputs.map((o) => o.close()));
      throw e;
    }
    if (outputs.every((o) => o.alreadyFinished)) {
      return { out: outs[0], provenance: null, cellsComputed: 0, cellsSkipped: 0, alreadyFinished: true };
    }
    const finished = outputs.findIndex((o) => o.alreadyFinished);
    if (finished >= 0) {
      await Promise.all(outputs.map((o) => o.close()));
      throw new JobError(`${outs[finished]} is already finished but the other outputs are not; use --overwrite to write them all again`);
    }
    let summary;
    try {
      summary = await featurize(
        rasters.map((raster, i) => ({ raster, name: names[i], cells: grids[i].cells })),
        bank,
        settings,
        {
          signal: hooks.signal,
          // A cell is skipped only when every output already has it.
          isDone: (id) => outputs.every((o) => o.doneCells.has(id)),
          onCell: async (cell) => {
            for (const o of outputs) if (!o.doneCells.has(cell.cellId)) await o.write(cell);
          },
          onProgress: hooks.onProgress,
          notice: hooks.notice,
        },
      );
    } catch (e) {
      await Promise.all(outputs.map((o) => o.close()));
      throw e;
    }
    const provenance = buildProvenance({
      started: startedAt,
      inputs,
      bands,
      scaling: spec.scaling,
      cellSize,
      edge,
      grids,
      aoi: aoiDescription,
      bank,
      convention,
      bias,
      nodata: spec.nodata,
      summary,
    });
    for (const o of outputs) await o.finish(provenance);
    return { out: outs[0], provenance, cellsComputed: summary.cellsComputed, cellsSkipped: summary.cellsSkipped, alreadyFinished: false };
  } finally {
    await Promise.all([...rasters, ...training].map((r) => r.close().catch(() => {})));
  }
}

/**
 * Each raster's own grid (cell sizes in map units become whole pixels of that
 * raster) and the cells to featurize: all of them, or those overlapping the area.
 */
export function planGrids(rasters: Raster[], cellSize: CellSize, edge: EdgePolicy, aoi: Aoi | null, kernel: number): { resolved: ResolvedCellSize; cells: Cell[] }[] {
  const grids = rasters.map((r) => {
    let resolved;
    try {
      resolved = resolveCellSize(cellSize, r.info.transform, crsUnits(r.info.crs));
    } catch (e) {
      throw new JobError(`${basename(r.info.path)}: ${(e as Error).message}`);
    }
    const size = resolved.cellSize;
    if (size.kind === 'pixels' && Math.min(size.size, size.sizeY ?? size.size) < kernel) {
      throw new JobError(`${basename(r.info.path)}: cells of ${formatCellSize(size)} pixels are smaller than the ${kernel}×${kernel} kernel`);
    }
    const grid = makeGrid(r.info.width, r.info.height, size, edge);
    return { resolved, cells: aoi ? selectCells(grid, r.info.transform, r.info.crs, aoi) : grid.cells };
  });
  if (aoi && grids.every((g) => g.cells.length === 0)) {
    throw new JobError(`${basename(aoi.source)}: the area does not overlap any cell of the input raster${rasters.length === 1 ? '' : 's'}`);
  }
  return grids;
}

async function resolveFilters(filters: FilterSpec, bands: number[], scaling: InputScaling, inputs: Raster[], training: Raster[]): Promise<WeightsFile> {
  if ('weights' in filters) {
    const bank = await loadWeights(filters.weights);
    if (bank.channels !== bands.length) {
      throw new JobError(`${filters.weights}: the weights take ${bank.channels} band${bank.channels === 1 ? '' : 's'}, but ${bands.length} ${bands.length === 1 ? 'is' : 'are'} selected (use --bands)`);
    }
    return bank;
  }
  if (filters.mode === 'gaussian') return makeGaussianBank(filters.features, bands.length, filters.kernel, filters.seed);
  // Empirical: the given training rasters, or the inputs themselves.
  let train = inputs;
  if (filters.train.length > 0) {
    for (const path of filters.train) training.push(await openRaster(path));
    train = training;
  }
  for (const r of train) {
    const bad = bands.find((b) => b >= r.info.bands);
    if (bad !== undefined) throw new JobError(`${basename(r.info.path)}: training raster has ${r.info.bands} bands, so band ${bad + 1} cannot be used`);
  }
  return makeEmpiricalBank(train, { features: filters.features, kernel: filters.kernel, seed: filters.seed, pool: filters.patches, bands, scaling });
}

export { OutputError };

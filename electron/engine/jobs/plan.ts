/**
 * What a run will do, before it does it: the rasters, the bands, the shape of
 * the filter bank, the area and each raster's grid of cells. The job, the
 * app's grid preview and its estimate all start here, so they agree by
 * construction.
 */
import { basename } from 'node:path';
import { CancelledError } from '../../../shared/errors/index.js';
import { formatCellSize, makeGrid, parseCellSize, type Cell, type CellSize, type EdgePolicy } from '../../../shared/grid/cells.js';
import { resolveCellSize, type ResolvedCellSize } from '../../../shared/grid/resolve.js';
import type { RunSettings } from '../../../shared/run/index.js';
import { areaAoi, selectCells, type Aoi } from '../aoi/index.js';
import { crsUnits } from '../crs/index.js';
import { openRaster, type Raster } from '../raster/index.js';
import { bandIndexes, type InputScaling } from '../rcf/input.js';
import {
  checkEmpiricalMemory,
  filtersForFeatures,
  loadWeights,
  makeEmpiricalBank,
  makeGaussianBank,
  type WeightsFile,
} from '../rcf/weights.js';
import { JobError } from './errors.js';

export interface GridPlan {
  resolved: ResolvedCellSize;
  cells: Cell[];
}

export interface RunPlan {
  rasters: Raster[];
  /** 0-based indexes of the chosen bands (people count bands from 1; the kernels from 0). */
  bandIndexes: number[];
  scaling: InputScaling;
  /** The filter bank's shape: known without making the filters. */
  shape: { filters: number; channels: number; kernel: number };
  /** The bank itself when it is cheap (a file, or Gaussian filters); empirical filters are made by `filterBank`. */
  bank: WeightsFile | null;
  aoi: Aoi | null;
  cellSize: CellSize;
  /** Per raster, in input order. */
  grids: GridPlan[];
  /** Closes the rasters (and any training rasters opened). */
  close(): Promise<void>;
}

/** Opens the inputs and lays out the run. The caller closes the plan. */
export async function planRun(settings: RunSettings, signal?: AbortSignal): Promise<RunPlan> {
  if (settings.inputs.length === 0) throw new JobError('no input rasters given');
  const cellSize = parseCellSize(settings.cellSize);
  const rasters: Raster[] = [];
  const close = () => Promise.all(rasters.map((r) => r.close().catch(() => {}))).then(() => {});
  try {
    for (const path of settings.inputs) {
      checkSignal(signal);
      rasters.push(await openRaster(path));
    }
    const first = rasters[0].info;
    const bands = bandIndexes(settings.bands, first.bands, first.path);
    for (const r of rasters.slice(1)) bandIndexes(settings.bands ?? bands.map((b) => b + 1), r.info.bands, r.info.path);
    const scaling = { scale: settings.scale, offset: settings.offset, useRasterScale: settings.rasterScale };
    let bank: WeightsFile | null = null;
    let shape;
    if (settings.mode === 'file') {
      bank = await loadWeights(settings.weights!);
      if (bank.channels !== bands.length) {
        const takes = `${bank.channels} band${bank.channels === 1 ? '' : 's'}`;
        const selected = `${bands.length} ${bands.length === 1 ? 'is' : 'are'} selected`;
        throw new JobError(`${settings.weights}: the weights take ${takes}, but ${selected} (choose bands to match)`, {
          path: settings.weights,
        });
      }
      shape = { filters: bank.filters, channels: bank.channels, kernel: bank.kernel };
    } else {
      shape = { filters: filtersForFeatures(settings.features), channels: bands.length, kernel: settings.kernel };
      if (settings.mode === 'gaussian') bank = makeGaussianBank(settings.features, bands.length, settings.kernel, settings.seed);
      else checkEmpiricalMemory(settings.features, bands.length, settings.kernel, settings.patches); // before the grid is laid out
    }
    checkSignal(signal);
    const aoi = settings.area ? await areaAoi(settings.area) : null;
    checkSignal(signal);
    const grids = planGrids(rasters, cellSize, settings.edge, aoi, shape.kernel);
    return { rasters, bandIndexes: bands, scaling, shape, bank, aoi, cellSize, grids, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The plan's filter bank: the cheap one it holds, or empirical filters sampled now from the training rasters (or the inputs). */
export async function filterBank(plan: RunPlan, settings: RunSettings): Promise<WeightsFile> {
  if (plan.bank) return plan.bank;
  const training: Raster[] = [];
  try {
    for (const path of settings.train) training.push(await openRaster(path));
    const train = training.length > 0 ? training : plan.rasters;
    for (const r of train) {
      const bad = plan.bandIndexes.find((b) => b >= r.info.bands);
      if (bad !== undefined)
        throw new JobError(`${basename(r.info.path)}: training raster has ${r.info.bands} bands, so band ${bad + 1} cannot be used`);
    }
    const { features, kernel, seed, patches: pool } = settings;
    return await makeEmpiricalBank(train, { features, kernel, seed, pool, bands: plan.bandIndexes, scaling: plan.scaling });
  } finally {
    await Promise.all(training.map((r) => r.close().catch(() => {})));
  }
}

/**
 * Each raster's own grid (cell sizes in map units become whole pixels of that
 * raster) and the cells to featurize: all of them, or those overlapping the area.
 */
export function planGrids(rasters: Raster[], cellSize: CellSize, edge: EdgePolicy, aoi: Aoi | null, kernel: number): GridPlan[] {
  const grids = rasters.map((r) => {
    let resolved;
    try {
      resolved = resolveCellSize(cellSize, r.info.transform, crsUnits(r.info.crs));
    } catch (e) {
      throw new JobError(`${basename(r.info.path)}: ${(e as Error).message}`, { path: r.info.path });
    }
    const size = resolved.cellSize;
    if (size.kind === 'pixels' && Math.min(size.size, size.sizeY ?? size.size) < kernel) {
      throw new JobError(
        `${basename(r.info.path)}: cells of ${formatCellSize(size)} pixels are smaller than the ${kernel}×${kernel} kernel`,
        { path: r.info.path },
      );
    }
    const grid = makeGrid(r.info.width, r.info.height, size, edge);
    return { resolved, cells: aoi ? selectCells(grid, r.info.transform, r.info.crs, aoi) : grid.cells };
  });
  if (aoi && grids.every((g) => g.cells.length === 0)) {
    throw new JobError(`${basename(aoi.source)}: the area does not overlap any cell of the input raster${rasters.length === 1 ? '' : 's'}`);
  }
  return grids;
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

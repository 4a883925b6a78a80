/**
 * The service's heavy work, one function per task: opening and previewing
 * rasters, reading areas, planning grids, estimates, the results layer and
 * the runs themselves. offload.ts runs them in worker threads, so the
 * service's own thread only routes calls, keeps the run queue and the
 * history, and answers `history` and `cancelRun` at once whatever a task
 * does (a K = 8192 filter bank, a ZCA over a large pool, a large grid).
 *
 * Every task takes and returns plain, structured-clone data, and stops
 * between its steps once `signal` aborts.
 */
import { basename } from 'node:path';
import { formatCellSize, type Cell } from '../../shared/grid/cells.js';
import { rectRing } from '../../shared/geo/affine.js';
import { throwIfCancelled, UserError } from '../../shared/errors/index.js';
import type { CellValues, GridPreview, RasterPreview, RasterView, RunRecord, RunSettings } from '../../shared/ipc/contract.js';
import type { Provenance } from '../../shared/provenance/index.js';
import { readAoi, type Aoi } from '../engine/aoi/index.js';
import { crsFromEpsg, makeLonLatTransformer, makeTransformer, sameCrs } from '../engine/crs/index.js';
import { footprintLonLat, openRaster, rasterInfoJson, RasterError, readPreview, type Raster } from '../engine/raster/index.js';
import { runFeaturizeJob, type FeaturizeJobSpec } from '../engine/jobs/featurize-job.js';
import { planRun, type RunPlan } from '../engine/jobs/plan.js';
import { estimatePlan, type RunEstimate } from '../engine/jobs/estimate.js';
import { resultsLayer, type ResultsLayer } from '../engine/jobs/results-layer.js';
import { readCsvCells } from '../engine/export/read-csv.js';
import { modelTasks } from './model-tasks.js';

/** What a task gets besides its request: its cancellation, and a way to report as it goes (runs do). */
export interface TaskContext {
  signal: AbortSignal;
  emit(event: TaskEvent): void;
}

/** A run's progress (throttled), its notices, and the moment it starts writing cells (before, stopping loses nothing). */
export type TaskEvent =
  | { kind: 'progress'; cellsDone: number; cellsTotal: number; cellsPerSecond: number; elapsedSeconds: number; etaSeconds: number | null }
  | { kind: 'notice'; message: string }
  | { kind: 'featurizing' }
  | { kind: 'fitProgress'; stage: string; done: number; total: number };

/** Progress events at most this often. */
const PROGRESS_MS = 100;

export const tasks = {
  async inspect({ path }: { path: string }): Promise<RasterView> {
    return withRaster(path, (raster) => {
      const info = raster.info;
      return {
        path,
        name: basename(path),
        width: info.width,
        height: info.height,
        bands: info.bands,
        dtype: info.dtype,
        transform: info.transform,
        crs: info.crs
          ? {
              epsg: info.crs.epsg,
              proj4: info.crs.proj4,
              name: info.crs.name ?? (info.crs.epsg !== null ? `EPSG:${info.crs.epsg}` : 'custom CRS'),
            }
          : null,
        footprint: footprintLonLat(info),
        nodata: typeof info.nodata === 'number' ? info.nodata : null,
        descriptions: info.descriptions ?? [],
        overviews: info.overviews ?? [],
        info: rasterInfoJson(info) as Record<string, unknown>,
      };
    });
  },

  async preview(
    { path, bands, maxSize }: { path: string; bands: number[]; maxSize: number },
    { signal }: TaskContext,
  ): Promise<RasterPreview> {
    return withRaster(path, async (raster) => {
      throwIfCancelled(signal);
      const bad = bands.find((b) => b > raster.info.bands);
      if (bad !== undefined) throw new RasterError(path, `has ${raster.info.bands} bands, so band ${bad} cannot be shown`);
      const pixels = await readPreview(
        raster,
        bands.map((b) => b - 1),
        maxSize,
        signal,
      );
      return { ...pixels, bands };
    });
  },

  async readArea({ path, layer }: { path: string; layer?: string }): Promise<{ name: string; polygons: [number, number][][][] }> {
    const aoi = await readAoi(path, layer);
    return { name: aoi.layer ?? basename(path), polygons: polygonsLonLat(aoi) };
  },

  async gridPreview({ settings, limit }: { settings: RunSettings; limit: number }, { signal }: TaskContext): Promise<GridPreview> {
    return withPlan(settings, signal, async ({ rasters, grids }) => {
      const rings: [number, number][][] = [];
      let count = 0;
      grids.forEach((g, i) => {
        throwIfCancelled(signal);
        count += g.cells.length;
        const outline = outlineOf(rasters[i]);
        for (const cell of g.cells) {
          if (rings.length >= limit) break;
          const ring = outline(cell);
          if (ring) rings.push(ring);
        }
      });
      return {
        count,
        perInput: grids.map((g, i) => ({
          name: basename(rasters[i].info.path),
          cells: g.cells.length,
          cellPixels: formatCellSize(g.resolved.cellSize),
        })),
        cells: rings,
        truncated: count > rings.length,
      };
    });
  },

  async estimate({ settings }: { settings: RunSettings }, { signal }: TaskContext): Promise<RunEstimate> {
    return withPlan(settings, signal, (plan) => estimatePlan(plan, settings));
  },

  async results({ csv, provenance }: { csv: string; provenance: Provenance }): Promise<ResultsLayer> {
    return resultsLayer(csv, provenance);
  },

  async cellValues({ csv, cellId }: { csv: string; cellId: string }): Promise<Omit<CellValues, 'cellId'> | null> {
    for await (const cell of readCsvCells(csv)) {
      if (cell.cellId !== cellId) continue;
      return {
        source: cell.source,
        row: cell.row,
        col: cell.col,
        validFraction: cell.validFraction,
        features: Array.from(cell.features, (v) => (Number.isNaN(v) ? null : v)),
      };
    }
    return null;
  },

  /** A whole run: the job, with its progress throttled. */
  async run({ spec }: { spec: FeaturizeJobSpec }, { signal, emit }: TaskContext): Promise<Pick<RunRecord, 'cells' | 'provenance'>> {
    let lastProgress = 0;
    let featurizing = false;
    const result = await runFeaturizeJob(spec, {
      signal,
      onProgress: (p) => {
        if (!featurizing) emit({ kind: 'featurizing' });
        featurizing = true;
        const now = Date.now();
        if (now - lastProgress < PROGRESS_MS && p.cellsDone < p.cellsTotal) return;
        lastProgress = now;
        const { cellsDone, cellsTotal, cellsPerSecond, elapsedSeconds, etaSeconds } = p;
        emit({ kind: 'progress', cellsDone, cellsTotal, cellsPerSecond, elapsedSeconds, etaSeconds });
      },
      notice: (message) => emit({ kind: 'notice', message }),
    });
    return { cells: result.cellsComputed + result.cellsSkipped, provenance: result.provenance };
  },

  ...modelTasks,
};

export type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskRequest<N extends TaskName> = Parameters<Tasks[N]>[0];
export type TaskResult<N extends TaskName> = Awaited<ReturnType<Tasks[N]>>;

async function withRaster<T>(path: string, work: (raster: Raster) => T | Promise<T>): Promise<T> {
  const raster = await openRaster(path);
  try {
    return await work(raster);
  } finally {
    await raster.close();
  }
}

/** Plans the run as the job will (engine/jobs/plan.ts), for the preview and the estimate; stops between steps once cancelled. */
async function withPlan<T>(settings: RunSettings, signal: AbortSignal, work: (plan: RunPlan) => Promise<T>): Promise<T> {
  const plan = await planRun(settings, signal);
  try {
    throwIfCancelled(signal);
    return await work(plan);
  } finally {
    await plan.close();
  }
}

function polygonsLonLat(aoi: Aoi): [number, number][][][] {
  const wgs84 = crsFromEpsg(4326)!;
  const toLonLat = sameCrs(aoi.crs, wgs84) ? (x: number, y: number): [number, number] => [x, y] : makeTransformer(aoi.crs, wgs84);
  if (!toLonLat) throw new UserError(`${basename(aoi.source)}: its CRS cannot be transformed to WGS84`);
  return aoi.polygons.map((polygon) => polygon.map((ring) => ring.map(([x, y]) => toLonLat(x, y))));
}

/** A cell's outline in WGS84 for the preview (as the results layer and footprints transform it), or null without a CRS. */
function outlineOf(raster: Raster): (cell: Cell) => [number, number][] | null {
  const info = raster.info;
  const toLonLat = makeLonLatTransformer(info.crs);
  return (cell) => (toLonLat ? rectRing(info.transform, cell).map(([x, y]) => toLonLat(x, y)) : null);
}

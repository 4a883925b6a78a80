/**
 * The featurizer service: the engine behind the contract's service calls.
 * It has no Electron imports, so the same code runs in Electron's utility
 * process (service/main.ts), in the end-to-end tests and in unit tests.
 *
 * Runs execute here, one AbortController each: `cancelRun` aborts, and the
 * engine stops within one strip of cells. Previews and estimates stop between
 * their steps when their call's signal aborts (a newer request superseded them).
 */
import { copyFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatCellSize, type Cell } from '../../shared/grid/cells.js';
import { rectRing } from '../../shared/geo/affine.js';
import { CancelledError, fileProblem, UserError } from '../../shared/errors/index.js';
import type { EventPayload, RunRecord, RunSettings, ServiceEventName, ServiceHandlers } from '../../shared/ipc/contract.js';
import { drawnAreaGeoJson, readAoi, type Aoi } from '../engine/aoi/index.js';
import { crsFromEpsg, makeLonLatTransformer, makeTransformer, sameCrs } from '../engine/crs/index.js';
import { footprintLonLat, openRaster, rasterInfoJson, RasterError, readPreview, type Raster } from '../engine/raster/index.js';
import { runFeaturizeJob, type FeaturizeJobSpec } from '../engine/jobs/featurize-job.js';
import { planRun, type RunPlan } from '../engine/jobs/plan.js';
import { estimatePlan } from '../engine/jobs/estimate.js';
import { resultsLayer } from '../engine/jobs/results-layer.js';
import type { Provenance } from '../../shared/provenance/index.js';
import { readCsvCells, readCsvProvenance } from '../engine/export/read-csv.js';
import { pathExists } from '../engine/export/output.js';
import { RunStore } from './runs.js';

export interface ServiceOptions {
  /** Where runs are kept (Electron: the user data folder). */
  dataDir: string;
  /** Delivers events to the renderer. */
  emit<E extends ServiceEventName>(event: E, payload: EventPayload<E>): void;
}

/** Progress events at most this often. */
const PROGRESS_MS = 100;

export interface Service {
  handlers: ServiceHandlers;
  /** Cancels running jobs and waits for them to end. */
  close(): Promise<void>;
}

export function createService(options: ServiceOptions): Service {
  const store = new RunStore(options.dataDir);
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let lastStarted = 0;

  const handlers: ServiceHandlers = {
    async inspect({ path }) {
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

    async preview({ path, bands, maxSize }, signal) {
      return withRaster(path, async (raster) => {
        stopIfCancelled(signal);
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

    async readArea({ path, layer }) {
      const aoi = await readAoi(path, layer);
      return { name: aoi.layer ?? basename(path), polygons: polygonsLonLat(aoi) };
    },

    async gridPreview({ settings, limit }, signal) {
      return withPlan(settings, signal, async ({ rasters, grids }) => {
        const rings: [number, number][][] = [];
        let count = 0;
        grids.forEach((g, i) => {
          stopIfCancelled(signal);
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

    async estimate({ settings }, signal) {
      return withPlan(settings, signal, (plan) => estimatePlan(plan, settings));
    },

    async startRun({ settings }) {
      const id = await store.create();
      // Strictly increasing start times, so the history orders runs started within one millisecond too.
      lastStarted = Math.max(Date.now(), lastStarted + 1);
      const record: RunRecord = {
        id,
        settings,
        state: 'running',
        started: new Date(lastStarted).toISOString(),
        ended: null,
        message: null,
        cells: 0,
        provenance: null,
      };
      await store.save(record);
      const controller = new AbortController();
      const done = execute(record, controller.signal).finally(() => running.delete(id));
      running.set(id, { controller, done });
      return { runId: id };
    },

    async cancelRun({ runId }) {
      const job = running.get(runId);
      if (!job) return { cancelled: false };
      job.controller.abort();
      await job.done;
      return { cancelled: true };
    },

    async history() {
      // A run still 'running' on disk that this service is not running was cut off (the app quit or crashed): say so, once.
      const runs = await store.list();
      return {
        runs: await Promise.all(
          runs.map(async (r) => {
            if (r.state !== 'running' || running.has(r.id)) return r;
            const failed: RunRecord = {
              ...r,
              state: 'failed',
              message: 'interrupted: the app stopped during the run; its unfinished output was kept, not presented as finished',
            };
            await store.save(failed).catch(() => {});
            return failed;
          }),
        ),
      };
    },

    async results({ runId }) {
      const { csv, provenance } = await finishedRun(runId);
      return { runId, ...(await resultsLayer(csv, provenance)) };
    },

    async cellValues({ runId, cellId }) {
      const { csv } = await finishedRun(runId);
      for await (const cell of readCsvCells(csv)) {
        if (cell.cellId !== cellId) continue;
        return {
          cellId,
          source: cell.source,
          row: cell.row,
          col: cell.col,
          validFraction: cell.validFraction,
          features: Array.from(cell.features, (v) => (Number.isNaN(v) ? null : v)),
        };
      }
      throw new UserError(`run ${runId} has no cell ${cellId}`);
    },

    async exportRun({ runId, format, path }) {
      const record = await store.load(runId);
      if (record.state !== 'finished') throw new UserError(`run ${runId} is ${record.state}; only finished runs can be exported`);
      if (format === 'gpkg') {
        const gpkg = store.gpkgPath(runId);
        if (!(await pathExists(gpkg)))
          throw new UserError(
            'GeoPackage export needs all rasters of the run in one CRS (a layer has one); export this run to CSV instead',
          );
        await copyAtomic(gpkg, path);
      } else {
        // The provenance sidecar first, then the rows: a CSV without its sidecar is never presented as finished.
        await copyAtomic(`${store.csvPath(runId)}.json`, `${path}.json`);
        await copyAtomic(store.csvPath(runId), path);
      }
      return { path, bytes: (await stat(path)).size };
    },
  };

  /** Runs a job to its end, keeping the record and the renderer up to date. */
  async function execute(record: RunRecord, signal: AbortSignal): Promise<void> {
    const id = record.id;
    let lastProgress = 0;
    try {
      const settings = record.settings;
      // A drawn area is also kept as a file, so the run's equivalent command (`--aoi area.geojson`) works as shown.
      if (settings.area?.kind === 'drawn') await writeFile(join(store.dir(id), 'area.geojson'), drawnAreaGeoJson(settings.area.polygons));
      // Every run gets a fresh folder; a re-run is a new run.
      const spec: FeaturizeJobSpec = {
        ...settings,
        out: store.csvPath(id),
        gpkgIfOneCrs: store.gpkgPath(id),
        resume: false,
        overwrite: true,
      };
      const result = await runFeaturizeJob(spec, {
        signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_MS && p.cellsDone < p.cellsTotal) return;
          lastProgress = now;
          options.emit('progress', {
            runId: id,
            cellsDone: p.cellsDone,
            cellsTotal: p.cellsTotal,
            cellsPerSecond: p.cellsPerSecond,
            elapsedSeconds: p.elapsedSeconds,
            etaSeconds: p.etaSeconds,
          });
        },
        notice: (message) => options.emit('notice', { runId: id, message }),
      });
      await end({ ...record, state: 'finished', cells: result.cellsComputed + result.cellsSkipped, provenance: result.provenance });
    } catch (error) {
      if (signal.aborted)
        await end({
          ...record,
          state: 'cancelled',
          message: 'stopped by the user; the unfinished output was kept, not presented as finished',
        });
      else await end({ ...record, state: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  async function end(record: RunRecord): Promise<void> {
    const ended = { ...record, ended: new Date().toISOString() };
    await store.save(ended);
    options.emit('ended', ended);
  }

  async function finishedRun(runId: string): Promise<{ csv: string; provenance: Provenance }> {
    const record = await store.load(runId);
    if (record.state !== 'finished') throw new UserError(`run ${runId} is ${record.state}; it has no results`);
    const csv = store.csvPath(runId);
    return { csv, provenance: await readCsvProvenance(csv) };
  }

  return {
    handlers,
    async close() {
      for (const job of running.values()) job.controller.abort();
      await Promise.all([...running.values()].map((job) => job.done));
    },
  };
}

/** Ends a cancelled (superseded) call between its steps. */
function stopIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

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
    stopIfCancelled(signal);
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

async function copyAtomic(from: string, to: string): Promise<void> {
  const partial = `${to}.partial`;
  try {
    await copyFile(from, partial);
    await rename(partial, to);
  } catch (e) {
    await rm(partial, { force: true });
    throw new UserError(`cannot write ${to}: ${fileProblem((e as NodeJS.ErrnoException).code) ?? (e as Error).message}`, { path: to });
  }
}

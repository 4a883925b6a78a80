/**
 * What a run will do, before it does it: the rasters, the bands, the shape of
 * the filter bank, the area and each raster's grid of cells. The job, the
 * app's grid preview and its estimate all start here, so they agree by
 * construction. Its budgets (cells, pixels, peak memory: LIMITS) are checked
 * here, from the rasters' headers, before any pixel is read.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { counted, throwIfCancelled } from '../../../shared/errors/index.js';
import {
  cellAt,
  cellPixels,
  formatCellSize,
  gridCells,
  gridShape,
  indexedCells,
  makeGrid,
  parseCellSize,
  type Cell,
  type CellList,
  type CellSize,
  type EdgePolicy,
  type GridShape,
} from '../../../shared/grid/cells.js';
import { resolveCellSize, type ResolvedCellSize } from '../../../shared/grid/resolve.js';
import type { RunSettings } from '../../../shared/run/index.js';
import { areaAoi, selectCells, type Aoi } from '../aoi/index.js';
import { crsUnits } from '../crs/index.js';
import { openRaster, type Raster } from '../raster/index.js';
import { bandIndexes, type InputScaling } from '../rcf/input.js';
import { sourcePeakBytes } from '../rcf/featurize.js';
import { defaultThreads } from '../rcf/backends.js';
import { LIMITS, LimitError } from '../limits.js';
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
  /** The raster's grid; its cells are computed on demand. */
  shape: GridShape;
  /** The cells to featurize, in row-major order: the whole grid (computed as visited) or those overlapping the area. */
  cells: CellList;
}

/** Baseline of a process with the engine loaded: what a run needs before its own buffers. */
export const BASELINE_BYTES = 120 * 1024 * 1024;

export interface RunPlan {
  /** The input paths featurized, in order: the settings' inputs less any that name a file given before (duplicates). */
  inputs: string[];
  /** Inputs left out because they are the same file as an earlier one (the same path, a link to it, or a hard link). */
  duplicates: { path: string; sameAs: string }[];
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
  /** The peak memory the run is planned to take (at most LIMITS.runMemoryBytes). */
  memoryBytes: number;
  /** Closes the rasters (and any training rasters opened). */
  close(): Promise<void>;
}

/** Opens the inputs and lays out the run. The caller closes the plan. */
export async function planRun(settings: RunSettings, signal?: AbortSignal): Promise<RunPlan> {
  if (settings.inputs.length === 0) throw new JobError('no input rasters given');
  const cellSize = parseCellSize(settings.cellSize);
  const rasters: Raster[] = [];
  const close = () => Promise.all(rasters.map((r) => r.close().catch(() => {}))).then(() => {});
  const { inputs, duplicates } = await distinctInputs(settings.inputs);
  try {
    for (const path of inputs) {
      throwIfCancelled(signal);
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
    throwIfCancelled(signal);
    const aoi = settings.area ? await areaAoi(settings.area) : null;
    throwIfCancelled(signal);
    const grids = planGrids(rasters, cellSize, settings.edge, aoi, shape.kernel);
    const memoryBytes = planMemory(rasters, grids, shape, settings.threads ?? defaultThreads(), aoi !== null);
    return { inputs, duplicates, rasters, bandIndexes: bands, scaling, shape, bank, aoi, cellSize, grids, memoryBytes, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The inputs with each file once: a path that names the same file as an earlier one (the same path, a symlink to it
 * or a hard link: the same device and inode) is left out, so no cell is featurized, and no cell id written, twice.
 * A path that cannot be looked at is kept: opening it says what is wrong.
 */
export async function distinctInputs(paths: string[]): Promise<Pick<RunPlan, 'inputs' | 'duplicates'>> {
  const seen = new Map<string, string>();
  const inputs: string[] = [];
  const duplicates: RunPlan['duplicates'] = [];
  for (const path of paths) {
    const id = await stat(path).then(
      (s) => `${s.dev}:${s.ino}`,
      () => `path:${path}`,
    );
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, path);
      inputs.push(path);
    } else duplicates.push({ path, sameAs: first });
  }
  return { inputs, duplicates };
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
        throw new JobError(
          `${basename(r.info.path)}: training raster has ${counted(r.info.bands, 'band')}, so band ${bad + 1} cannot be used`,
        );
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
 * Refused before any work: no cell that holds a k×k window, or more cells or
 * pixels than one run may take (LIMITS.runCells, LIMITS.runPixels).
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
        `${basename(r.info.path)}: cells of ${pixelsText(formatCellSize(size))} are smaller than the ${kernel}×${kernel} kernel`,
        { path: r.info.path },
      );
    }
    const shape = gridShape(r.info.width, r.info.height, size, edge);
    return { resolved, shape, cells: aoi ? cellsInArea(shape, r, aoi) : gridCells(shape) };
  });
  if (aoi && grids.every((g) => g.cells.length === 0)) {
    throw new JobError(`${basename(aoi.source)}: the area does not overlap any cell of the input raster${rasters.length === 1 ? '' : 's'}`);
  }
  if (!grids.some((g) => holdsWindow(g, kernel, aoi === null))) {
    const r = rasters[0].info;
    const size = grids[0].resolved.cellSize;
    const more = rasters.length === 1 ? '' : `; nor do the other ${rasters.length - 1} rasters`;
    const why =
      size.kind === 'whole'
        ? `the raster (${r.width} × ${r.height} pixels) is smaller than the ${kernel}×${kernel} kernel`
        : `no cell of ${pixelsText(formatCellSize(size))} ${aoi ? 'in the area ' : ''}holds a ${kernel}×${kernel} window ` +
          `(the raster is ${r.width} × ${r.height} pixels)`;
    throw new JobError(`${basename(r.path)}: no cells: ${why}${more}`, { path: r.path });
  }
  checkRunSize(rasters, grids, aoi !== null);
  return grids;
}

/**
 * How many of a grid's cells to featurize are narrower or lower than the k×k kernel (partial edge cells kept by
 * `edge: keep`): they hold no window, so their features are empty. A whole grid's are counted from its shape.
 */
export function narrowCells(g: GridPlan, k: number, wholeGrid: boolean): number {
  const narrow = (c: Cell) => c.width < k || c.height < k;
  const { rows, cols } = g.shape;
  if (!wholeGrid) {
    let n = 0;
    for (const c of g.cells) if (narrow(c)) n++;
    return n;
  }
  if (rows === 0 || cols === 0) return 0;
  const lastCol = cellAt(g.shape, 0, cols - 1).width < k;
  const lastRow = cellAt(g.shape, rows - 1, 0).height < k;
  if (cellAt(g.shape, 0, 0).width < k || cellAt(g.shape, 0, 0).height < k) return rows * cols;
  return (lastCol ? rows : 0) + (lastRow ? cols : 0) - (lastCol && lastRow ? 1 : 0);
}

/** A cell size in pixels in words: "1 pixel", "256 pixels", "256x128 pixels". */
function pixelsText(size: string): string {
  return size === '1' ? '1 pixel' : `${size} pixels`;
}

/** True when some cell to featurize is at least k×k pixels. A whole grid's first cell is its largest. */
function holdsWindow(g: GridPlan, k: number, wholeGrid: boolean): boolean {
  const fits = (c: Cell) => c.width >= k && c.height >= k;
  if (g.cells.length === 0) return false;
  if (wholeGrid) return fits(cellAt(g.shape, 0, 0));
  for (const c of g.cells) if (fits(c)) return true;
  return false;
}

/** The run's cells and the pixels they cover against LIMITS.runCells and LIMITS.runPixels, naming the largest raster. */
function checkRunSize(rasters: Raster[], grids: GridPlan[], inArea: boolean): void {
  const pixels = grids.map((g) => {
    const { shape } = g;
    if (!inArea) {
      const { w, h } = cellPixels(shape.cellSize, shape.width, shape.height);
      return Math.min(shape.width, shape.cols * w) * Math.min(shape.height, shape.rows * h);
    }
    let n = 0;
    for (const c of g.cells) n += c.width * c.height;
    return n;
  });
  const cells = grids.reduce((n, g) => n + g.cells.length, 0);
  const total = pixels.reduce((a, b) => a + b, 0);
  const largest = rasters[pixels.indexOf(Math.max(...pixels))].info;
  const subject = { path: largest.path };
  const what = rasters.length === 1 ? '' : ` (with the other ${rasters.length - 1} rasters)`;
  const hint = inArea ? 'choose a smaller area' : 'choose an area to featurize a part of it';
  if (cells > LIMITS.runCells)
    throw new LimitError(subject, `asks to featurize ${cells} cells${what}`, `${LIMITS.runCells} cells; ${hint}`);
  if (total > LIMITS.runPixels) {
    const size = !inArea && rasters.length === 1 ? ` (${largest.width} × ${largest.height})` : '';
    throw new LimitError(
      subject,
      `asks to featurize ${total} pixels${size} in ${cells} cell${cells === 1 ? '' : 's'}${what}`,
      `${LIMITS.runPixels} pixels; ${hint}`,
    );
  }
}

/** Grids up to this many cells are selected cell by cell; larger ones through blocks of cells first. */
const AREA_DIRECT_CELLS = 2 ** 18;

/** Candidate cells looked at in one pass of a large grid's selection (held as objects while it runs). */
const AREA_PASS_CELLS = 2 ** 20;

/**
 * The cells of a grid that overlap the area, without holding the whole grid:
 * a grid of up to AREA_DIRECT_CELLS cells is selected directly; a larger one
 * first as blocks of B×B cells (at most AREA_DIRECT_CELLS of them), and then
 * cell by cell only in the blocks the area overlaps and their neighbours (a
 * cell that shares area with the area lies in a block that does; the
 * neighbours absorb the coarser densification of the blocks' pass). The
 * result is the same cells either way; large selections are held as indexes.
 * (`directCells` is there for tests to take the blocks' way on small grids.)
 */
export function cellsInArea(shape: GridShape, r: Raster, aoi: Aoi, directCells = AREA_DIRECT_CELLS): CellList {
  const { transform, crs, width, height } = r.info;
  const count = shape.rows * shape.cols;
  if (count <= directCells) return selectCells(makeGrid(width, height, shape.cellSize, shape.edge), transform, crs, aoi);
  const { w, h } = cellPixels(shape.cellSize, width, height);
  const b = Math.ceil(Math.sqrt(count / directCells));
  const blocks = makeGrid(width, height, { kind: 'pixels', size: w * b, sizeY: h * b }, 'keep');
  const hitBlocks = selectCells(blocks, transform, crs, aoi);
  // Per block row, the block columns to look in (the hits and their neighbours).
  const looked = new Map<number, Set<number>>();
  for (const block of hitBlocks) {
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        const row = block.row + dr;
        const col = block.col + dc;
        if (row < 0 || row >= blocks.rows || col < 0 || col >= blocks.cols) continue;
        if (!looked.has(row)) looked.set(row, new Set());
        looked.get(row)!.add(col);
      }
    }
  }
  const selected: number[] = [];
  let pass: Cell[] = [];
  const flush = () => {
    if (pass.length === 0) return;
    const part = { cellSize: shape.cellSize, edge: shape.edge, rows: shape.rows, cols: shape.cols, cells: pass };
    for (const c of selectCells(part, transform, crs, aoi)) selected.push(c.row * shape.cols + c.col);
    pass = [];
    if (selected.length > LIMITS.runCells) {
      throw new LimitError({ path: r.info.path }, `the area covers more than ${LIMITS.runCells} cells`, `${LIMITS.runCells} cells`);
    }
  };
  for (const blockRow of [...looked.keys()].sort((x, y) => x - y)) {
    const cols = [...looked.get(blockRow)!].sort((x, y) => x - y);
    for (let row = blockRow * b; row < Math.min(shape.rows, (blockRow + 1) * b); row++) {
      for (const blockCol of cols) {
        for (let col = blockCol * b; col < Math.min(shape.cols, (blockCol + 1) * b); col++) pass.push(cellAt(shape, row, col));
      }
      if (pass.length >= AREA_PASS_CELLS) flush();
    }
  }
  flush();
  return indexedCells(shape, Float64Array.from(selected));
}

/**
 * The run's planned peak memory: the process baseline, the filters, and the
 * largest source's pipeline (sources run one after another; see
 * sourcePeakBytes), plus the cells held for an area. Over
 * LIMITS.runMemoryBytes the run is refused, naming the raster that asks most.
 */
export function planMemory(
  rasters: Raster[],
  grids: GridPlan[],
  shape: { filters: number; channels: number; kernel: number },
  threads: number,
  inArea: boolean,
): number {
  const weights = shape.filters * shape.channels * shape.kernel * shape.kernel * 4 * 2;
  // An area's cells are held: as objects (small grids) or as indexes.
  const held = inArea ? grids.reduce((n, g) => n + (Array.isArray(g.cells) ? 64 : 8) * g.cells.length, 0) : 0;
  let peak = 0;
  let at = 0;
  let strip = { width: 0, height: 0 };
  grids.forEach((g, i) => {
    const source = sourcePeakBytes(g.shape.width, g.shape.height, g.shape.cellSize, shape, threads);
    if (source.bytes > peak) [peak, at, strip] = [source.bytes, i, source.strip];
  });
  const bytes = BASELINE_BYTES + weights + held + peak;
  if (bytes > LIMITS.runMemoryBytes) {
    const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
    const asks = `the run needs ${mib(bytes)} of memory (strips of ${shape.channels} × ${strip.width} × ${strip.height} pixels)`;
    throw new LimitError({ path: rasters[at].info.path }, asks, mib(LIMITS.runMemoryBytes));
  }
  return bytes;
}

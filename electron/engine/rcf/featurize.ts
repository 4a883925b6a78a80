/**
 * The featurizer pipeline: rasters → cells → kernel → one vector per cell.
 *
 * Rasters are read a strip at a time (one grid row of cells, or for `whole`
 * cells a band of rows with k−1 rows of overlap), so memory is bounded by the
 * strip, never the raster. While the kernel computes one strip on the thread
 * pool, the next strip is decoded on the JavaScript thread.
 * Cells come out in grid order, whatever the threads do, so runs are repeatable.
 */
import { extractCell, type FilterBank } from '../../../shared/rcf/features.js';
import { meanFeatures, type CellImage, type NodataPolicy } from '../../../shared/rcf/cell-sums.js';
import { halfBiases, type Convention } from '../../../shared/rcf/conventions.js';
import { makeGrid, type Cell, type CellSize, type Grid } from '../../../shared/grid/cells.js';
import { pixelToMap, rectRing } from '../../../shared/geo/affine.js';
import type { Raster } from '../raster/index.js';
import { makeLonLatTransformer } from '../crs/index.js';
import { bindKernel, type BackendChoice, type BoundKernel } from './backends.js';
import { bandScaling, type InputScaling, type PixelRect } from './input.js';

/** Output rows per strip for `whole` cells: bounds memory on big rasters. */
export const WHOLE_STRIP_ROWS = 256;

export interface FeaturizeSettings {
  /** 0-based indexes of the bands read from every input (people's band 1 is index 0). */
  bandIndexes: number[];
  scaling: InputScaling;
  cellSize: CellSize;
  nodata: NodataPolicy;
  convention: Convention;
  bias: number;
  backend: BackendChoice;
  threads: number;
}

/** One input: an open raster, the name its cells carry in the `source` column, and which cells to featurize. */
export interface FeaturizeSource {
  raster: Raster;
  name: string;
  /** The cells to featurize, in row-major order (e.g. those inside an area); all of the grid's when absent. */
  cells?: Cell[];
}

export interface CellResult {
  cellId: string;
  source: string;
  row: number;
  col: number;
  /** Cell centre in the raster's CRS. */
  x: number;
  y: number;
  /** Cell centre in WGS84, NaN when the raster has no CRS. */
  lon: number;
  lat: number;
  validFraction: number;
  /** [pos means…, neg means…], NaN when no window is valid. */
  features: Float64Array;
  /** The cell's outline in the raster's CRS: a closed ring of 5 [x, y] corners (top-left first, clockwise in pixel space). */
  ring: [number, number][];
}

export interface Progress {
  cellsDone: number;
  cellsTotal: number;
  /** Cells found already done (resume) and not recomputed. */
  cellsSkipped: number;
  elapsedSeconds: number;
  cellsPerSecond: number;
  etaSeconds: number | null;
}

export interface FeaturizeHooks {
  signal?: AbortSignal;
  /** Cells already written by an earlier run; they are not recomputed. */
  isDone?: (cellId: string) => boolean;
  /** Receives every computed cell in grid order; awaited, so it may write to disk. */
  onCell: (cell: CellResult) => void | Promise<void>;
  /** The kernel the cells are computed on, once bound and before any cell (a resumed output checks it is the one it used). */
  onKernel?: (kernel: { backend: string; device: string }) => void | Promise<void>;
  onProgress?: (progress: Progress) => void;
  /** One-line notices for the user (fallbacks and the like). */
  notice?: (message: string) => void;
}

export interface FeaturizeSummary {
  cellsComputed: number;
  cellsSkipped: number;
  backend: string;
  device: string;
  threads: number;
}

export function cellId(source: string, row: number, col: number): string {
  return `${source}:r${row}c${col}`;
}

/** The grid each source is featurized on. */
export function sourceGrid(raster: Raster, cellSize: CellSize): Grid {
  return makeGrid(raster.info.width, raster.info.height, cellSize);
}

/** A piece of a cell inside a strip: its pixels and the output rows to run. */
interface Piece {
  cellIndex: number;
  rect: PixelRect; // relative to the strip
  last: boolean; // the cell is complete after this piece
}

interface Strip {
  rect: PixelRect;
  pieces: Piece[];
}

/** Accumulated sums of one cell across its pieces. */
interface CellSums {
  pos: Float64Array;
  neg: Float64Array;
  validWindows: number;
  totalWindows: number;
  poisoned: boolean; // propagate policy saw nodata
}

/**
 * Featurizes the cells of every source with the chosen backend. Cells reach
 * `hooks.onCell` in grid order; cells `hooks.isDone` reports are skipped.
 */
export async function featurize(
  sources: FeaturizeSource[],
  bank: FilterBank,
  settings: FeaturizeSettings,
  hooks: FeaturizeHooks,
): Promise<FeaturizeSummary> {
  const { biasPos, biasNeg } = halfBiases(settings.convention, settings.bias, bank.filters);
  if (settings.bandIndexes.length !== bank.channels) {
    throw new Error(
      `the filters expect ${bank.channels} band${bank.channels === 1 ? '' : 's'} but ${settings.bandIndexes.length} ${settings.bandIndexes.length === 1 ? 'is' : 'are'} selected`,
    );
  }
  if (settings.cellSize.kind === 'pixels' && settings.cellSize.size < bank.kernel) {
    throw new Error(
      `cells of ${settings.cellSize.size}×${settings.cellSize.size} pixels are smaller than the ${bank.kernel}×${bank.kernel} kernel`,
    );
  }
  const kernel = await bindKernel(bank, biasPos, biasNeg, settings.backend, settings.threads, hooks.notice);
  try {
    await hooks.onKernel?.(kernel);
    return await featurizeWith(kernel, sources, bank, settings, hooks);
  } finally {
    await kernel.close();
  }
}

/** The pipeline once a kernel is bound. */
async function featurizeWith(
  kernel: BoundKernel,
  sources: FeaturizeSource[],
  bank: FilterBank,
  settings: FeaturizeSettings,
  hooks: FeaturizeHooks,
): Promise<FeaturizeSummary> {
  const cellLists = sources.map((s) => s.cells ?? sourceGrid(s.raster, settings.cellSize).cells);
  const cellsTotal = cellLists.reduce((n, cells) => n + cells.length, 0);
  const started = performance.now();
  const buffers = new BufferPool();
  let cellsDone = 0;
  let cellsSkipped = 0;
  const report = () => {
    if (!hooks.onProgress) return;
    const elapsedSeconds = (performance.now() - started) / 1000;
    const cellsPerSecond = elapsedSeconds > 0 ? (cellsDone - cellsSkipped) / elapsedSeconds : 0;
    const left = cellsTotal - cellsDone;
    hooks.onProgress({
      cellsDone,
      cellsTotal,
      cellsSkipped,
      elapsedSeconds,
      cellsPerSecond,
      etaSeconds: cellsPerSecond > 0 ? left / cellsPerSecond : null,
    });
  };
  report();

  for (let s = 0; s < sources.length; s++) {
    const { raster, name } = sources[s];
    const cells = cellLists[s];
    const toLonLat = makeLonLatTransformer(raster.info.crs);
    const scaling = bandScaling(raster, settings.bandIndexes, settings.scaling);
    const todo = cells.map((c) => !hooks.isDone?.(cellId(name, c.row, c.col)));
    const skipped = todo.filter((t) => !t).length;
    cellsSkipped += skipped;
    cellsDone += skipped;
    const strips = planStrips(cells, settings.cellSize.kind === 'whole', bank.kernel, todo);
    const sums = new Map<number, CellSums>();
    let next = strips.length > 0 ? readStrip(raster, strips[0], settings.bandIndexes, buffers) : null;
    // A run cancelled before its first strip is awaited must not leave that read's failure unhandled.
    next?.catch(() => {}); // surfaced when awaited
    for (let i = 0; i < strips.length; i++) {
      hooks.signal?.throwIfAborted();
      const image = await next!;
      // Decode the next strip while this one computes.
      next = i + 1 < strips.length ? readStrip(raster, strips[i + 1], settings.bandIndexes, buffers) : null;
      next?.catch(() => {}); // surfaced when awaited
      await computeStrip(strips[i], image, cells, kernel, bank, settings.nodata, scaling, sums, buffers, hooks.signal);
      buffers.give(image.data);
      for (const piece of strips[i].pieces) {
        if (!piece.last) continue;
        const cell = cells[piece.cellIndex];
        const acc = sums.get(piece.cellIndex)!;
        sums.delete(piece.cellIndex);
        await hooks.onCell(cellResult(name, cell, raster, toLonLat, acc));
        cellsDone++;
      }
      report();
    }
  }
  return { cellsComputed: cellsDone - cellsSkipped, cellsSkipped, backend: kernel.backend, device: kernel.device, threads: kernel.threads };
}

function cellResult(
  source: string,
  cell: Cell,
  raster: Raster,
  toLonLat: ((x: number, y: number) => [number, number]) | null,
  acc: CellSums,
): CellResult {
  const [x, y] = pixelToMap(raster.info.transform, cell.x0 + cell.width / 2, cell.y0 + cell.height / 2);
  const [lon, lat] = toLonLat ? toLonLat(x, y) : [NaN, NaN];
  const usable = acc.poisoned ? 0 : acc.validWindows;
  const ring = rectRing(raster.info.transform, cell);
  return {
    cellId: cellId(source, cell.row, cell.col),
    source,
    row: cell.row,
    col: cell.col,
    x,
    y,
    lon,
    lat,
    validFraction: acc.totalWindows === 0 ? 0 : acc.validWindows / acc.totalWindows,
    features: meanFeatures(acc.pos, acc.neg, usable),
    ring,
  };
}

/**
 * Splits cells (row-major) into strips of work, leaving out cells that are done:
 * one strip per grid row of cells, or for a `whole` cell, bands of rows that
 * overlap by k−1.
 */
function planStrips(cells: Cell[], whole: boolean, k: number, todo: boolean[]): Strip[] {
  const strips: Strip[] = [];
  if (whole) {
    if (cells.length === 0 || !todo[0]) return strips;
    const cell = cells[0];
    const outRows = cell.height - k + 1;
    for (let r = 0; r < outRows; r += WHOLE_STRIP_ROWS) {
      const rows = Math.min(WHOLE_STRIP_ROWS, outRows - r);
      const rect = { x0: 0, y0: r, width: cell.width, height: rows + k - 1 };
      strips.push({
        rect,
        pieces: [{ cellIndex: 0, rect: { x0: 0, y0: 0, width: cell.width, height: rows + k - 1 }, last: r + rows >= outRows }],
      });
    }
    return strips;
  }
  let i = 0;
  while (i < cells.length) {
    // The cells of one grid row share their top edge and height.
    const indices: number[] = [];
    const row = cells[i].row;
    for (; i < cells.length && cells[i].row === row; i++) if (todo[i]) indices.push(i);
    if (indices.length === 0) continue;
    const x0 = Math.min(...indices.map((j) => cells[j].x0));
    const x1 = Math.max(...indices.map((j) => cells[j].x0 + cells[j].width));
    const { y0, height } = cells[indices[0]];
    const rect = { x0, y0, width: x1 - x0, height };
    strips.push({
      rect,
      pieces: indices.map((j) => ({
        cellIndex: j,
        rect: { x0: cells[j].x0 - x0, y0: 0, width: cells[j].width, height: cells[j].height },
        last: true,
      })),
    });
  }
  return strips;
}

/** A strip's raw pixels (nodata as NaN) into a reused buffer; scaling happens when cells are cut out. */
async function readStrip(raster: Raster, strip: Strip, bands: number[], buffers: BufferPool): Promise<CellImage> {
  const { x0, y0, width, height } = strip.rect;
  const data = await raster.readWindow(x0, y0, width, height, bands, buffers.take(bands.length * width * height));
  return { data, channels: bands.length, height, width };
}

/**
 * Recycled float32 buffers. Fresh memory is slow to touch the first time (page
 * faults; pathologically so in some VMs), and a run needs the same few sizes
 * over and over: strips, and cells in flight.
 */
class BufferPool {
  private readonly free: Float32Array[] = [];

  take(size: number): Float32Array {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0];
    return new Float32Array(size);
  }

  give(buffer: Float32Array): void {
    // A view handed back returns its whole underlying buffer.
    this.free.push(new Float32Array(buffer.buffer, 0, buffer.buffer.byteLength / 4));
  }
}

interface WorkItem {
  piece: Piece;
  image: CellImage;
  mask: Uint8Array | null;
  row0: number;
  row1: number;
  pos: Float64Array;
  neg: Float64Array;
}

/**
 * Runs a strip's cells through the kernel. Cells are cut out and prepared on
 * this thread while earlier ones compute, with at most `threads` kernel calls
 * in flight; the sums are then reduced in a fixed order, so they do not depend
 * on thread timing.
 */
async function computeStrip(
  strip: Strip,
  stripImage: CellImage,
  cells: Cell[],
  kernel: BoundKernel,
  bank: FilterBank,
  policy: NodataPolicy,
  scaling: { scales: number[]; offsets: number[] },
  sums: Map<number, CellSums>,
  buffers: BufferPool,
  signal: AbortSignal | undefined,
): Promise<void> {
  const k = bank.kernel;
  const items: WorkItem[] = [];
  const inFlight = new Set<Promise<void>>();
  // Few pieces (whole cells, narrow AOIs): split rows so every thread has work.
  const splits = Math.max(1, Math.ceil((2 * kernel.threads) / strip.pieces.length));
  for (const piece of strip.pieces) {
    signal?.throwIfAborted();
    let acc = sums.get(piece.cellIndex);
    if (!acc) {
      const cell = cells[piece.cellIndex];
      const totalWindows = Math.max(0, cell.width - k + 1) * Math.max(0, cell.height - k + 1);
      acc = { pos: new Float64Array(bank.filters), neg: new Float64Array(bank.filters), validWindows: 0, totalWindows, poisoned: false };
      sums.set(piece.cellIndex, acc);
    }
    const { width, height } = piece.rect;
    const prepared = extractCell(stripImage, piece.rect, scaling.scales, scaling.offsets, k, buffers.take(bank.channels * width * height));
    acc.validWindows += prepared.validWindows;
    if (policy === 'propagate' && prepared.validFraction < 1) acc.poisoned = true;
    if (acc.poisoned || prepared.validWindows === 0) {
      buffers.give(prepared.image.data);
      continue;
    }
    const rows = prepared.outputRows;
    const step = Math.ceil(rows / Math.min(splits, rows));
    let pending = Math.ceil(rows / step);
    for (let r = 0; r < rows; r += step) {
      const item = {
        piece,
        image: prepared.image,
        mask: prepared.mask,
        row0: r,
        row1: Math.min(rows, r + step),
        pos: new Float64Array(bank.filters),
        neg: new Float64Array(bank.filters),
      };
      items.push(item);
      while (inFlight.size >= kernel.threads) await Promise.race(inFlight);
      const running: Promise<void> = kernel.run(item.image, item.mask, item.row0, item.row1, item.pos, item.neg).then(() => {
        inFlight.delete(running);
        if (--pending === 0) buffers.give(prepared.image.data);
      });
      inFlight.add(running);
    }
  }
  await Promise.all(inFlight);
  for (const item of items) {
    const acc = sums.get(item.piece.cellIndex)!;
    for (let f = 0; f < bank.filters; f++) {
      acc.pos[f] += item.pos[f];
      acc.neg[f] += item.neg[f];
    }
  }
}

/**
 * The featurizer pipeline: rasters → cells → kernel → one vector per cell.
 *
 * Rasters are read a strip at a time (one grid row of cells, or for `whole`
 * cells a band of rows with k−1 rows of overlap), so memory is bounded by the
 * strip, never the raster. While the kernel computes one strip on the thread
 * pool, the next strip is decoded on the JavaScript thread.
 * Cells come out in grid order, whatever the threads do, so runs are repeatable.
 */
import { prepareCell, type FilterBank } from '../../../shared/rcf/features.js';
import { meanFeatures, type CellImage, type NodataPolicy } from '../../../shared/rcf/cell-sums.js';
import { halfBiases, type Convention } from '../../../shared/rcf/conventions.js';
import { makeGrid, type Cell, type CellSize, type Grid } from '../../../shared/grid/cells.js';
import { pixelToMap } from '../../../shared/geo/affine.js';
import { makeLonLatTransformer, type Raster } from '../raster/index.js';
import { bindKernel, type BackendChoice, type BoundKernel } from './backends.js';
import { readBands, type InputScaling, type PixelRect } from './input.js';

/** Output rows per strip for `whole` cells: bounds memory on big rasters. */
const WHOLE_STRIP_ROWS = 256;

export interface FeaturizeSettings {
  /** 0-based bands read from every input. */
  bands: number[];
  scaling: InputScaling;
  cellSize: CellSize;
  nodata: NodataPolicy;
  convention: Convention;
  bias: number;
  backend: BackendChoice;
  threads: number;
}

/** One input: an open raster and the name its cells carry in the `source` column. */
export interface FeaturizeSource {
  raster: Raster;
  name: string;
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

export async function featurize(sources: FeaturizeSource[], bank: FilterBank, settings: FeaturizeSettings, hooks: FeaturizeHooks): Promise<FeaturizeSummary> {
  const { biasPos, biasNeg } = halfBiases(settings.convention, settings.bias, bank.filters);
  if (settings.bands.length !== bank.channels) {
    throw new Error(`the filters expect ${bank.channels} band${bank.channels === 1 ? '' : 's'} but ${settings.bands.length} ${settings.bands.length === 1 ? 'is' : 'are'} selected`);
  }
  const kernel = bindKernel(bank, biasPos, biasNeg, settings.backend, settings.threads, hooks.notice);
  const grids = sources.map((s) => sourceGrid(s.raster, settings.cellSize));
  const cellsTotal = grids.reduce((n, g) => n + g.cells.length, 0);
  const started = performance.now();
  let cellsDone = 0;
  let cellsSkipped = 0;
  const report = () => {
    if (!hooks.onProgress) return;
    const elapsedSeconds = (performance.now() - started) / 1000;
    const cellsPerSecond = elapsedSeconds > 0 ? (cellsDone - cellsSkipped) / elapsedSeconds : 0;
    const left = cellsTotal - cellsDone;
    hooks.onProgress({ cellsDone, cellsTotal, cellsSkipped, elapsedSeconds, cellsPerSecond, etaSeconds: cellsPerSecond > 0 ? left / cellsPerSecond : null });
  };
  report();

  for (let s = 0; s < sources.length; s++) {
    const { raster, name } = sources[s];
    const grid = grids[s];
    if (grid.cells.length > 0 && (grid.cells[0].width < bank.kernel || grid.cells[0].height < bank.kernel)) {
      throw new Error(`${name}: cells of ${grid.cells[0].width}×${grid.cells[0].height} pixels are smaller than the ${bank.kernel}×${bank.kernel} kernel`);
    }
    const toLonLat = makeLonLatTransformer(raster.info.crs);
    const todo = grid.cells.map((c) => !hooks.isDone?.(cellId(name, c.row, c.col)));
    const skipped = todo.filter((t) => !t).length;
    cellsSkipped += skipped;
    cellsDone += skipped;
    const strips = planStrips(grid, bank.kernel, todo);
    const sums = new Map<number, CellSums>();
    let next = strips.length > 0 ? readStrip(raster, strips[0], settings) : null;
    for (let i = 0; i < strips.length; i++) {
      hooks.signal?.throwIfAborted();
      const image = await next!;
      // Decode the next strip while this one computes.
      next = i + 1 < strips.length ? readStrip(raster, strips[i + 1], settings) : null;
      next?.catch(() => {}); // surfaced when awaited
      await computeStrip(strips[i], image, grid.cells, kernel, bank, settings.nodata, sums, hooks.signal);
      for (const piece of strips[i].pieces) {
        if (!piece.last) continue;
        const cell = grid.cells[piece.cellIndex];
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
  };
}

/** Splits a grid into strips of work, leaving out cells that are done. */
function planStrips(grid: Grid, k: number, todo: boolean[]): Strip[] {
  const strips: Strip[] = [];
  if (grid.cellSize.kind === 'whole') {
    const cell = grid.cells[0];
    if (!todo[0]) return strips;
    const outRows = cell.height - k + 1;
    for (let r = 0; r < outRows; r += WHOLE_STRIP_ROWS) {
      const rows = Math.min(WHOLE_STRIP_ROWS, outRows - r);
      const rect = { x0: 0, y0: r, width: cell.width, height: rows + k - 1 };
      strips.push({ rect, pieces: [{ cellIndex: 0, rect: { x0: 0, y0: 0, width: cell.width, height: rows + k - 1 }, last: r + rows >= outRows }] });
    }
    return strips;
  }
  for (let row = 0; row < grid.rows; row++) {
    const indices = Array.from({ length: grid.cols }, (_, col) => row * grid.cols + col).filter((i) => todo[i]);
    if (indices.length === 0) continue;
    const first = grid.cells[indices[0]];
    const last = grid.cells[indices[indices.length - 1]];
    const rect = { x0: first.x0, y0: first.y0, width: last.x0 + last.width - first.x0, height: first.height };
    strips.push({
      rect,
      pieces: indices.map((i) => {
        const c = grid.cells[i];
        return { cellIndex: i, rect: { x0: c.x0 - rect.x0, y0: 0, width: c.width, height: c.height }, last: true };
      }),
    });
  }
  return strips;
}

function readStrip(raster: Raster, strip: Strip, settings: FeaturizeSettings): Promise<CellImage> {
  return readBands(raster, strip.rect, settings.bands, settings.scaling);
}

/** Copies a piece's pixels out of its strip into its own [C, h, w] image. */
function cutPiece(strip: CellImage, rect: PixelRect): CellImage {
  if (rect.x0 === 0 && rect.y0 === 0 && rect.width === strip.width && rect.height === strip.height) return strip;
  const { channels } = strip;
  const data = new Float32Array(channels * rect.width * rect.height);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < rect.height; y++) {
      const from = c * strip.height * strip.width + (rect.y0 + y) * strip.width + rect.x0;
      data.set(strip.data.subarray(from, from + rect.width), (c * rect.height + y) * rect.width);
    }
  }
  return { data, channels, height: rect.height, width: rect.width };
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

async function computeStrip(
  strip: Strip,
  stripImage: CellImage,
  cells: Cell[],
  kernel: BoundKernel,
  bank: FilterBank,
  policy: NodataPolicy,
  sums: Map<number, CellSums>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const k = bank.kernel;
  const items: WorkItem[] = [];
  // Few pieces (whole cells, narrow AOIs): split rows so every thread has work.
  const splits = Math.max(1, Math.ceil((2 * kernel.threads) / strip.pieces.length));
  for (const piece of strip.pieces) {
    let acc = sums.get(piece.cellIndex);
    if (!acc) {
      const cell = cells[piece.cellIndex];
      acc = { pos: new Float64Array(bank.filters), neg: new Float64Array(bank.filters), validWindows: 0, totalWindows: (cell.width - k + 1) * (cell.height - k + 1), poisoned: false };
      sums.set(piece.cellIndex, acc);
    }
    const prepared = prepareCell(cutPiece(stripImage, piece.rect), k, 'mask');
    acc.validWindows += prepared.validWindows;
    if (policy === 'propagate' && prepared.validFraction < 1) acc.poisoned = true;
    if (acc.poisoned || prepared.validWindows === 0) continue;
    const rows = prepared.outputRows;
    const step = Math.ceil(rows / Math.min(splits, rows));
    for (let r = 0; r < rows; r += step) {
      items.push({ piece, image: prepared.image, mask: prepared.mask, row0: r, row1: Math.min(rows, r + step), pos: new Float64Array(bank.filters), neg: new Float64Array(bank.filters) });
    }
  }
  // A small pool: at most `threads` kernel calls in flight.
  let nextItem = 0;
  const worker = async () => {
    while (nextItem < items.length) {
      signal?.throwIfAborted();
      const item = items[nextItem++];
      await kernel.run(item.image, item.mask, item.row0, item.row1, item.pos, item.neg);
    }
  };
  await Promise.all(Array.from({ length: Math.min(kernel.threads, items.length) }, worker));
  // Reduce in item order, so the sums do not depend on thread timing.
  for (const item of items) {
    const acc = sums.get(item.piece.cellIndex)!;
    for (let f = 0; f < bank.filters; f++) {
      acc.pos[f] += item.pos[f];
      acc.neg[f] += item.neg[f];
    }
  }
}

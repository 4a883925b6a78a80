/**
 * The featurizer pipeline: rasters → cells → kernel → one vector per cell.
 *
 * Rasters are read a strip at a time (one grid row of cells, or for `whole`
 * cells a band of rows with k−1 rows of overlap), and a strip wider than
 * LIMITS.stripBytes allows is cut into column chunks (whole cells: with k−1
 * columns of overlap), so memory is bounded by the strip, never the raster.
 * The cells are iterated, never held: a grid is computed cell by cell.
 * While the kernel computes one strip on the thread pool, the next strip is
 * decoded on the JavaScript thread.
 * Cells come out in grid order, whatever the threads do, so runs are repeatable.
 */
import { extractCell, type FilterBank } from '../../../shared/rcf/features.js';
import { meanFeatures, type CellImage, type NodataPolicy } from '../../../shared/rcf/cell-sums.js';
import { halfBiases, type Convention } from '../../../shared/rcf/conventions.js';
import { cellPixels, gridCells, gridShape, type Cell, type CellList, type CellSize } from '../../../shared/grid/cells.js';
import { pixelToMap, rectRing } from '../../../shared/geo/affine.js';
import type { Raster } from '../raster/index.js';
import { makeLonLatTransformer } from '../crs/index.js';
import { bindKernel, type BackendChoice, type BoundKernel } from './backends.js';
import { bandScaling, type InputScaling, type PixelRect } from './input.js';
import { LIMITS } from '../limits.js';

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
  /** The float32 bytes one strip may hold before it is cut into column chunks; LIMITS.stripBytes by default. */
  stripBytes?: number;
}

/** One input: an open raster, the name its cells carry in the `source` column, and which cells to featurize. */
export interface FeaturizeSource {
  raster: Raster;
  name: string;
  /** The cells to featurize, in row-major order (e.g. those inside an area); all of the grid's when absent. */
  cells?: CellList;
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

/** The cells of the grid each source is featurized on, computed as they are visited. */
export function sourceCells(raster: Raster, cellSize: CellSize): CellList {
  return gridCells(gridShape(raster.info.width, raster.info.height, cellSize));
}

/** A piece of a cell inside a strip: its pixels and the output rows to run. */
interface Piece {
  cell: Cell;
  rect: PixelRect; // relative to the strip
  last: boolean; // the cell is complete after this piece
}

interface Strip {
  /** The pixels to read; null when no piece holds a whole k×k window (nothing to compute). */
  rect: PixelRect | null;
  pieces: Piece[];
}

/** Bytes of one prepared piece of w×h pixels: the scaled float32 copy, its nodata mask and window mask. */
function preparedBytes(channels: number, w: number, h: number): number {
  return (4 * channels + 8) * w * h;
}

/**
 * The peak bytes one source's pipeline holds (strips, cells prepared for the
 * kernel, their sums), from its size and cell size alone, as featurize lays it
 * out: two strips (one decoding while the other computes) and the blocks being
 * decoded into one, the prepared cells, and the sums of one strip's cells.
 * The weights and the process baseline come on top (the caller's).
 */
export function sourcePeakBytes(
  width: number,
  height: number,
  cellSize: CellSize,
  shape: { channels: number; kernel: number; filters: number },
  threads: number,
  stripBytes: number = LIMITS.stripBytes,
): { bytes: number; strip: { width: number; height: number } } {
  const { channels, kernel: k, filters } = shape;
  const whole = cellSize.kind === 'whole';
  // A cell never covers more than the raster (a partial cell kept at the edge is cut to it).
  const nominal = cellPixels(cellSize, width, height);
  const cw = Math.min(nominal.w, width);
  const ch = Math.min(nominal.h, height);
  const rows = whole ? Math.min(ch, WHOLE_STRIP_ROWS + k - 1) : ch;
  const cols = Math.min(whole ? cw : width, Math.max(whole ? k : cw, Math.floor(stripBytes / (4 * channels * rows))));
  const piece = whole ? preparedBytes(channels, cols, rows) : preparedBytes(channels, cw, ch);
  const piecesPerStrip = whole ? 1 : Math.max(1, Math.floor(cols / cw));
  const prepared = Math.max(piece, Math.min(Math.min(piecesPerStrip, threads + 1) * piece, LIMITS.cellsInFlightBytes));
  const sums = piecesPerStrip * filters * 2 * 8 * 2;
  return { bytes: 3 * 4 * channels * cols * rows + prepared + sums, strip: { width: cols, height: rows } };
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
    const selected = settings.bandIndexes.length;
    throw new Error(
      `the filters expect ${bank.channels} band${bank.channels === 1 ? '' : 's'} but ${selected} ${selected === 1 ? 'is' : 'are'} selected`,
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
  const cellLists = sources.map((s) => s.cells ?? sourceCells(s.raster, settings.cellSize));
  const stripPixels = Math.max(1, Math.floor((settings.stripBytes ?? LIMITS.stripBytes) / (4 * bank.channels)));
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
    const isDone = hooks.isDone;
    const todo = isDone ? (c: Cell) => !isDone(cellId(name, c.row, c.col)) : () => true;
    if (isDone) {
      // Counted first, so progress shows the resumed cells from the start; one pass, nothing held.
      let skipped = 0;
      for (const c of cells) if (!todo(c)) skipped++;
      cellsSkipped += skipped;
      cellsDone += skipped;
    }
    const strips = planStrips(cells, settings.cellSize.kind === 'whole', bank.kernel, todo, stripPixels);
    const sums = new Map<Cell, CellSums>();
    const read = (strip: IteratorResult<Strip>) => {
      if (strip.done) return null;
      const pending = readStrip(raster, strip.value, settings.bandIndexes, buffers);
      // A run cancelled before this read is awaited must not leave its failure unhandled.
      pending.catch(() => {}); // surfaced when awaited
      return { strip: strip.value, pending };
    };
    let next = read(strips.next());
    while (next) {
      hooks.signal?.throwIfAborted();
      const { strip, pending } = next;
      const image = await pending;
      // Decode the next strip while this one computes.
      next = read(strips.next());
      await computeStrip(strip, image, kernel, bank, settings.nodata, scaling, sums, buffers, hooks.signal);
      if (image) buffers.give(image.data);
      for (const piece of strip.pieces) {
        if (!piece.last) continue;
        const acc = sums.get(piece.cell)!;
        sums.delete(piece.cell);
        await hooks.onCell(cellResult(name, piece.cell, raster, toLonLat, acc));
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
 * overlap by k−1. A strip is at most `maxPixels` pixels (per band) where it can
 * be: a row of cells is cut between cells into column chunks, and a whole
 * cell's band into chunks that overlap by k−1 columns. Strips are made as they
 * are needed, so a huge grid costs one strip at a time.
 */
function* planStrips(cells: Iterable<Cell>, whole: boolean, k: number, todo: (cell: Cell) => boolean, maxPixels: number): Generator<Strip> {
  if (whole) {
    for (const cell of cells) if (todo(cell)) yield* wholeStrips(cell, k, maxPixels);
    return;
  }
  let chunk: Cell[] = [];
  for (const cell of cells) {
    if (!todo(cell)) continue;
    // The cells of one grid row share their top edge and height.
    const first = chunk[0];
    if (first && (cell.row !== first.row || (cell.x0 + cell.width - first.x0) * first.height > maxPixels)) {
      yield rowStrip(chunk, k);
      chunk = [];
    }
    chunk.push(cell);
  }
  if (chunk.length > 0) yield rowStrip(chunk, k);
}

/** The strip of consecutive cells of one grid row. */
function rowStrip(cells: Cell[], k: number): Strip {
  const x0 = cells[0].x0;
  const last = cells[cells.length - 1];
  const { y0, height } = cells[0];
  const pieces = cells.map((cell) => ({ cell, rect: { x0: cell.x0 - x0, y0: 0, width: cell.width, height: cell.height }, last: true }));
  const rect = { x0, y0, width: last.x0 + last.width - x0, height };
  return { rect: pieces.some((p) => holdsWindow(p.rect, k)) ? rect : null, pieces };
}

/** A `whole` cell's strips: bands of WHOLE_STRIP_ROWS output rows, each in column chunks of at most `maxPixels`. */
function* wholeStrips(cell: Cell, k: number, maxPixels: number): Generator<Strip> {
  const outRows = cell.height - k + 1;
  const outCols = cell.width - k + 1;
  if (outRows < 1 || outCols < 1) {
    // No window fits: the cell's (empty) features need no pixels.
    yield { rect: null, pieces: [{ cell, rect: { x0: 0, y0: 0, width: cell.width, height: cell.height }, last: true }] };
    return;
  }
  for (let r = 0; r < outRows; r += WHOLE_STRIP_ROWS) {
    const rows = Math.min(WHOLE_STRIP_ROWS, outRows - r);
    const height = rows + k - 1;
    // At least one output column per chunk; the whole width when it fits.
    const perChunk = Math.max(1, Math.floor(maxPixels / height) - k + 1);
    for (let c = 0; c < outCols; c += perChunk) {
      const cols = Math.min(perChunk, outCols - c);
      const width = perChunk >= outCols ? cell.width : cols + k - 1;
      yield {
        rect: { x0: cell.x0 + c, y0: cell.y0 + r, width, height },
        pieces: [{ cell, rect: { x0: 0, y0: 0, width, height }, last: r + rows >= outRows && c + cols >= outCols }],
      };
    }
  }
}

function holdsWindow(rect: { width: number; height: number }, k: number): boolean {
  return rect.width >= k && rect.height >= k;
}

/** A strip's raw pixels (nodata as NaN) into a reused buffer; scaling happens when cells are cut out. */
async function readStrip(raster: Raster, strip: Strip, bands: number[], buffers: BufferPool): Promise<CellImage | null> {
  if (!strip.rect) return null;
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
 * on thread timing. Prepared cells wait for room under LIMITS.cellsInFlightBytes
 * (at least one is always in flight), which changes when they run, not what they sum.
 */
async function computeStrip(
  strip: Strip,
  stripImage: CellImage | null,
  kernel: BoundKernel,
  bank: FilterBank,
  policy: NodataPolicy,
  scaling: { scales: number[]; offsets: number[] },
  sums: Map<Cell, CellSums>,
  buffers: BufferPool,
  signal: AbortSignal | undefined,
): Promise<void> {
  const k = bank.kernel;
  const items: WorkItem[] = [];
  const inFlight = new Set<Promise<void>>();
  let heldBytes = 0; // prepared cells not yet released
  // Few pieces (whole cells, narrow AOIs): split rows so every thread has work.
  const splits = Math.max(1, Math.ceil((2 * kernel.threads) / strip.pieces.length));
  for (const piece of strip.pieces) {
    signal?.throwIfAborted();
    let acc = sums.get(piece.cell);
    if (!acc) {
      const { cell } = piece;
      const totalWindows = Math.max(0, cell.width - k + 1) * Math.max(0, cell.height - k + 1);
      acc = { pos: new Float64Array(bank.filters), neg: new Float64Array(bank.filters), validWindows: 0, totalWindows, poisoned: false };
      sums.set(piece.cell, acc);
    }
    // A piece without a whole window has nothing to sum (and its cell's features are empty).
    if (!stripImage || !holdsWindow(piece.rect, k)) continue;
    const { width, height } = piece.rect;
    const bytes = preparedBytes(bank.channels, width, height);
    while (heldBytes > 0 && heldBytes + bytes > LIMITS.cellsInFlightBytes) await Promise.race(inFlight);
    const prepared = extractCell(stripImage, piece.rect, scaling.scales, scaling.offsets, k, buffers.take(bank.channels * width * height));
    acc.validWindows += prepared.validWindows;
    if (policy === 'propagate' && prepared.validFraction < 1) acc.poisoned = true;
    if (acc.poisoned || prepared.validWindows === 0) {
      buffers.give(prepared.image.data);
      continue;
    }
    heldBytes += bytes;
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
        if (--pending > 0) return;
        buffers.give(prepared.image.data);
        heldBytes -= bytes;
      });
      inFlight.add(running);
    }
  }
  await Promise.all(inFlight);
  for (const item of items) {
    const acc = sums.get(item.piece.cell)!;
    for (let f = 0; f < bank.filters; f++) {
      acc.pos[f] += item.pos[f];
      acc.neg[f] += item.neg[f];
    }
  }
}

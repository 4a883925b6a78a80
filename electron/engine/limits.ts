/**
 * Every budget the engine checks before it allocates, decodes or loops, in one place.
 *
 * A limit is checked from an input's header (its declared size, counts and
 * dimensions) before any work, so a hostile or broken file costs a refusal,
 * not the machine's memory or minutes of CPU. The README's "Bad files" section
 * states these figures; tests/hostile runs every suite against them.
 */
import { UserError, fileLabel } from '../../shared/errors/index.js';

export const LIMITS = {
  /** The peak memory one run may plan for (blocks, strips, weights, pools, buffers), well under 1 GiB. */
  runMemoryBytes: 768 * 2 ** 20,
  /** Largest input file opened (rasters, and anything hashed for provenance): 256 GiB, beyond any scene or mosaic. */
  inputFileBytes: 256 * 2 ** 30,
  /** Most bytes one compressed strip or tile may decode to (in any IFD); bigger blocks are decompression bombs. */
  blockBytes: 128 * 2 ** 20,
  /** Most blocks (strips or tiles, × bands when planar) one image of a raster may have. */
  imageBlocks: 2 ** 20,
  /** An image with more than this many blocks must average at least `minBlockPixels` pixels per block. */
  smallBlockImages: 4096,
  /** The smallest average block (pixels) of an image with many blocks: 16×16, the TIFF minimum for tiles. */
  minBlockPixels: 256,
  /** Decoded blocks each raster image keeps for the next windows (a mask or tile row read by several strips); the last is always kept. */
  blockCacheBytes: 64 * 2 ** 20,
  /** The cells one run may featurize (each is an output row): 2^24. */
  runCells: 2 ** 24,
  /** The pixels one run's cells may cover, about 131072 × 131072: bounds the time before any work. */
  runPixels: 2 ** 34,
  /** The float32 pixels of one strip read at a time; wider rows of cells are read in column chunks. */
  stripBytes: 64 * 2 ** 20,
  /** Cells prepared for the kernel at once (copies with their masks); fewer run in parallel when cells are big. */
  cellsInFlightBytes: 192 * 2 ** 20,
  /** A `.npy` weights file, read whole and turned into float32 filters: both fit in the run budget. */
  weightsFileBytes: 384 * 2 ** 20,
  /** A GeoJSON area, parsed whole (a GeoPackage is read feature by feature instead). */
  areaFileBytes: 64 * 2 ** 20,
  /** The vertices of one area, all its polygons together, as read from its file. */
  areaVertices: 1_000_000,
  /** The features (rows) read from a GeoPackage area layer, those without a geometry included. */
  areaFeatures: 1_000_000,
  /** The pieces of an area's edges on one raster's grid, after densification (what cell selection walks). */
  areaEdgePieces: 2_000_000,
  /** The longest row of a features CSV read back (resume, results): far above any row rcf writes (~16 characters a feature). */
  csvRecordChars: 2 ** 26,
  /** The largest JSON file read back beside an output (a partial's record, a provenance sidecar). */
  sidecarBytes: 16 * 2 ** 20,
  /** The feature rows a logistic fit holds in float64 (L-BFGS reads them every iteration): 1 GiB, 32,768 rows at K = 4096. */
  logisticFeatureBytes: 2 ** 30,
  /** The rows (CSV records, features) of one label file, usable or not; their vertices count against `areaVertices`. */
  labelRows: 1_000_000,
  /** A CSV label file (streamed; its rows are held as points): far above a million rows of coordinates and a value. */
  labelCsvBytes: 256 * 2 ** 20,
  /** Distinct classes of a label file or a label raster (each cell keeps a count per class). */
  labelClasses: 1000,
  /** Polygon clipping for area weights: vertices clipped, summed over the cells each polygon's rows visit. */
  labelClipVertices: 2 ** 28,
  /** Pixels of a label or weight raster visited by one join (the part over the run's cells, or over the polygons). */
  labelRasterPixels: 2 ** 28,
  /** Feature rows a model reads from a feature file at once (training rows of a join, polygon means), as float64. */
  featureRowsBytes: 512 * 2 ** 20,
  /** A prediction GeoTIFF on the cell grid, uncompressed (one float32 per cell and band): well inside a classic TIFF's 4 GiB. */
  predictionRasterBytes: 2 * 2 ** 30,
  /** The largest manifest `rcf plan` writes and shards read whole (a line per raster: about 2 KiB each). */
  manifestBytes: 256 * 2 ** 20,
} as const;

export type LimitKey = keyof typeof LIMITS;

/**
 * An input asks for more than a limit allows: "scan.tif: asks for 1000000 × 1000000 pixels; the limit is 16777216".
 * `subject` is a file path (shown by its base name) or a plain noun for settings.
 */
export class LimitError extends UserError {
  override name = 'LimitError';
  constructor(subject: { path: string } | string, asks: string, limit: string) {
    const label = typeof subject === 'string' ? subject : fileLabel(subject.path);
    super(`${label}: ${asks}; the limit is ${limit}`, typeof subject === 'string' ? {} : { path: subject.path });
  }
}

/** A byte count for messages: "384 MiB", "1.5 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${Math.ceil(bytes / 2 ** 20)} MiB`;
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${bytes} bytes`;
}

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

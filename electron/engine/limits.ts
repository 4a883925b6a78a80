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
  /** The longest row of a features CSV read back (resume, results): far above any row rcf writes (~16 characters a feature). */
  csvRecordChars: 2 ** 26,
  /** The largest JSON file read back beside an output (a partial's record, a provenance sidecar). */
  sidecarBytes: 16 * 2 ** 20,
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

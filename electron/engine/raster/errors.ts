/**
 * The single error type of the raster module. Every failure — missing file,
 * not a TIFF, corrupt strips, geotiff.js/pako exceptions — is turned into a
 * RasterError whose message is one line, `<file name>: <what is wrong>`, so the
 * CLI and the app can show it to users as is (no stack traces).
 */
import { fileLabel, fileProblem, oneLine, UserError } from '../../../shared/errors/index.js';
import { LimitError } from '../limits.js';

/** Longest detail copied from a third-party error into a message. */
const MAX_DETAIL = 160;

export class RasterError extends UserError {
  override name = 'RasterError';
  /** The path the caller passed (the message shows only its base name). */
  declare readonly path: string;

  constructor(path: string, problem: string) {
    super(`${fileLabel(path)}: ${problem}`, { path });
  }
}

/** The message of anything thrown: geotiff.js throws Errors, pako throws plain strings. */
function detailOf(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.message;
  else if (typeof err === 'string') text = err;
  else text = String(err);
  text = oneLine(text);
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/**
 * Converts anything thrown while opening or reading `path` into a RasterError.
 * @param doing what was being done, e.g. "reading window 0,0 256x256"; it
 *   prefixes the problem so the user knows which step failed.
 */
export function toRasterError(path: string, err: unknown, doing?: string): RasterError | LimitError {
  if (err instanceof RasterError) return err;
  // A budget exceeded (limits.ts): its message names the file, what it asks for and the limit.
  if (err instanceof LimitError) return err;
  // The decode pool's time / memory limits: its message says all ("decoding tile 3,1 took longer than 10 s; ...").
  if (err instanceof Error && err.name === 'DecodeLimitError') return new RasterError(path, err.message);
  const prefix = doing ? `${doing}: ` : '';
  const problem = fileProblem((err as { code?: unknown } | null)?.code);
  if (problem) return new RasterError(path, problem);
  const detail = detailOf(err);
  if (/Unknown compression method identifier: *(\d+)/.test(detail)) {
    return new RasterError(path, `${prefix}unsupported compression (${detail})`);
  }
  if (/not supported|unsupported/i.test(detail)) {
    return new RasterError(path, `${prefix}unsupported TIFF feature (${detail})`);
  }
  // Everything else geotiff.js/pako/lerc report is a symptom of damaged bytes:
  // offsets past the end of the file, bad field types, broken compressed streams.
  return new RasterError(path, `${prefix}file is corrupt or truncated (${detail})`);
}

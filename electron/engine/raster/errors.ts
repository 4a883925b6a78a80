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

/** File signatures of raster formats GDAL reads that are not TIFF: named in the refusal, with the conversion to use. */
const OTHER_FORMATS: { name: string; signature: (head: Buffer) => boolean }[] = [
  { name: 'JPEG 2000', signature: (h) => h.subarray(0, 12).equals(Buffer.from('0000000c6a5020200d0a870a', 'hex')) },
  { name: 'JPEG 2000 codestream', signature: (h) => h.subarray(0, 4).equals(Buffer.from('ff4fff51', 'hex')) },
  { name: 'GDAL virtual raster (VRT)', signature: (h) => /^(\ufeff)?\s*<VRTDataset\b/.test(h.toString('utf8')) },
  { name: 'PNG', signature: (h) => h.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')) },
  { name: 'JPEG', signature: (h) => h.subarray(0, 3).equals(Buffer.from('ffd8ff', 'hex')) },
  { name: 'GIF', signature: (h) => /^GIF8[79]a/.test(h.toString('latin1')) },
  { name: 'HDF5 (or NetCDF-4)', signature: (h) => h.subarray(0, 8).equals(Buffer.from('894844460d0a1a0a', 'hex')) },
  { name: 'HDF4', signature: (h) => h.subarray(0, 4).equals(Buffer.from('0e031301', 'hex')) },
  { name: 'NetCDF', signature: (h) => h.toString('latin1', 0, 3) === 'CDF' && [1, 2, 5].includes(h[3]) },
  { name: 'GRIB', signature: (h) => h.toString('latin1', 0, 4) === 'GRIB' },
  { name: 'Erdas Imagine (.img)', signature: (h) => h.toString('latin1', 0, 15) === 'EHFA_HEADER_TAG' },
  { name: 'ZIP archive', signature: (h) => h.subarray(0, 4).equals(Buffer.from('504b0304', 'hex')) },
  { name: 'gzip-compressed', signature: (h) => h.subarray(0, 2).equals(Buffer.from('1f8b', 'hex')) },
];

/** The format of a file that is not a TIFF, from its first bytes (at least 16); null when it is not one rcf knows. */
export function otherFormat(head: Buffer): string | null {
  return OTHER_FORMATS.find((f) => f.signature(head))?.name ?? null;
}

/** The refusal of a raster in another format: what it is, and the GDAL command that converts it to a GeoTIFF. */
export function otherFormatError(path: string, format: string): RasterError {
  const stem = path.replace(/\.[^./\\]*$/, '');
  const out = /\.tiff?$/i.test(path) ? `${stem}_gtiff.tif` : `${stem}.tif`;
  const quote = (p: string) => (/^[\w./\\:+@%,=-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
  return new RasterError(
    path,
    `is a ${format} file, not a GeoTIFF; convert it first: gdal_translate -of GTiff ${quote(path)} ${quote(out)}`,
  );
}

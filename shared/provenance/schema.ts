/**
 * The provenance document: what a finished run records about itself. It is
 * written as the CSV sidecar `OUT.csv.json` and into a GeoPackage's
 * gpkg_metadata (both with the run's identity under `run`, which `--resume`
 * compares), and kept in the run store's record.json (without `run`). The
 * history, the results layer and `--resume` read it back through
 * `parseProvenance`.
 *
 * Versions: the first files had no `version` field; version 2 added it and
 * changed nothing else, so a document without one is read as version 2.
 * Keys are listed in the order they are written.
 */
import { z } from '../zod.js';
import { UserError, fileLabel } from '../errors/index.js';
import { CONVENTIONS } from '../rcf/conventions.js';
import { NODATA_POLICIES } from '../rcf/cell-sums.js';
import { EDGE_POLICIES } from '../grid/cells.js';

export const PROVENANCE_VERSION = 2;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex');
const count = z.number().int().nonnegative();
const timestamp = z.iso.datetime();

/** A raster's CRS as the engine reads it (electron/engine/raster/crs.ts CrsInfo); its keys come in more than one order. */
const Crs = z.strictObject({
  epsg: z.number().int().nullable(),
  proj4: z.string().nullable(),
  name: z.string().optional(),
  wkt: z.string().optional(),
  geographic: z.number().int().optional(),
});

const Input = z.strictObject({
  path: z.string(),
  /** The `source` column's value for this raster. */
  name: z.string(),
  sha256,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  dtype: z.string(),
  /** GDAL geotransform. */
  transform: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]),
  crs: Crs.nullable(),
  /** GDAL_NODATA: a number, 'nan', or null when absent; ±Infinity in memory, null once written as JSON. */
  nodata: z.union([z.number(), z.literal(Infinity), z.literal(-Infinity), z.literal('nan'), z.null()]),
  /** Per selected band, from GDAL_METADATA. */
  scales: z.array(z.number()),
  offsets: z.array(z.number()),
});

/** The area of interest as described by electron/engine/aoi/describe.ts. */
const Aoi = z.strictObject({
  file: z.string(),
  crs: z.string(),
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  polygons: count,
  layer: z.string().optional(),
  crs_name: z.string().optional(),
  sha256: sha256.optional(),
});

const Grid = z.strictObject({
  /** As asked: `N`, `WxH`, `1000m`, `0.01deg` or `whole`. */
  cell_size: z.string(),
  origin: z.literal('top-left pixel of each raster'),
  edge: z.enum(EDGE_POLICIES),
  per_input: z.array(
    z.strictObject({
      name: z.string(),
      /** The cell size each raster got, in its pixels: `N`, `WxH` or `whole`. */
      cell_pixels: z.string().regex(/^(whole|[1-9][0-9]*(x[1-9][0-9]*)?)$/, 'expected N, WxH or whole'),
      cell_map_size: z.strictObject({ x: z.number(), y: z.number(), unit: z.enum(['m', 'deg']) }).nullable(),
      cells: count,
    }),
  ),
  aoi: Aoi.nullable(),
});

/** What follows how the filters were made, whatever the mode. */
const rcfCommon = {
  convention: z.enum(CONVENTIONS),
  features: count,
  filters: count,
  channels: count,
  kernel: count,
  bias: z.number(),
  feature_order: z.literal('f0..f{F2-1} = mean relu(+), f{F2}..f{K-1} = mean relu(-)'),
  weights_sha256: sha256,
};

const Rcf = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('file'), weights_file: z.string(), ...rcfCommon }),
  z.strictObject({ mode: z.literal('gaussian'), seed: z.number(), generator: z.string(), ...rcfCommon }),
  z.strictObject({
    mode: z.literal('empirical'),
    seed: z.number(),
    patch_pool: count,
    train: z.array(z.string()),
    /** [train_index, y, x] of each filter's patch, in filter order. */
    patches: z.array(z.tuple([count, count, count])),
    patch_columns: z.tuple([z.literal('train_index'), z.literal('y'), z.literal('x')]),
    ...rcfCommon,
  }),
]);

/** Everything that determines the output (featurize-job's run key): `--resume` only continues an identical run. */
const RunKey = z.strictObject({
  inputs: z.array(z.strictObject({ name: z.string(), sha256 })),
  bands: z.array(z.number().int().positive()),
  scaling: z.strictObject({ scale: z.number(), offset: z.number(), useRasterScale: z.boolean() }),
  cell_size: z.string(),
  edge: z.enum(EDGE_POLICIES),
  aoi: z.strictObject({ sha256, layer: z.string().nullable() }).nullable(),
  nodata: z.enum(NODATA_POLICIES),
  convention: z.enum(CONVENTIONS),
  bias: z.number(),
  features: count,
  kernel: count,
  weights_sha256: sha256,
  /** The kernel the rows were computed on (values depend on it); absent in files written before it was recorded. */
  backend: z.strictObject({ name: z.string(), device: z.string() }).optional(),
});

const Fields = z
  .strictObject({
    version: z.literal(PROVENANCE_VERSION),
    app: z.strictObject({ name: z.literal('rcf-desktop'), version: z.string() }),
    started: timestamp,
    finished: timestamp,
    inputs: z.array(Input).min(1),
    /** 1-based. */
    bands: z.array(z.number().int().positive()).min(1),
    scaling: z.strictObject({
      scale: z.number(),
      offset: z.number(),
      raster_scale_offset: z.boolean(),
      formula: z.enum(['(raw*band_scale+band_offset)*scale+offset', 'raw*scale+offset']),
    }),
    grid: Grid,
    rcf: Rcf,
    nodata_policy: z.enum(NODATA_POLICIES),
    backend: z.strictObject({ name: z.string(), device: z.string(), threads: count }),
    cells: z.strictObject({ computed: count, resumed: count }),
    /** A merged run (`rcf merge`): the parts it was made of, in row order (`kept`: rows kept after `--dedupe`). */
    parts: z.array(z.strictObject({ id: z.string(), file: z.string(), rows: count, kept: count, sha256 })).optional(),
    /** The run's identity, in the files an output writes (not in record.json). */
    run: RunKey.optional(),
    /** What the output holds, for `--resume` to re-verify it: rows, and the CSV's size and SHA-256 or the GeoPackage rows' SHA-256. */
    output: z.strictObject({ rows: count, bytes: count.optional(), sha256 }).optional(),
  })
  .superRefine((p, ctx) => {
    // The results layer rebuilds each input's cells from its grid entry.
    if (p.grid.per_input.length !== p.inputs.length || p.grid.per_input.some((g, i) => g.name !== p.inputs[i].name)) {
      ctx.addIssue({ code: 'custom', path: ['grid', 'per_input'], message: 'expected one entry per input, in the same order' });
    }
  });

export type Provenance = z.output<typeof Fields>;

/**
 * A current (versioned) provenance document, passed through as it is: zod's own
 * copy would list every object's keys in schema order, and a CRS is built with
 * its keys in several orders, so a record saved again would change.
 */
export const Provenance = z.custom<Provenance>().superRefine((value, ctx) => {
  const result = Fields.safeParse(value);
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

/**
 * A provenance document read from `where` (a file, for the message): validated,
 * and upgraded when it is a first-version one (no `version`). Anything else is
 * refused with one line naming the file.
 */
export function parseProvenance(json: unknown, where: string): Provenance {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw refusal(where, 'not a JSON object');
  const version: unknown = (json as { version?: unknown }).version;
  if (typeof version === 'number' && version > PROVENANCE_VERSION) {
    throw refusal(where, `version ${version}, written by a newer RCF Desktop`);
  }
  const document = version === undefined ? { version: PROVENANCE_VERSION, ...json } : json;
  const result = Provenance.safeParse(document);
  if (!result.success) {
    const [first, ...more] = result.error.issues;
    const at = first.path.length > 0 ? `${issuePath(first.path)}: ` : '';
    throw refusal(where, `${at}${first.message}${more.length > 0 ? `; ${more.length} more problem${more.length === 1 ? '' : 's'}` : ''}`);
  }
  return result.data;
}

/** `parseProvenance` of a JSON text (a sidecar's, or a GeoPackage's metadata). */
export function parseProvenanceText(text: string, where: string): Provenance {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw refusal(where, `not JSON: ${(e as Error).message}`);
  }
  return parseProvenance(json, where);
}

function refusal(where: string, reason: string): UserError {
  const message = `${fileLabel(where)}: not a provenance document RCF Desktop can read (${reason})`;
  return new UserError(message, { kind: 'bad-input', path: where });
}

/** `grid.per_input[0].cells`. */
function issuePath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}

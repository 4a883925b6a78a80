/**
 * `rcf merge M.jsonl --out OUT`: every part of a planned run, checked and written as one output through the export
 * writers (FeatureOutput, export/output.ts), so the result is what a single `rcf featurize` of the same inputs writes:
 * rows in item order (the manifest's, which is the inputs' order), each item's cells in grid order, every value the
 * same bits (a part's CSV holds float32 features and float64 coordinates exactly; outlines are rebuilt from the grid).
 *
 * Overlapping rasters keep their own grids, as in a single run, and the merge says which overlap. `dedupe` keeps a
 * cell only when no item with a lower id has a footprint (its raster's extent) that contains the cell's centre: a
 * cell belongs to the item whose footprint contains its centre, ties going to the lowest id.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { UserError, fileLabel, throwIfCancelled } from '../../../shared/errors/index.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { cellAt, gridShape, parseCellSize, type EdgePolicy } from '../../../shared/grid/cells.js';
import { invertGeoTransform, pixelToMap, rectRing, type GeoTransform } from '../../../shared/geo/affine.js';
import { makeLonLatTransformer, makeTransformer, sameCrs, type CrsInfo } from '../crs/index.js';
import { cellId, type CellResult } from '../rcf/featurize.js';
import { loadWeights } from '../rcf/weights.js';
import { CsvOutput } from '../export/csv.js';
import { GpkgOutput } from '../export/gpkg.js';
import { ParquetOutput, parquetLayout } from '../export/parquet/index.js';
import { csvFileRecords, readCsvProvenance, FIXED_COLUMNS } from '../export/read-csv.js';
import { pathExists, type FeatureOutput, type OutputOptions } from '../export/output.js';
import { entryExists } from '../export/output.js';
import { donePath, partPath, sha256Text, type Manifest, type ManifestItem } from './manifest.js';
import { checkDone, readDone, type DoneMarker } from './shard.js';

/** What a merged output is made of, for the writer that opens it. */
export interface MergeLayout {
  features: number;
  sources: { name: string; crs: CrsInfo | null }[];
  weights: { shape: [number, number, number, number]; data: Float32Array };
}

/** Opens a writer for a merged output; `runKey` is the one a single run of the same inputs records. */
export type MergeWriter = (path: string, layout: MergeLayout, runKey: unknown, options: OutputOptions) => Promise<FeatureOutput>;

/** The formats a merge writes, by file extension: a new export format plugs in here. */
export const MERGE_WRITERS: Record<string, MergeWriter> = {
  '.csv': (path, layout, runKey, options) => CsvOutput.open(path, layout.features, runKey, options),
  '.gpkg': async (path, layout, runKey, options) => {
    const gpkg = await GpkgOutput.open(path, { features: layout.features, sources: layout.sources }, runKey, options);
    gpkg.setWeights(layout.weights.shape, layout.weights.data);
    return gpkg;
  },
  '.parquet': (path, layout, runKey, options) =>
    ParquetOutput.open(path, parquetLayout(path, layout.features, layout.sources), runKey, options),
};

export class MergeError extends UserError {
  override name = 'MergeError';
}

export interface MergeSpec {
  out: string;
  dedupe: boolean;
  overwrite: boolean;
}

export interface MergeResult {
  rows: number;
  /** Cells left out by `dedupe`. */
  dropped: number;
  /** Pairs of items whose footprints overlap (by id). */
  overlaps: [string, string][];
  provenance: Provenance;
}

interface Part {
  item: ManifestItem;
  path: string;
  marker: DoneMarker;
  provenance: Provenance;
}

/** Checks that every item is done and its part is intact, then writes them as one output. */
export async function mergeManifest(manifest: Manifest, spec: MergeSpec, hooks: { signal?: AbortSignal } = {}): Promise<MergeResult> {
  const ext = /\.[A-Za-z0-9]+$/.exec(spec.out)?.[0].toLowerCase() ?? '';
  const writer = MERGE_WRITERS[ext];
  if (!writer) throw new MergeError(`${spec.out}: the output must end in ${Object.keys(MERGE_WRITERS).join(', ')}`);
  if (!spec.overwrite && (await pathExists(spec.out))) throw new MergeError(`${spec.out} already exists; use --overwrite to replace it`);

  const parts = await checkedParts(manifest);
  const { header } = manifest;
  const bank = await loadWeights(`${manifest.dir}/${header.bank.file}`);
  if (bank.sha256 !== header.bank.sha256)
    throw new MergeError(`${header.bank.file}: the filter bank is not the manifest's (sha256 differs)`);
  const layout: MergeLayout = {
    features: 2 * bank.filters,
    sources: parts.map((p) => ({ name: p.item.source, crs: p.item.grid.crs })),
    weights: { shape: [bank.filters, bank.channels, bank.kernel, bank.kernel], data: bank.weights },
  };
  const first = parts[0].provenance;
  const run = { ...(first.run as object), inputs: parts.map((p) => ({ name: p.item.source, sha256: p.item.input.sha256 })) } as Record<
    string,
    unknown
  >;
  delete run.backend;
  const footprints = parts.map((p) => footprint(p.item));
  const overlaps: [string, string][] = [];
  for (let i = 0; i < footprints.length; i++)
    for (let j = i + 1; j < footprints.length; j++)
      if (boxesMeet(footprints[i].box, footprints[j].box)) overlaps.push([parts[i].item.id, parts[j].item.id]);

  // A stale partial of a killed merge is replaced; a finished output only with `overwrite` (checked above).
  const output = await writer(spec.out, layout, run, { resume: false, overwrite: true, cells: () => [] });
  let rows = 0;
  let dropped = 0;
  const kept: number[] = [];
  try {
    await output.useBackend({ name: first.backend.name, device: first.backend.device });
    for (let p = 0; p < parts.length; p++) {
      throwIfCancelled(hooks.signal);
      const owner = spec.dedupe ? ownerTest(footprints, p) : () => true;
      const n = await copyPart(parts[p], layout.features, output, owner);
      rows += n.kept;
      dropped += n.dropped;
      kept.push(n.kept);
    }
    const provenance = mergedProvenance(manifest, parts, kept);
    await output.finish(provenance);
    return { rows, dropped, overlaps, provenance };
  } catch (e) {
    await output.close();
    throw e;
  }
}

/** Every item's done marker and part, checked before a row is written; the items not done are named. */
async function checkedParts(manifest: Manifest): Promise<Part[]> {
  const missing: ManifestItem[] = [];
  const parts: Part[] = [];
  for (const item of manifest.items) {
    const path = partPath(manifest, item);
    const marker = await readDone(path);
    if (!marker) {
      missing.push(item);
      continue;
    }
    checkDone(marker, item, path);
    if (!(await entryExists(path)))
      throw new MergeError(
        `${fileLabel(path)} is marked done but is not there; remove ${fileLabel(donePath(path))} and run its shard again`,
      );
    const provenanceText = await readFile(`${path}.json`, 'utf8').catch(() => null);
    if (provenanceText === null || sha256Text(provenanceText) !== marker.provenance_sha256)
      throw new MergeError(`${fileLabel(path)}.json does not match its done marker; remove ${fileLabel(path)}* and run its shard again`);
    parts.push({ item, path, marker, provenance: await readCsvProvenance(path) });
  }
  if (missing.length > 0) {
    const names = missing.slice(0, 10).map((m) => `${m.item} (${m.id})`);
    const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
    throw new MergeError(
      `${missing.length} of ${manifest.items.length} items are not done: ${names.join(', ')}${more}; run their shards, then merge again`,
    );
  }
  return parts;
}

/** Streams one part's rows into the output, checking its checksum as it goes; the rows it kept and dropped. */
async function copyPart(
  part: Part,
  features: number,
  output: FeatureOutput,
  owns: (x: number, y: number, lon: number, lat: number) => boolean,
) {
  const { item, path, marker } = part;
  const hash = createHash('sha256');
  const grid = item.grid;
  const shape = gridShape(grid.width, grid.height, parseCellSize(grid.cell_pixels), grid.edge as EdgePolicy);
  const transform = grid.transform as unknown as GeoTransform;
  const number = (text: string) => (text === '' ? NaN : Number(text));
  let header = true;
  let seen = 0;
  let kept = 0;
  const cells: CellResult[] = [];
  const flush = async () => {
    for (const c of cells) await output.write(c);
    cells.length = 0;
  };
  for await (const { fields, line } of csvFileRecords(path, { onBytes: (chunk) => hash.update(chunk) })) {
    if (header) {
      if (fields[0] !== 'cell_id' || fields.length !== FIXED_COLUMNS + features)
        throw new MergeError(
          `${fileLabel(path)}: not a part of this run (its header has ${fields.length - FIXED_COLUMNS} features, not ${features})`,
        );
      header = false;
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    if (fields.length !== FIXED_COLUMNS + features) throw new MergeError(`${fileLabel(path)}: line ${line} has ${fields.length} fields`);
    seen++;
    const row = Number(fields[2]);
    const col = Number(fields[3]);
    if (!(row >= 0 && row < shape.rows && col >= 0 && col < shape.cols))
      throw new MergeError(`${fileLabel(path)}: line ${line} is not a cell of its grid`);
    const [x, y, lon, lat] = [4, 5, 6, 7].map((i) => number(fields[i]));
    if (!owns(x, y, lon, lat)) continue;
    const values = new Float64Array(features);
    for (let i = 0; i < features; i++) values[i] = Math.fround(number(fields[FIXED_COLUMNS + i]));
    cells.push({
      cellId: cellId(item.source, row, col),
      source: item.source,
      row,
      col,
      x,
      y,
      lon,
      lat,
      validFraction: number(fields[8]),
      features: values,
      ring: rectRing(transform, cellAt(shape, row, col)),
    });
    kept++;
    if (cells.length >= 256) await flush();
  }
  if (hash.digest('hex') !== marker.part.sha256 || seen !== marker.part.rows)
    throw new MergeError(
      `${fileLabel(path)} is not the part its done marker describes (checksum or rows differ); ` +
        `remove ${fileLabel(path)}* and run its shard again`,
    );
  await flush();
  return { kept, dropped: seen - kept };
}

interface Footprint {
  id: string;
  crs: CrsInfo | null;
  inverse: GeoTransform | null;
  width: number;
  height: number;
  /** [minLon, minLat, maxLon, maxLat] of the outline (densified), a little enlarged; null without a CRS. */
  box: [number, number, number, number] | null;
}

/** An item's footprint: its raster's extent. */
function footprint(item: ManifestItem): Footprint {
  const { width, height, crs } = item.grid;
  const t = item.grid.transform as unknown as GeoTransform;
  const toLonLat = makeLonLatTransformer(crs);
  let box: Footprint['box'] = null;
  if (toLonLat) {
    const lons: number[] = [];
    const lats: number[] = [];
    const steps = 16;
    for (let s = 0; s <= steps; s++) {
      const f = s / steps;
      for (const [px, py] of [
        [f * width, 0],
        [f * width, height],
        [0, f * height],
        [width, f * height],
      ]) {
        const [lon, lat] = toLonLat(...pixelToMap(t, px, py));
        if (Number.isFinite(lon) && Number.isFinite(lat)) {
          lons.push(lon);
          lats.push(lat);
        }
      }
    }
    if (lons.length > 0) {
      const [a, b, c, d] = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
      const m = 0.01 * Math.max(c - a, d - b); // room for the outline's curvature between densified points
      box = [a - m, b - m, c + m, d + m];
    }
  }
  return { id: item.id, crs, inverse: invertGeoTransform(t), width, height, box };
}

function boxesMeet(a: Footprint['box'], b: Footprint['box']): boolean {
  return a !== null && b !== null && a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** For the cells of footprint `p`: false when the centre lies in the footprint of an item with a lower id. */
function ownerTest(footprints: Footprint[], p: number) {
  const self = footprints[p];
  const rivals = footprints
    .filter((f, i) => i !== p && f.id < self.id && f.inverse !== null && (self.crs === null) === (f.crs === null))
    .map((f) => ({ f, to: f.crs && self.crs && !sameCrs(f.crs, self.crs) ? makeTransformer(self.crs, f.crs) : null }));
  return (x: number, y: number, lon: number, lat: number) => {
    for (const { f, to } of rivals) {
      if (f.box && self.box && !(lon >= f.box[0] && lon <= f.box[2] && lat >= f.box[1] && lat <= f.box[3])) continue;
      const [X, Y] = to ? to(x, y) : [x, y];
      const [px, py] = pixelToMap(f.inverse!, X, Y);
      if (px >= 0 && px < f.width && py >= 0 && py < f.height) return false;
    }
    return true;
  };
}

/** One provenance for the merged output: a single run's, with every part's inputs and grids, and the parts listed. */
function mergedProvenance(manifest: Manifest, parts: Part[], kept: number[]): Provenance {
  const first = parts[0].provenance;
  const { mode: _mode, weights_file: _file, ...common } = first.rcf as Provenance['rcf'] & { weights_file?: string };
  void _mode;
  void _file;
  const started = parts.map((p) => p.provenance.started).sort()[0];
  const backends = new Set(parts.map((p) => `${p.provenance.backend.name}\n${p.provenance.backend.device}`));
  return {
    ...first,
    started,
    finished: new Date().toISOString(),
    inputs: parts.map((p) => ({ ...p.provenance.inputs[0], name: p.item.source })),
    grid: {
      ...first.grid,
      per_input: parts.map((p, i) => ({ ...p.provenance.grid.per_input[0], name: p.item.source, cells: kept[i] })),
    },
    rcf: { ...manifest.header.bank.origin, ...common } as Provenance['rcf'],
    backend: backends.size === 1 ? first.backend : { ...first.backend, device: `${first.backend.device} (and others: see the parts)` },
    cells: {
      computed: parts.reduce((n, p) => n + p.provenance.cells.computed, 0),
      resumed: parts.reduce((n, p) => n + p.provenance.cells.resumed, 0),
    },
    parts: parts.map((p, i) => ({
      id: p.item.id,
      file: relative(manifest.dir, p.path),
      rows: p.marker.part.rows,
      kept: kept[i],
      sha256: p.marker.part.sha256,
    })),
  };
}

/**
 * The Model panel's heavy work, as tasks of tasks.ts (run in worker threads):
 * reading a label file for the map, the folds a fit would use, the fit itself
 * (the engine's `runFitJob`, as `rcf fit`), and its prediction on the run's
 * cells (`runPredictJob`, as `rcf predict`). A fit's files live in its folder
 * (fits.ts): `model.json`, and `prediction.csv|.gpkg|.tif` as they are asked for.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileLabel, throwIfCancelled, UserError } from '../../shared/errors/index.js';
import { isClassifier, parseClip, parseModelFile, type FitSettings, type ModelFile } from '../../shared/model/index.js';
import { LABEL_FEATURES_SHOWN, type FitExportFormat, type FitResults, type FoldsView, type LabelsView } from '../../shared/ipc/contract.js';
import { openGpkgLayer, parseGeoJsonObject, isObject, quoteId } from '../engine/aoi/index.js';
import { crsFromEpsg, makeTransformer, sameCrs } from '../engine/crs/index.js';
import { readLabels, LabelError } from '../engine/labels/index.js';
import { fitRidgeCv } from '../engine/model/index.js';
import { csvFileRecords } from '../engine/export/read-csv.js';
import { readCsvProvenance } from '../engine/export/read-csv.js';
import { writeFileAtomic } from '../engine/write-file.js';
import { LIMITS } from '../engine/limits.js';
import { foldsOf, runFitJob, trainingSet } from '../engine/jobs/fit-job.js';
import { runPredictJob } from '../engine/jobs/predict-job.js';
import { cellOutlinesLonLat } from '../engine/jobs/provenance-grid.js';
import type { TaskContext } from './tasks.js';

/** The files of a fit in its folder. */
export const fitFiles = {
  model: (dir: string) => join(dir, 'model.json'),
  prediction: (dir: string, format: Exclude<FitExportFormat, 'json'>) => join(dir, `prediction.${format}`),
};

/** What a fit's charts and cell clicks need beyond the model file, kept beside it. */
export interface FitCharts {
  scatter: FitResults['scatter'];
  /** The label each training cell was fitted on, by cell id (rows of one cell only). */
  observed: Record<string, number | string>;
}

/** A label raster is read as one (as the fit job tells them apart). */
function isRasterPath(path: string): boolean {
  return /\.tiff?$/i.test(path);
}

/** CSV columns that place a point; never offered as the target. */
const COORDINATES = new Set(['lon', 'lng', 'long', 'longitude', 'lat', 'latitude', 'x', 'y', 'easting', 'northing']);
const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** The columns (properties) of a vector label file, as its reader sees them; coordinates left out. */
async function labelColumns(path: string, layer: string | undefined): Promise<string[]> {
  const fail = (problem: string) => new LabelError(path, problem);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw fail('not a regular file, or no such file');
  const head = Buffer.alloc(Math.min(64, info.size));
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const text = head.toString('latin1');
  if (text.startsWith(SQLITE_MAGIC)) {
    const opened = await openGpkgLayer(path, layer, fail);
    try {
      return (opened.db.prepare(`PRAGMA table_info(${quoteId(opened.name)})`).all() as { name: string }[])
        .map((c) => c.name)
        .filter((c) => c !== opened.geometryColumn);
    } finally {
      opened.db.close();
    }
  }
  if (/^(?:\uFEFF|\u00EF\u00BB\u00BF)?\s*\{/.test(text)) {
    if (info.size > LIMITS.areaFileBytes) throw fail(`a GeoJSON file over ${LIMITS.areaFileBytes} bytes`);
    const doc = parseGeoJsonObject((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''), fail);
    const features = Array.isArray(doc.features) ? doc.features : [doc];
    const names = new Set<string>();
    for (const f of features) if (isObject(f) && isObject(f.properties)) for (const k of Object.keys(f.properties)) names.add(k);
    return [...names];
  }
  for await (const { fields } of csvFileRecords(path)) return fields.filter((f) => !COORDINATES.has(f.trim().toLowerCase()));
  throw fail('no header row (the file has no records)');
}

/** A WGS84 transform from a label file's CRS. */
function toLonLatFrom(path: string, crs: Parameters<typeof sameCrs>[0]): (x: number, y: number) => [number, number] {
  const wgs84 = crsFromEpsg(4326)!;
  if (sameCrs(crs, wgs84)) return (x, y) => [x, y];
  const transform = makeTransformer(crs, wgs84);
  if (!transform) throw new UserError(`${fileLabel(path)}: its CRS cannot be transformed to WGS84`, { path });
  return transform;
}

async function readModel(dir: string): Promise<ModelFile> {
  const path = fitFiles.model(dir);
  return parseModelFile(await readFile(path, 'utf8'), path);
}

export const modelTasks = {
  async readLabels({ path, target, layer }: { path: string; target?: string; layer?: string }): Promise<LabelsView> {
    const name = basename(path);
    if (isRasterPath(path))
      return {
        path,
        name,
        geometry: 'raster',
        columns: [],
        target: null,
        numeric: true,
        classes: null,
        features: [],
        hidden: 0,
        summary: '',
      };
    const columns = await labelColumns(path, layer);
    if (target === undefined) {
      const summary = `${columns.length} columns: choose the target`;
      return { path, name, geometry: 'points', columns, target: null, numeric: true, classes: null, features: [], hidden: 0, summary };
    }
    const set = await readLabels(path, { target, values: 'auto', ...(layer !== undefined && { layer }) });
    const toLonLat = toLonLatFrom(path, set.crs);
    const shown = set.rows.slice(0, LABEL_FEATURES_SHOWN);
    const features: LabelsView['features'] =
      set.geometry === 'points'
        ? (shown as (typeof set.rows)[number][]).map((row) => ({
            points: ('points' in row ? row.points : []).map(([x, y]) => toLonLat(x, y)),
            value: row.value,
          }))
        : shown.map((row) => ({
            polygons: ('polygons' in row ? row.polygons : []).map((polygon) => polygon.map((ring) => ring.map(([x, y]) => toLonLat(x, y)))),
            value: row.value,
          }));
    const dropped = set.dropped.reduce((n, d) => n + d.count, 0);
    const summary = `${set.rows.length} ${set.geometry} of ${set.read} read${dropped > 0 ? ` (${dropped} without a usable value)` : ''}`;
    return {
      path,
      name,
      geometry: set.geometry,
      columns,
      target: set.target,
      numeric: set.numeric,
      classes: set.classes ?? null,
      features,
      hidden: set.rows.length - shown.length,
      summary,
    };
  },

  /** The folds of a fit's settings on the run's cells, each training row drawn as its cells. */
  async foldsPreview({ features, settings }: { features: string; settings: FitSettings }, { signal }: TaskContext): Promise<FoldsView> {
    const set = await trainingSet(features, settings, signal);
    const { folds } = foldsOf(set, settings);
    const usable = set.features.cells.flatMap((cell, index) => (cell.usable ? [index] : []));
    const outline = cellOutlinesLonLat(set.features.provenance);
    const cells: FoldsView['cells'] = [];
    set.join.rows.forEach((row, i) => {
      for (const c of row.cells) {
        const cell = set.features.cells[usable[c]];
        const ring = outline(cell.source, cell.row, cell.col);
        if (ring && cells.length < LABEL_FEATURES_SHOWN) cells.push({ ring, fold: folds[i] });
      }
    });
    return { folds: Math.max(0, ...folds) + 1, rows: set.join.rows.length, cells };
  },

  /**
   * Fits as `rcf fit` does and writes the model file into `dir`; for a regression, also the out-of-fold predictions at
   * the chosen λ (the same folds and λ, so their R² is the model file's pooled R²), for the observed-versus-predicted chart.
   */
  async fit(
    { features, settings, dir }: { features: string; settings: FitSettings; dir: string },
    { signal, emit }: TaskContext,
  ): Promise<{ model: ModelFile; charts: FitCharts }> {
    const onProgress = (p: { stage: string; done: number; total: number }) =>
      emit({ kind: 'fitProgress', stage: p.stage, done: p.done, total: p.total });
    const model = await runFitJob(features, settings, { signal, onProgress });
    throwIfCancelled(signal);
    // The training rows again (the job keeps them to itself): what each cell was trained on, and the out-of-fold predictions.
    const set = await trainingSet(features, settings, signal);
    const usable = set.features.cells.flatMap((cell, index) => (cell.usable ? [index] : []));
    const observed: FitCharts['observed'] = {};
    set.join.rows.forEach((row) => {
      if (row.cells.length === 1) observed[set.features.cells[usable[row.cells[0]]].cellId] = row.value;
    });
    let scatter: FitResults['scatter'] = null;
    if (!isClassifier(settings.model)) {
      const { folds } = foldsOf(set, settings);
      const clip = parseClip(settings.clip);
      const cv = await fitRidgeCv({
        X: set.X,
        y: set.y as Float64Array,
        folds,
        intercept: !settings.noIntercept,
        lambdas: [model.model.penalty[0]],
        log1p: settings.log1p,
        ...(clip !== 'none' && { clip: clip === 'train-range' ? clip : [clip] }),
        signal,
      });
      scatter = {
        observed: Array.from(set.y as Float64Array),
        predicted: Array.from(cv.outOfFold, (v) => (Number.isFinite(v) ? v : null)),
      };
    }
    await writeFileAtomic(fitFiles.model(dir), JSON.stringify(model, null, 1) + '\n');
    return { model, charts: { scatter, observed } };
  },

  /** The prediction written into the fit's folder in `format` (once; later calls find it there). */
  async predict(
    { features, dir, format }: { features: string; dir: string; format: Exclude<FitExportFormat, 'json'> },
    { signal }: TaskContext,
  ): Promise<{ path: string }> {
    const out = fitFiles.prediction(dir, format);
    if (
      await stat(out).then(
        () => true,
        () => false,
      )
    )
      return { path: out };
    const model = await readModel(dir);
    await runPredictJob({ features, model, modelPath: fitFiles.model(dir), out }, { signal });
    return { path: out };
  },

  /** The prediction per cell for the map, from the fit's prediction CSV (first column: the value, or the class). */
  async predictionLayer({
    features,
    dir,
    observed,
  }: {
    features: string;
    dir: string;
    observed: FitCharts['observed'];
  }): Promise<Pick<FitResults, 'cells' | 'classes'>> {
    const model = await readModel(dir);
    const provenance = await readCsvProvenance(features);
    const outline = cellOutlinesLonLat(provenance);
    const classes = model.model.classes ? model.model.classes.map(String) : null;
    const classIndex = new Map((classes ?? []).map((c, i) => [c, i]));
    const cells: FitResults['cells'] = [];
    let first = true;
    for await (const { fields } of csvFileRecords(fitFiles.prediction(dir, 'csv'))) {
      if (first) {
        first = false;
        continue;
      }
      const ring = outline(fields[1], Number(fields[2]), Number(fields[3]));
      if (!ring) continue;
      const raw = fields[8];
      const value = raw === '' ? null : classes ? (classIndex.get(raw) ?? null) : Number(raw);
      const label = Object.hasOwn(observed, fields[0]) ? observed[fields[0]] : null;
      cells.push({ cellId: fields[0], ring, value: value !== null && Number.isFinite(value) ? value : null, observed: label });
    }
    return { cells, classes };
  },
};

/**
 * A model fit as `rcf fit` and the app run it: a featurize output and a label
 * file in, a model file (shared/model/model-file.ts) out. The labels are joined
 * to the cells with usable features (points to the cell holding them, polygons
 * as area- or raster-weighted means of their cells, a label raster per cell),
 * the training rows' features read once into memory (there are as many as
 * labels, not cells), the folds made by the chosen scheme, λ (or C) chosen by
 * cross-validation and the model refit on every training row.
 */
import { basename } from 'node:path';
import { throwIfCancelled, UserError } from '../../../shared/errors/index.js';
import { pixelToMap } from '../../../shared/geo/affine.js';
import { cellAt } from '../../../shared/grid/cells.js';
import {
  blockFolds,
  checkerboard,
  featureBank,
  FIT_OPTIONS,
  fitSettingsProblem,
  groupKFold,
  isClassifier,
  isSpatial,
  kFold,
  MODEL_FILE_VERSION,
  paperSplit,
  parseBlockSize,
  parseClip,
  type FitSettings,
  type FoldOf,
  type ModelFile,
  type Validation,
} from '../../../shared/model/index.js';
import { crsUnits, makeLonLatTransformer, sameCrs } from '../crs/index.js';
import { openFeatureFile, type FeatureFile } from '../export/read-features.js';
import { sha256File } from '../hash.js';
import { joinLabelRaster, joinLabels, joinPolygonsWeighted, readLabels, type LabelJoin, type RunCell } from '../labels/index.js';
import {
  denseFeatures,
  fitLogisticCv,
  fitRidgeClassifierCv,
  fitRidgeCv,
  type ClassificationScores,
  type ClassifierCvScores,
  type FeatureSource,
  type FitProgress,
  type LogisticModel,
  type RidgeCvResult,
  type RidgeModel,
  regressionScores,
  predictRidge,
} from '../model/index.js';
import { appVersion } from '../app-version.js';
import { sourceGrids } from './provenance-grid.js';

export interface FitHooks {
  signal?: AbortSignal;
  onProgress?: (progress: FitProgress) => void;
}

/** What a fit joined and fitted on, before validation: the training rows. */
export interface TrainingSet {
  features: FeatureFile;
  join: LabelJoin;
  /** m×K, float64. */
  X: FeatureSource;
  /** Numbers (regression) or class labels, one per training row. */
  y: Float64Array | (string | number)[];
  /** The training rows' positions in metres (a projected CRS) or degrees (lon/lat), for spatial folds. */
  positionsOf(unit: 'm' | 'deg'): { x: Float64Array; y: Float64Array };
  groups: (string | undefined)[];
}

/** A label raster is read as one; everything else as a vector label file. */
function isRasterPath(path: string): boolean {
  return /\.tiff?$/i.test(path);
}

/** Reads the features, joins the labels and reads the training rows' features. */
export async function trainingSet(featuresPath: string, settings: FitSettings, signal?: AbortSignal): Promise<TrainingSet> {
  const problem = fitSettingsProblem(settings);
  if (problem) throw problem;
  const features = await openFeatureFile(featuresPath, { signal });
  const usable = features.cells.flatMap((cell, index) => (cell.usable ? [index] : []));
  if (usable.length === 0) throw new UserError(`${basename(featuresPath)}: no cell has usable features (all are empty or NaN)`);
  const cells: RunCell[] = usable.map((i) => features.cells[i]);
  const classify = isClassifier(settings.model);
  const values = classify ? 'classes' : 'numbers';
  let join: LabelJoin;
  if (isRasterPath(settings.labels)) {
    join = await joinLabelRaster(settings.labels, features.provenance, cells, { values });
  } else {
    if (settings.target === undefined) throw new UserError(`${basename(settings.labels)}: choose the ${FIT_OPTIONS.target.label} column`);
    const labels = await readLabels(settings.labels, {
      target: settings.target,
      values,
      ...(settings.group !== undefined && { group: settings.group }),
      ...(settings.labelsLayer !== undefined && { layer: settings.labelsLayer }),
      ...(settings.labelsCrs !== undefined && { crs: settings.labelsCrs }),
    });
    join =
      settings.weightRaster !== undefined && labels.geometry === 'polygons'
        ? await joinPolygonsWeighted(labels, features.provenance, cells, settings.weightRaster)
        : joinLabels(labels, features.provenance, cells);
  }
  throwIfCancelled(signal);
  // Weighted means of each row's cells: one cell with weight 1 for points and rasters.
  const { means } = await features.weightedMeans(
    join.rows.map((row) => Array.from(row.cells, (c, j) => ({ index: usable[c], weight: row.weights[j] }))),
  );
  const K = features.columns;
  const y = classify ? join.rows.map((row) => row.value) : Float64Array.from(join.rows, (row) => Number(row.value));
  const grids = sourceGrids(features.provenance);
  const bySource = new Map(grids.map((g) => [g.name, g]));
  const positionsOf = (unit: 'm' | 'deg') => {
    const crs = grids[0].crs;
    if (unit === 'm') {
      const units = crsUnits(crs);
      if (units?.kind !== 'projected' || grids.some((g) => g.crs === null || !sameCrs(g.crs, crs!)))
        throw new UserError(
          `${FIT_OPTIONS.blockSize.label} in metres needs rasters in one projected CRS; give it in degrees (e.g. 0.5deg)`,
        );
    }
    const transforms = new Map(grids.map((g) => [g.name, unit === 'deg' ? makeLonLatTransformer(g.crs) : null]));
    const metres = unit === 'm' ? (crsUnits(crs) as { metresPerUnit: number }).metresPerUnit : 1;
    const centre = (cellIndex: number): [number, number] => {
      const cell = cells[cellIndex];
      const grid = bySource.get(cell.source)!;
      const w = cellAt(grid.shape, cell.row, cell.col);
      const [mx, my] = pixelToMap(grid.transform, w.x0 + w.width / 2, w.y0 + w.height / 2);
      if (unit === 'm') return [mx * metres, my * metres];
      const toLonLat = transforms.get(cell.source);
      if (!toLonLat) throw new UserError(`${cell.source}: has no CRS, so its cells have no place in degrees`);
      return toLonLat(mx, my);
    };
    const x = new Float64Array(join.rows.length);
    const yy = new Float64Array(join.rows.length);
    join.rows.forEach((row, i) => {
      let total = 0;
      row.cells.forEach((c, j) => {
        const [cx, cy] = centre(c);
        x[i] += cx * row.weights[j];
        yy[i] += cy * row.weights[j];
        total += row.weights[j];
      });
      x[i] /= total;
      yy[i] /= total;
    });
    return { x, y: yy };
  };
  return {
    features,
    join,
    X: denseFeatures(means, K),
    y,
    positionsOf,
    groups: join.rows.map((row) => row.group),
  };
}

/** The folds of a scheme over the training rows; the paper's protocol leaves its test rows out (−1). */
export function foldsOf(set: TrainingSet, settings: FitSettings): { folds: FoldOf; test: Int32Array | null } {
  const m = set.X.rows;
  const k = settings.folds;
  const fewer = (what: string, n: number) =>
    new UserError(`${basename(settings.labels)}: ${n} ${what} for ${k} folds; use fewer ${FIT_OPTIONS.folds.label.toLowerCase()}`);
  switch (settings.cv) {
    case 'kfold':
      if (m < k) throw fewer('training rows', m);
      return { folds: kFold(m, k, { shuffle: true, seed: settings.seed }), test: null };
    case 'paper': {
      const { train, test } = paperSplit(m, 0.2, settings.seed);
      if (train.length < k) throw fewer('training rows (after the 20 % test split)', train.length);
      const trainFolds = kFold(train.length, k, { shuffle: true, seed: settings.seed });
      const folds: FoldOf = new Int32Array(m).fill(-1);
      train.forEach((row, j) => (folds[row] = trainFolds[j]));
      return { folds, test };
    }
    case 'groups': {
      const groups = set.groups.map((g) => g ?? '');
      const distinct = new Set(groups).size;
      if (distinct < k) throw fewer(`groups in ${FIT_OPTIONS.group.label.toLowerCase()} '${settings.group}'`, distinct);
      return { folds: groupKFold(groups, k), test: null };
    }
    case 'checkerboard':
    case 'blocks': {
      const block = parseBlockSize(settings.blockSize!);
      const { x, y } = set.positionsOf(block.unit);
      if (settings.cv === 'checkerboard') {
        const folds = checkerboard(x, y, { size: block.size, seed: settings.seed });
        if (new Set(folds).size < 2) throw new UserError(`every training row falls on one colour of the checkerboard; use smaller squares`);
        return { folds, test: null };
      }
      try {
        return { folds: blockFolds(x, y, k, { size: block.size, seed: settings.seed }), test: null };
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(`${e.message}; use smaller squares or fewer folds`);
        throw e;
      }
    }
  }
}

const nullable = (n: number): number | null => (Number.isFinite(n) ? n : null);

function regressionValidation(cv: RidgeCvResult, scheme: string, observed: readonly Float64Array[]): Validation {
  const T = cv.model.targets;
  return {
    scheme,
    folds: cv.foldScores.length,
    grid: cv.lambdas,
    score: 'r2',
    mean_score: cv.meanR2.map((row) => row.map(nullable)),
    pooled_score: cv.pooledR2.map((row) => row.map(nullable)),
    best: cv.best,
    edge_warning: cv.edgeWarning,
    ill_conditioned: cv.illConditioned,
    per_fold: cv.foldScores.map((f) => ({
      fold: f.fold,
      train_rows: f.trainRows,
      test_rows: f.testRows,
      scores: { r2: nullable(f.r2[cv.best[0]][0]), rmse: nullable(f.rmse[cv.best[0]][0]), mae: nullable(f.mae[cv.best[0]][0]) },
    })),
    pooled: Array.from({ length: T }, (_, t) => {
      const rows: number[] = [];
      const predicted = new Float64Array(cv.outOfFold.length / T);
      predicted.forEach((_, i) => {
        predicted[i] = cv.outOfFold[i * T + t];
        if (Number.isFinite(predicted[i])) rows.push(i);
      });
      return scoresOf(observed[t], predicted, rows);
    }),
  };
}

function scoresOf(observed: Float64Array, predicted: ArrayLike<number>, rows: ArrayLike<number>): Record<string, number | null> {
  const s = regressionScores(observed, predicted, rows);
  return { r2: nullable(s.r2), rmse: nullable(s.rmse), mae: nullable(s.mae) };
}

function classScores(s: ClassificationScores): Record<string, number | null> {
  return { accuracy: nullable(s.accuracy), macro_f1: nullable(s.macroF1), roc_auc: nullable(s.rocAuc) };
}

function classifierValidation(cv: ClassifierCvScores, grid: number[], illConditioned: boolean[], scheme: string): Validation {
  return {
    scheme,
    folds: cv.foldScores.length,
    grid,
    score: 'accuracy',
    mean_score: cv.meanAccuracy.map((a) => [nullable(a)]),
    pooled_score: cv.pooledAccuracy.map((a) => [nullable(a)]),
    best: [cv.best],
    edge_warning: [cv.edgeWarning],
    ill_conditioned: illConditioned,
    per_fold: cv.foldScores.map((f) => ({ fold: f.fold, train_rows: f.trainRows, test_rows: f.testRows, scores: classScores(f.scores) })),
    pooled: [classScores(cv.pooled)],
    confusion: cv.pooled.confusion,
  };
}

type Fitted = ModelFile['model'];

function ridgeFitted(model: RidgeModel, kind: 'ridge' | 'ridge-classifier', classes?: (string | number)[]): Fitted {
  return {
    kind,
    columns: model.columns,
    outputs: model.targets,
    coefficients: Array.from(model.coefficients),
    intercept: Array.from(model.intercept),
    penalty: model.lambda,
    log1p: model.log1p,
    clip: model.clip ? model.clip.map(([lo, hi]) => [nullable(lo), nullable(hi)] as [number | null, number | null]) : null,
    ...(classes && { classes }),
  };
}

function logisticFitted(model: LogisticModel): Fitted {
  return {
    kind: 'logistic',
    columns: model.columns,
    outputs: model.outputs,
    coefficients: Array.from(model.coefficients),
    intercept: Array.from(model.intercept),
    penalty: [model.C],
    log1p: false,
    clip: null,
    classes: model.classes,
    iterations: model.iterations,
    converged: model.converged,
  };
}

/** Cross-validates and refits one model on the training rows with the given folds. */
async function validate(set: TrainingSet, settings: FitSettings, folds: FoldOf, hooks: FitHooks, scheme: string = settings.cv) {
  const common = { X: set.X, folds, intercept: !settings.noIntercept, ...hooks };
  if (settings.model === 'ridge') {
    const y = set.y as Float64Array;
    const clip = parseClip(settings.clip);
    const cv = await fitRidgeCv({
      ...common,
      y,
      lambdas: settings.lambdas,
      log1p: settings.log1p,
      ...(clip !== 'none' && { clip: clip === 'train-range' ? clip : [clip] }),
    });
    return { validation: regressionValidation(cv, scheme, [y]), fitted: ridgeFitted(cv.model, 'ridge'), ridge: cv.model };
  }
  const labels = set.y as (string | number)[];
  if (settings.model === 'ridge-classifier') {
    const cv = await fitRidgeClassifierCv({ ...common, labels, lambdas: settings.lambdas });
    return {
      validation: classifierValidation(cv, cv.lambdas, cv.illConditioned, scheme),
      fitted: ridgeFitted(cv.model.ridge, 'ridge-classifier', cv.classes),
    };
  }
  const cv = await fitLogisticCv({ ...common, labels, Cs: settings.lambdas });
  return {
    validation: classifierValidation(
      cv,
      cv.Cs,
      cv.Cs.map(() => false),
      scheme,
    ),
    fitted: logisticFitted(cv.model),
  };
}

/** Fits a model on a featurize output and a label file; the model file's document. */
export async function runFitJob(featuresPath: string, settings: FitSettings, hooks: FitHooks = {}): Promise<ModelFile> {
  const set = await trainingSet(featuresPath, settings, hooks.signal);
  const { folds, test } = foldsOf(set, settings);
  const main = await validate(set, settings, folds, hooks);
  // Spatial folds are shown beside random k-fold on the same rows: a model that only interpolates scores worse spatially.
  const random = isSpatial(settings.cv)
    ? (
        await validate(
          set,
          settings,
          kFold(set.X.rows, Math.min(settings.folds, set.X.rows), { shuffle: true, seed: settings.seed }),
          hooks,
          'kfold',
        )
      ).validation
    : undefined;
  let testScores: ModelFile['test'];
  if (test && main.ridge) {
    const predicted = await predictRidge(main.ridge, set.X, hooks);
    testScores = [scoresOf(set.y as Float64Array, predicted, test)];
  }
  const join = set.join;
  const weightRaster = settings.weightRaster;
  return {
    version: MODEL_FILE_VERSION,
    app: { name: 'rcf-desktop', version: appVersion() },
    created: new Date().toISOString(),
    settings,
    features: {
      path: featuresPath,
      sha256: await sha256File(featuresPath),
      rows: set.features.cells.length,
      usable: set.features.cells.filter((c) => c.usable).length,
      bank: featureBank(set.features.provenance),
    },
    labels: {
      path: settings.labels,
      sha256: await sha256File(settings.labels),
      join: join.kind,
      ...(weightRaster !== undefined &&
        join.kind === 'polygons' && { weight_raster: { path: weightRaster, sha256: await sha256File(weightRaster) } }),
      labels: join.labels,
      training_rows: join.rows.length,
      outside: join.outside,
      dropped: join.dropped.map((d) => ({ reason: d.reason, count: d.count })),
      summary: join.summary,
    },
    targets: [settings.target ?? 'band 1'],
    validation: main.validation,
    ...(random && { random }),
    ...(testScores && { test: testScores }),
    model: main.fitted,
  };
}

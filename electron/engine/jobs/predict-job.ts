/**
 * A fitted model applied to a featurize output (`rcf predict`): refused when
 * the features come from another filter bank, else a prediction per cell with
 * usable features (NaN elsewhere), written as CSV, GeoPackage or a GeoTIFF on
 * the cell grid. Regression writes `prediction`; classifiers write `class`
 * and a score per class (probabilities for logistic regression, decision
 * values for the ridge classifier).
 */
import { basename } from 'node:path';
import { UserError } from '../../../shared/errors/index.js';
import { bankDifference, featureBank, type ModelFile } from '../../../shared/model/index.js';
import { openFeatureFile } from '../export/read-features.js';
import { CLASS_COLUMN, predictionFormat, predictionRaster, writePrediction, type PredictionWritten } from '../export/prediction/index.js';
import { predictLogistic, predictRidge, predictRidgeClassifier, type ClassifierPredictions, type RidgeModel } from '../model/index.js';
import type { FitHooks } from './fit-job.js';

export interface PredictJobSpec {
  features: string;
  model: ModelFile;
  /** Where the model was read from (for messages, and so it is never overwritten). */
  modelPath: string;
  out: string;
  overwrite?: boolean;
}

export interface PredictJobResult extends PredictionWritten {
  cells: number;
  predicted: number;
  names: string[];
}

function ridgeModel(m: ModelFile['model']): RidgeModel {
  return {
    columns: m.columns,
    targets: m.outputs,
    coefficients: Float64Array.from(m.coefficients),
    intercept: Float64Array.from(m.intercept),
    lambda: m.penalty,
    log1p: m.log1p,
    clip: m.clip ? m.clip.map(([lo, hi]) => [lo ?? -Infinity, hi ?? Infinity] as const) : null,
  };
}

export async function runPredictJob(spec: PredictJobSpec, hooks: FitHooks = {}): Promise<PredictJobResult> {
  const format = predictionFormat(spec.out);
  const features = await openFeatureFile(spec.features, { signal: hooks.signal });
  const { model } = spec;
  const difference = bankDifference(model.features.bank, featureBank(features.provenance));
  if (difference)
    throw new UserError(
      `${basename(spec.features)}: made with other filters than the features ${basename(spec.modelPath)} was fitted on ` +
        `(${difference} differ); featurize with the same settings and filters`,
      { path: spec.features },
    );
  // A GeoTIFF needs one cell grid: refused before any work.
  if (format === 'tif') predictionRaster(spec.out, features.provenance);
  const m = model.model;
  const n = features.cells.length;
  const usable = features.cells.flatMap((cell, index) => (cell.usable ? [index] : []));
  let names: string[];
  let rows: Float64Array;
  let classes: string[] | undefined;
  if (m.kind === 'ridge') {
    names = model.targets.length === 1 ? ['prediction'] : model.targets.map((t) => `prediction_${t}`);
    rows = await predictRidge(ridgeModel(m), features.usable, hooks);
  } else {
    const modelClasses = m.classes as string[] | number[];
    classes = modelClasses.map(String);
    const predictions: ClassifierPredictions =
      m.kind === 'ridge-classifier'
        ? await predictRidgeClassifier({ classes: modelClasses, ridge: ridgeModel(m) }, features.usable, hooks)
        : await predictLogistic(
            {
              classes: modelClasses,
              columns: m.columns,
              outputs: m.outputs,
              coefficients: Float64Array.from(m.coefficients),
              intercept: Float64Array.from(m.intercept),
              C: m.penalty[0],
              iterations: m.iterations ?? 0,
              converged: m.converged ?? true,
            },
            features.usable,
            hooks,
          );
    const prefix = m.kind === 'logistic' ? 'p_' : 'score_';
    // Two-class ridge classifiers have one decision column, for the second class.
    const scoreNames =
      predictions.columns === classes.length ? classes.map((c) => `${prefix}${c}`) : [`${prefix}${classes[classes.length - 1]}`];
    names = [CLASS_COLUMN, ...scoreNames];
    const width = names.length;
    rows = new Float64Array(usable.length * width);
    for (let i = 0; i < usable.length; i++) {
      rows[i * width] = predictions.predicted[i] < 0 ? NaN : predictions.predicted[i];
      for (let c = 0; c < predictions.columns; c++) rows[i * width + 1 + c] = predictions.scores[i * predictions.columns + c];
    }
  }
  const width = names.length;
  const values = new Float64Array(n * width).fill(NaN);
  usable.forEach((cell, i) => values.set(rows.subarray(i * width, (i + 1) * width), cell * width));
  const written = await writePrediction(
    spec.out,
    { provenance: features.provenance, cells: features.cells, values, names, ...(classes && { classes }) },
    {
      overwrite: spec.overwrite === true,
      inputs: [spec.features, spec.modelPath],
      metadata: { model: spec.modelPath, features: spec.features, settings: model.settings, validation: model.validation },
      ...(hooks.signal && { signal: hooks.signal }),
    },
  );
  return { ...written, cells: n, predicted: usable.length, names };
}

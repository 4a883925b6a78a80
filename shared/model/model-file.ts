/**
 * The model file `rcf fit` writes and `rcf predict` reads (JSON): what was
 * fitted (coefficients, intercept, λ or C, classes), on what (the features'
 * file and filter bank, the labels' file, its sha256 and join), how it was
 * validated (the scheme, its seed, every fold's scores) and the settings that
 * give the equivalent command. Coefficients are float64 in JSON's shortest
 * round-trip form, so a model read back predicts exactly what it did when fitted.
 */
import { z } from '../zod.js';
import { UserError, fileLabel } from '../errors/index.js';
import type { Provenance } from '../provenance/index.js';
import { FitSettings, MODEL_KINDS } from './fit-options.js';

export const MODEL_FILE_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex');
const count = z.number().int().nonnegative();
/** A score is NaN where it is undefined (an AUC with one class), written as null. */
const score = z.number().nullable();
const scores = z.record(z.string(), score);

/** Everything that decides what a feature means: a model fitted on one bank applies to features of the same bank only. */
const FeatureBank = z.strictObject({
  weights_sha256: sha256,
  features: count,
  kernel: count,
  convention: z.string(),
  bias: z.number(),
  bands: z.array(z.number().int().positive()),
  scaling: z.strictObject({ scale: z.number(), offset: z.number(), raster_scale_offset: z.boolean() }),
  nodata_policy: z.string(),
});
export type FeatureBank = z.output<typeof FeatureBank>;

/** The feature bank of a featurize run, from its provenance. */
export function featureBank(p: Provenance): FeatureBank {
  return {
    weights_sha256: p.rcf.weights_sha256,
    features: p.rcf.features,
    kernel: p.rcf.kernel,
    convention: p.rcf.convention,
    bias: p.rcf.bias,
    bands: [...p.bands],
    scaling: { scale: p.scaling.scale, offset: p.scaling.offset, raster_scale_offset: p.scaling.raster_scale_offset },
    nodata_policy: p.nodata_policy,
  };
}

/** What differs between two banks, in words ("the filters (weights_sha256)"), or null when they are the same. */
export function bankDifference(fitted: FeatureBank, given: FeatureBank): string | null {
  const names: Record<keyof FeatureBank, string> = {
    weights_sha256: 'the filters',
    features: 'the number of features',
    kernel: 'the kernel size',
    convention: 'the convention',
    bias: 'the bias',
    bands: 'the bands',
    scaling: 'the scaling',
    nodata_policy: 'the nodata policy',
  };
  const keys = Object.keys(names) as (keyof FeatureBank)[];
  const differ = keys.filter((key) => JSON.stringify(fitted[key]) !== JSON.stringify(given[key]));
  return differ.length === 0 ? null : differ.map((key) => names[key]).join(', ');
}

const FoldScores = z.strictObject({ fold: count, train_rows: count, test_rows: count, scores });

/** One validation: per fold at the chosen value, and pooled over the out-of-fold predictions. */
const Validation = z.strictObject({
  scheme: z.string(),
  folds: count,
  /** The grid (λ, or C for logistic regression) and the mean fold score per value: what the choice is made by. */
  grid: z.array(z.number()),
  /** [value][target] (classifiers: one target, accuracy). */
  mean_score: z.array(z.array(score)),
  /** [value][target]: the pooled out-of-fold score. */
  pooled_score: z.array(z.array(score)),
  /** The score the curves show: 'r2' or 'accuracy'. */
  score: z.enum(['r2', 'accuracy']),
  /** Per target: the index of the chosen value. */
  best: z.array(count),
  edge_warning: z.array(z.boolean()),
  ill_conditioned: z.array(z.boolean()),
  per_fold: z.array(FoldScores),
  /** Pooled out-of-fold scores at the chosen value, per target. */
  pooled: z.array(scores),
  /** Classifiers: the pooled confusion matrix, [true][predicted] in class order. */
  confusion: z.array(z.array(count)).optional(),
});
export type Validation = z.output<typeof Validation>;

const Fitted = z.strictObject({
  kind: z.enum(MODEL_KINDS),
  /** K. */
  columns: count,
  /** Columns of the coefficients: targets (ridge), classes (one for two classes). */
  outputs: count,
  /** K×outputs, row-major. */
  coefficients: z.array(z.number()),
  intercept: z.array(z.number()),
  /** λ per output (ridge, ridge classifier), or [C] (logistic). */
  penalty: z.array(z.number()),
  log1p: z.boolean(),
  /** Per target [min, max]; null sides are open. */
  clip: z.array(z.tuple([z.number().nullable(), z.number().nullable()])).nullable(),
  classes: z.array(z.union([z.string(), z.number()])).optional(),
  iterations: count.optional(),
  converged: z.boolean().optional(),
});
export type Fitted = z.output<typeof Fitted>;

const Fields = z.strictObject({
  version: z.literal(MODEL_FILE_VERSION),
  app: z.strictObject({ name: z.literal('rcf-desktop'), version: z.string() }),
  created: z.iso.datetime(),
  settings: FitSettings,
  features: z.strictObject({ path: z.string(), sha256, rows: count, usable: count, bank: FeatureBank }),
  labels: z.strictObject({
    path: z.string(),
    sha256,
    join: z.enum(['points', 'polygons', 'raster']),
    /** Polygons weighted by a raster: its path and sha256. */
    weight_raster: z.strictObject({ path: z.string(), sha256 }).optional(),
    labels: count,
    training_rows: count,
    outside: count,
    dropped: z.array(z.strictObject({ reason: z.string(), count })),
    summary: z.string(),
  }),
  targets: z.array(z.string()),
  validation: Validation,
  /** Spatial schemes: random k-fold on the same rows, for the side-by-side comparison. */
  random: Validation.optional(),
  /** The paper's protocol: the refit's scores on the held-out 20 %. */
  test: z.array(scores).optional(),
  model: Fitted,
});

export type ModelFile = z.output<typeof Fields>;
export const ModelFile = Fields;

/** A model file's text, validated; anything else is one line naming the file. */
export function parseModelFile(textValue: string, where: string): ModelFile {
  const refuse = (reason: string) =>
    new UserError(`${fileLabel(where)}: not a model file RCF Desktop can read (${reason})`, { path: where });
  let json: unknown;
  try {
    json = JSON.parse(textValue);
  } catch (e) {
    throw refuse(`not JSON: ${(e as Error).message}`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > MODEL_FILE_VERSION) throw refuse(`version ${version}, written by a newer RCF Desktop`);
  const result = Fields.safeParse(json);
  if (!result.success) {
    const [first] = result.error.issues;
    throw refuse(`${first.path.join('.')}: ${first.message}`);
  }
  const m = result.data.model;
  if (m.coefficients.length !== m.columns * m.outputs || m.intercept.length !== m.outputs)
    throw refuse(`model: ${m.coefficients.length} coefficients and ${m.intercept.length} intercepts for ${m.columns}×${m.outputs}`);
  return result.data;
}

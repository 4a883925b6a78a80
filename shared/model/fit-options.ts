/**
 * Every setting of a model fit (`rcf fit`, the app's Model panel), defined
 * once: its flag, the name people see, its type, default, choices and help.
 * The CLI's parser and `--help`, the panel's fields, the fit's schema at the
 * service boundary and the history's equivalent command come from this table.
 */
import { z } from '../zod.js';
import {
  argsFromValues,
  choice,
  flag,
  integer,
  numbers,
  optionsShape,
  path,
  SEED_RANGE,
  SettingError,
  shellQuote,
  text,
  type Described,
  type Option,
} from '../options/index.js';

/** The paper's λ grid, `np.logspace(-3, 3, 9)`. */
export const DEFAULT_LAMBDAS: readonly number[] = Array.from({ length: 9 }, (_, i) => 10 ** (-3 + 0.75 * i));

/** What is fitted: a regression, or a classifier (ridge on ±1 one-vs-rest targets, or multinomial logistic). */
export const MODEL_KINDS = ['ridge', 'ridge-classifier', 'logistic'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Whether a kind of model predicts classes. */
export function isClassifier(kind: ModelKind): boolean {
  return kind !== 'ridge';
}

/**
 * How λ (or C) is chosen and the model scored: random k-fold, the MOSAIKS paper's protocol (an 80/20 split,
 * k-fold on the 80 %), or spatial folds that hold out whole squares of the map or whole groups.
 */
export const CV_SCHEMES = ['kfold', 'paper', 'checkerboard', 'blocks', 'groups'] as const;
export type CvScheme = (typeof CV_SCHEMES)[number];

/** Whether a scheme holds out places rather than random rows (its scores are shown beside random k-fold's). */
export function isSpatial(scheme: CvScheme): boolean {
  return scheme === 'checkerboard' || scheme === 'blocks' || scheme === 'groups';
}

/** A square's side for spatial folds: metres (`50 km`, `5000m`) or degrees (`0.5deg`, `0.5°`). */
export interface BlockSize {
  size: number;
  unit: 'm' | 'deg';
}

export function parseBlockSize(textValue: string): BlockSize {
  const t = textValue.trim().toLowerCase();
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(m|km|deg|°)$/.exec(t);
  // Kilometres by moving the decimal point, so 0.1 km is exactly 100 m.
  const size = m ? Number(m[2] === 'km' ? `${m[1]}e3` : m[1]) : NaN;
  if (!m || !(size > 0) || !Number.isFinite(size)) throw new Error(`must be a size in metres, kilometres or degrees, got '${textValue}'`);
  return { size, unit: m[2] === 'm' || m[2] === 'km' ? 'm' : 'deg' };
}

function blockSizeProblem(value: string): string | null {
  try {
    parseBlockSize(value);
    return null;
  } catch (e) {
    return `${(e as Error).message} (e.g. 50 km, 0.5deg)`;
  }
}

/** How predictions are clipped: not at all, to the training range of the target, or to `MIN,MAX`. */
export type ClipSetting = 'none' | 'train-range' | readonly [number, number];

export function parseClip(value: string): ClipSetting {
  const t = value.trim();
  if (t === 'none' || t === 'train-range') return t;
  const parts = t.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (parts.length === 2 && parts.every((n) => !Number.isNaN(n)) && parts[0] < parts[1]) return [parts[0], parts[1]];
  throw new Error(`must be none, train-range or MIN,MAX with MIN < MAX (e.g. 0,1), got '${value}'`);
}

function clipProblem(value: string): string | null {
  try {
    parseClip(value);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function columnProblem(value: string): string | null {
  return value.trim() === '' ? 'needs a column name' : value.length > 256 ? 'is longer than 256 characters' : null;
}

const noProblem = () => null;

/** What a fit option says beyond every option: the Model panel's section. */
interface FitDescribed extends Described {
  group: FitOptionGroup;
}

/** The Model panel's sections, in order, with their titles. */
export const FIT_OPTION_GROUPS = { labels: 'Labels', model: 'Model', validation: 'Validation' } as const;
export type FitOptionGroup = keyof typeof FIT_OPTION_GROUPS;

export type FitOption<T, D extends T | undefined = T | undefined> = Option<T, D> & FitDescribed;

/** The table. The order is the order of the panel, of `--help` and of the equivalent command line. */
export const FIT_OPTIONS = {
  labels: path({
    flag: 'labels',
    label: 'Labels',
    metavar: 'FILE',
    group: 'labels',
    help: 'points or polygons (CSV, GeoJSON, GeoPackage) or a label raster (GeoTIFF)',
  }),
  labelsLayer: text({
    flag: 'labels-layer',
    label: 'Labels layer',
    metavar: 'NAME',
    default: undefined,
    check: columnProblem,
    group: 'labels',
    help: "the labels' layer in a GeoPackage; the only one when not given",
  }),
  target: text({
    flag: 'target',
    label: 'Target',
    metavar: 'COLUMN',
    default: undefined,
    check: columnProblem,
    group: 'labels',
    help: 'the column to predict (a raster: its band 1)',
  }),
  labelsCrs: text({
    flag: 'labels-crs',
    label: 'Labels CRS',
    metavar: 'EPSG:N',
    default: undefined,
    check: noProblem,
    group: 'labels',
    help: "a CSV's CRS when its columns are x/y (lon/lat columns are WGS84)",
  }),
  weightRaster: path({
    flag: 'weight-raster',
    label: 'Weight raster',
    metavar: 'RASTER',
    group: 'labels',
    help: 'polygon labels: weigh cells by this raster (e.g. population) instead of by area',
  }),
  model: choice({
    flag: 'model',
    label: 'Model',
    choices: MODEL_KINDS,
    default: 'ridge',
    group: 'model',
    choiceLabels: { ridge: 'Ridge regression', 'ridge-classifier': 'Ridge classifier', logistic: 'Logistic regression' },
    help: 'ridge regression, or a classifier: ridge on ±1 one-vs-rest targets, or L2 multinomial logistic regression',
  }),
  lambdas: numbers({
    flag: 'lambdas',
    label: 'λ grid',
    metavar: 'L1,L2,...',
    max: 100,
    default: DEFAULT_LAMBDAS,
    group: 'model',
    help: 'ridge penalties tried, increasing (logspace(-3, 3, 9) as the paper); for logistic regression, values of C',
  }),
  noIntercept: flag({ flag: 'no-intercept', label: 'No intercept', group: 'model', help: 'fit without an intercept (no centring)' }),
  clip: text({
    flag: 'clip',
    label: 'Clip predictions',
    metavar: 'none|train-range|MIN,MAX',
    default: 'none',
    check: clipProblem,
    group: 'model',
    help: 'regression: clip predictions to the training range of the target or to MIN,MAX',
  }),
  log1p: flag({
    flag: 'log1p',
    label: 'log(1 + y)',
    group: 'model',
    help: 'regression: fit log(1 + y) and predict back in the units of y',
  }),
  cv: choice({
    flag: 'cv',
    label: 'Validation',
    choices: CV_SCHEMES,
    default: 'kfold',
    group: 'validation',
    choiceLabels: {
      kfold: 'Random k-fold',
      paper: "MOSAIKS paper's (80/20 split, k-fold)",
      checkerboard: 'Spatial: checkerboard',
      blocks: 'Spatial: square blocks',
      groups: 'Spatial: by group column',
    },
    help: 'how λ is chosen and the model scored; spatial schemes are reported beside random k-fold',
  }),
  folds: integer({
    flag: 'folds',
    label: 'Folds',
    metavar: 'K',
    min: 2,
    max: 100,
    default: 5,
    group: 'validation',
    help: 'folds (not for checkerboard: 2)',
  }),
  seed: integer({
    flag: 'seed',
    label: 'Seed',
    metavar: 'S',
    ...SEED_RANGE,
    default: 0,
    group: 'validation',
    help: 'shuffles the folds, the split and the squares; the same seed gives the same folds',
  }),
  blockSize: text({
    flag: 'block-size',
    label: 'Square size',
    metavar: 'SIZE',
    default: undefined,
    check: blockSizeProblem,
    group: 'validation',
    help: 'checkerboard and blocks: the side of the squares, in metres, kilometres or degrees (e.g. 50 km, 0.5deg)',
  }),
  group: text({
    flag: 'group',
    label: 'Group column',
    metavar: 'COLUMN',
    default: undefined,
    check: columnProblem,
    group: 'validation',
    help: 'groups: rows with the same value are held out together (e.g. district)',
  }),
} as const;

export type FitOptionKey = keyof typeof FIT_OPTIONS;
export const FIT_OPTION_KEYS = Object.keys(FIT_OPTIONS) as FitOptionKey[];

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the default's type is inferred only to be ignored
type FitValue<K extends FitOptionKey> = (typeof FIT_OPTIONS)[K] extends Option<infer T, infer _Default> ? T : never;
/** Options without a default: absent means the fallback their help describes. */
type OptionalKey = { [K in FitOptionKey]: (typeof FIT_OPTIONS)[K]['default'] extends undefined ? K : never }[FitOptionKey];

/** A fit's settings, as they cross boundaries; `labels` and `target` are needed, the rest have defaults or fallbacks. */
export type FitSettings = { [K in Exclude<FitOptionKey, OptionalKey>]: FitValue<K> } & { [K in OptionalKey]?: FitValue<K> } & {
  labels: string;
  target: string;
};

/** A fit setting's name as people see it (its label). */
export function fitLabelOf(key: string): string {
  return Object.hasOwn(FIT_OPTIONS, key) ? FIT_OPTIONS[key as FitOptionKey].label : key;
}

/** A fit setting is wrong; `{}` in `problem` names `related`. */
export function fitSettingError(key: FitOptionKey, problem: string, related?: FitOptionKey): SettingError {
  return new SettingError(key, problem, fitLabelOf, related);
}

/**
 * The rules between settings: a target and labels; the square size for square schemes and only there;
 * a group column for group folds; a checkerboard has 2 folds; clipping and log1p are for regression.
 */
export function fitSettingsProblem(s: FitSettings): SettingError | null {
  const squares = s.cv === 'checkerboard' || s.cv === 'blocks';
  if (squares && s.blockSize === undefined) return fitSettingError('cv', `${s.cv} needs {}`, 'blockSize');
  if (!squares && s.blockSize !== undefined) return fitSettingError('blockSize', 'only applies to {} checkerboard or blocks', 'cv');
  if (s.cv === 'groups' && s.group === undefined) return fitSettingError('cv', 'groups needs {}', 'group');
  if (s.cv === 'checkerboard' && s.folds !== 2 && s.folds !== FIT_OPTIONS.folds.default)
    return fitSettingError('folds', 'must be 2 for {} checkerboard (black and white squares)', 'cv');
  if (isClassifier(s.model) && s.clip !== 'none') return fitSettingError('clip', 'only applies to ridge regression');
  if (isClassifier(s.model) && s.log1p) return fitSettingError('log1p', 'only applies to ridge regression');
  if (s.weightRaster !== undefined && /\.(tiff?)$/i.test(s.labels))
    return fitSettingError('weightRaster', 'only applies to polygon labels');
  return null;
}

/** The settings' fields, each checked by its option, defaults filled in; the rules between them are not checked. */
export const FitSettingsFields = z.object(optionsShape(FIT_OPTIONS)).extend({ labels: FIT_OPTIONS.labels.schema }) as unknown as z.ZodType<
  FitSettings,
  unknown
>;

/** A fit's settings at a boundary (the service, a model file): each option's schema, defaults filled in, the rules checked. */
export const FitSettings = FitSettingsFields.superRefine((s, ctx) => {
  const problem = fitSettingsProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.setting], message: problem.message });
});

/** The `rcf fit` command line that reproduces `settings` on `features`, for the app's history and the CLI's model file. */
export function fitCommandLine(features: string, settings: FitSettings, out: string): string {
  const args = [features, ...argsFromValues(FIT_OPTIONS, settings as unknown as Record<string, unknown>), '--out', out];
  return ['rcf', 'fit', ...args.map(shellQuote)].join(' ');
}

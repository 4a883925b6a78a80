/**
 * Every setting of a featurize run, defined once: its flag, the name people
 * see, its type, default, allowed values, unit and help. The contract's
 * `RunSettings` schema, the engine's job spec, the CLI's parser and `--help`,
 * the app's run form and the history's equivalent command are all derived
 * from this table (see docs/architecture.md, "Adding a run option").
 *
 * Values are parsed from text (a form field, a CLI value) by the option
 * itself; a problem is a `SettingError` that names the setting. Only the CLI
 * turns the setting's name into its flag.
 */
import { z } from '../zod.js';
import {
  choice,
  flag,
  integer,
  number,
  optionsShape,
  path,
  paths,
  SEED_RANGE,
  SettingError,
  text,
  type Described,
  type Option,
} from '../options/index.js';
import { CONVENTIONS } from '../rcf/conventions.js';
import { NODATA_POLICIES } from '../rcf/cell-sums.js';
import { EDGE_POLICIES, parseCellSize } from '../grid/cells.js';

/** How the filters are made: random Gaussian, sampled from the imagery (empirical), or read from a `.npy` file. */
export const FILTER_MODES = ['gaussian', 'empirical', 'file'] as const;
export type FilterMode = (typeof FILTER_MODES)[number];

/** Where the kernel runs; `auto` picks a hardware GPU when there is one. */
export const BACKENDS = ['auto', 'cpu', 'webgpu', 'reference'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** What a run option says about itself, beyond what every option does. */
interface RunDescribed extends Described {
  /** Filter modes the setting applies to (all when absent). */
  modes?: readonly FilterMode[];
  /** The run form's section. */
  group: OptionGroup;
  /** Path options: which files the form's chooser offers. */
  files?: 'weights' | 'rasters';
}

/** The run form's sections, in order, with their titles. */
export const OPTION_GROUPS = { filters: 'Filters', input: 'Input', grid: 'Grid', model: 'Model' } as const;
export type OptionGroup = keyof typeof OPTION_GROUPS;

export type RunOption<T, D extends T | undefined = T | undefined> = Option<T, D> & RunDescribed;

export { SettingError, filePath, type OptionType } from '../options/index.js';

/** A run setting's name as people see it (its label). */
export function runLabelOf(key: string): string {
  return Object.hasOwn(RUN_OPTIONS, key) ? RUN_OPTIONS[key as RunOptionKey].label : key;
}

/** A run setting's value is wrong; `{}` in `problem` names `related`. */
export function runSettingError(key: RunOptionKey, problem: string, related?: RunOptionKey): SettingError {
  return new SettingError(key, problem, runLabelOf, related);
}

/** 1-based band numbers, as people count them; at most `max` of them. */
function bands(d: RunDescribed & { max: number }): RunOption<number[], undefined> & { max: number } {
  const fail = (key: string, problem: string): never => {
    throw new SettingError(key, problem, () => d.label);
  };
  const tooMany = (n: number) => `must list at most ${d.max} bands, got ${n}`;
  return {
    ...d,
    type: 'bands',
    default: undefined,
    schema: z.array(z.number().int().positive()).min(1).max(d.max, `${d.label} must list at most ${d.max} bands`),
    parse(value, key) {
      const parts = value.split(',');
      if (parts.length > d.max) fail(key, tooMany(parts.length));
      return parts.map((part) => {
        const n = Number(part.trim());
        return /^\s*[0-9]+\s*$/.test(part) && n >= 1 && Number.isSafeInteger(n)
          ? n
          : fail(key, `must be band numbers counted from 1, e.g. 1,2,3; got '${value.slice(0, 80)}'`);
      });
    },
    format: (v) => v.join(','),
  };
}

function cellSizeProblem(value: string): string | null {
  try {
    parseCellSize(value);
    return null;
  } catch {
    const sizes = "a whole number of pixels, a size in metres, kilometres or degrees (e.g. 1000m, 10 km, 0.01deg) or 'whole'";
    return `must be ${sizes}, got '${value}'`;
  }
}

const KERNEL_MODES = ['gaussian', 'empirical'] as const;

/**
 * The table. The order is the order of the form, of `--help` and of the
 * equivalent command line.
 */
export const RUN_OPTIONS = {
  mode: choice({
    flag: 'mode',
    label: 'Filters',
    choices: FILTER_MODES,
    default: 'gaussian',
    group: 'filters',
    choiceLabels: { gaussian: 'Random Gaussian', empirical: 'Empirical patches (ZCA)', file: 'Weights file (.npy)' },
    help: 'how the filters are made: random, from ZCA-whitened patches of the imagery, or read from a .npy file',
  }),
  weights: path({
    flag: 'weights',
    label: 'Weights file',
    metavar: 'W.npy',
    modes: ['file'],
    group: 'filters',
    files: 'weights',
    help: 'float32 filters [K/2, C, k, k] (rcf weights makes them)',
  }),
  features: integer({
    flag: 'features',
    label: 'Features (K)',
    metavar: 'K',
    min: 2,
    max: 8192,
    even: true,
    default: 512,
    modes: KERNEL_MODES,
    group: 'filters',
    help: 'features per cell; half come from each ReLU half, so K is even',
  }),
  kernel: integer({
    flag: 'kernel',
    label: 'Kernel size',
    metavar: 'k',
    min: 1,
    max: 31,
    default: 3,
    unit: 'px',
    modes: KERNEL_MODES,
    group: 'filters',
    help: 'filter side',
  }),
  seed: integer({
    flag: 'seed',
    label: 'Seed',
    metavar: 'S',
    ...SEED_RANGE,
    default: 0,
    modes: KERNEL_MODES,
    group: 'filters',
    help: 'the same seed gives the same filters',
  }),
  train: paths({
    flag: 'train',
    label: 'Training rasters',
    metavar: 'RASTER',
    modes: ['empirical'],
    group: 'filters',
    files: 'rasters',
    help: 'rasters to sample patches from; the inputs themselves when none',
  }),
  patches: integer({
    flag: 'patches',
    label: 'Patches',
    metavar: 'N',
    min: 1,
    max: 10_000_000,
    modes: ['empirical'],
    group: 'filters',
    help: 'patches whitened together, at least K/2 (62,500 or K/2 when not given)',
  }),
  bands: bands({
    flag: 'bands',
    label: 'Bands',
    metavar: '1,2,3',
    max: 1024,
    group: 'input',
    help: 'band numbers, counted from 1; all bands of the first raster when not given',
  }),
  scale: number({
    flag: 'scale',
    label: 'Scale',
    metavar: 'S',
    default: 1,
    nonZero: true,
    group: 'input',
    help: 'pixel values are multiplied by this',
  }),
  offset: number({ flag: 'offset', label: 'Offset', metavar: 'O', default: 0, group: 'input', help: 'then this is added' }),
  rasterScale: flag({
    flag: 'raster-scale',
    label: "Use the raster's scale and offset",
    group: 'input',
    help: "apply each band's own scale and offset first",
  }),
  cellSize: text({
    flag: 'cell-size',
    label: 'Cell size',
    metavar: 'N|Xm|Xdeg|whole',
    default: '256',
    check: cellSizeProblem,
    group: 'grid',
    help: 'pixels per cell side (64), metres or kilometres (1000m, 10 km) or degrees (0.01deg) rounded to whole pixels, or whole',
  }),
  edge: choice({
    flag: 'edge',
    label: 'Edge cells',
    choices: EDGE_POLICIES,
    default: 'drop',
    group: 'grid',
    choiceLabels: { drop: 'Drop partial cells', keep: 'Keep partial cells' },
    help: 'partial cells at the right and bottom: dropped, or featurized too',
  }),
  nodata: choice({
    flag: 'nodata',
    label: 'Nodata',
    choices: NODATA_POLICIES,
    default: 'mask',
    group: 'input',
    choiceLabels: { mask: 'Mask (valid windows only)', propagate: 'Propagate (NaN cell)' },
    help: 'nodata pixels are left out of the means (mask) or make the cell NaN (propagate)',
  }),
  convention: choice({
    flag: 'convention',
    label: 'Convention',
    choices: CONVENTIONS,
    default: 'torchgeo',
    group: 'model',
    choiceLabels: { torchgeo: 'torchgeo (b = −1)', paper: 'paper (β = 0)' },
    help: 'activation: torchgeo relu(c+b), relu(−c−b); paper relu(c−β), relu(−c−β)',
  }),
  bias: number({
    flag: 'bias',
    label: 'Bias',
    metavar: 'B',
    group: 'model',
    help: "the convention's default when not given (torchgeo −1, paper 0)",
  }),
  backend: choice({
    flag: 'backend',
    label: 'Backend',
    choices: BACKENDS,
    default: 'auto',
    group: 'model',
    choiceLabels: { auto: 'Auto (GPU if present)', cpu: 'CPU', webgpu: 'GPU (WebGPU)', reference: 'Reference (slow)' },
    help: 'auto: a hardware GPU (WebGPU) if there is one, else the CPU; software GPUs only when chosen',
  }),
  threads: integer({
    flag: 'threads',
    label: 'Threads',
    metavar: 'N',
    min: 1,
    max: 256,
    group: 'model',
    help: 'CPU threads; all cores when not given',
  }),
} as const;

export type RunOptionKey = keyof typeof RUN_OPTIONS;
export const RUN_OPTION_KEYS = Object.keys(RUN_OPTIONS) as RunOptionKey[];

/** The value type of each option. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the default's type is inferred only to be ignored
export type RunOptionValues = { [K in RunOptionKey]: (typeof RUN_OPTIONS)[K] extends RunOption<infer T, infer _Default> ? T : never };
/** Options without a default: absent means the fallback their help describes. */
type OptionalKey = { [K in RunOptionKey]: (typeof RUN_OPTIONS)[K]['default'] extends undefined ? K : never }[RunOptionKey];
type OptionShape = {
  [K in RunOptionKey]: K extends OptionalKey ? z.ZodOptional<z.ZodType<RunOptionValues[K]>> : z.ZodDefault<z.ZodType<RunOptionValues[K]>>;
};

/** Whether a setting applies under a filter mode. */
export function appliesTo(key: RunOptionKey, mode: FilterMode): boolean {
  const modes: readonly FilterMode[] | undefined = (RUN_OPTIONS[key] as RunOption<unknown>).modes;
  return modes === undefined || modes.includes(mode);
}

/**
 * The options' schemas as a zod shape: those with a default are filled in
 * when absent, the others are optional (their fallback is described in help).
 */
export const runOptionShape = optionsShape(RUN_OPTIONS) as OptionShape;

/** Cross-option rules, for a schema's superRefine: a file mode needs its file; settings of other filter modes are refused. */
export function checkRunOptions(values: Partial<RunOptionValues>, ctx: z.RefinementCtx): void {
  const mode = values.mode ?? 'gaussian';
  if (mode === 'file' && values.weights === undefined)
    ctx.addIssue({ code: 'custom', path: ['weights'], message: 'choose a weights file (.npy)' });
  for (const key of RUN_OPTION_KEYS) {
    if (isGiven(key, values[key]) && !appliesTo(key, mode)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${RUN_OPTIONS[key].label} does not apply to ${mode} filters` });
    }
  }
}

/** A value other than the option's default (and other than an empty list). */
export function isGiven(key: RunOptionKey, value: unknown): boolean {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return false;
  const fallback: unknown = RUN_OPTIONS[key].default;
  return value !== fallback;
}

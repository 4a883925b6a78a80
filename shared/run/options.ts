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
import { UserError } from '../errors/index.js';
import { CONVENTIONS } from '../rcf/conventions.js';
import { NODATA_POLICIES } from '../rcf/cell-sums.js';
import { EDGE_POLICIES, parseCellSize } from '../grid/cells.js';

/** How the filters are made: random Gaussian, sampled from the imagery (empirical), or read from a `.npy` file. */
export const FILTER_MODES = ['gaussian', 'empirical', 'file'] as const;
export type FilterMode = (typeof FILTER_MODES)[number];

/** Where the kernel runs; `auto` picks a hardware GPU when there is one. */
export const BACKENDS = ['auto', 'cpu', 'webgpu', 'reference'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

interface Described {
  /** The CLI flag, without the dashes. */
  flag: string;
  /** The setting's name in the app and in the engine's messages. */
  label: string;
  help: string;
  /** Shown after the value in the form and in `--help`. */
  unit?: string;
  /** Filter modes the setting applies to (all when absent). */
  modes?: readonly FilterMode[];
  /** The help's placeholder for the value (`N`, `FILE`, ...). */
  metavar?: string;
  /** The run form's section. */
  group: OptionGroup;
  /** How the form names each choice. */
  choiceLabels?: Record<string, string>;
  /** Path options: which files the form's chooser offers. */
  files?: 'weights' | 'rasters';
}

/** The run form's sections, in order, with their titles. */
export const OPTION_GROUPS = { filters: 'Filters', input: 'Input', grid: 'Grid', model: 'Model' } as const;
export type OptionGroup = keyof typeof OPTION_GROUPS;

export type OptionType = 'integer' | 'number' | 'choice' | 'flag' | 'text' | 'bands' | 'path' | 'paths';

export interface RunOption<T, D extends T | undefined = T | undefined> extends Described {
  type: OptionType;
  choices?: readonly string[];
  /** The value when the setting is not given; undefined: the setting is optional and has a described fallback. */
  default: D;
  /** Validates the value wherever it crosses a boundary (the contract, the job spec). */
  schema: z.ZodType<T>;
  /** Text as typed (a form field, one CLI value) to a value; throws a SettingError naming this option. */
  parse(text: string, key: string): T;
  /** The value as text, the inverse of parse. */
  format(value: T): string;
}

/**
 * A setting's value is wrong. The message names the setting as the app and
 * the engine do (its label); the CLI names it by its flag (`describe`).
 */
export class SettingError extends UserError {
  override name = 'SettingError';
  readonly setting: RunOptionKey;
  /** What is wrong, to follow the setting's name ("must be an even number, got 7"); `{}` stands for `related`'s name. */
  readonly problem: string;
  readonly related?: RunOptionKey;

  constructor(setting: RunOptionKey, problem: string, related?: RunOptionKey) {
    super(describeSetting(setting, problem, related, (key) => RUN_OPTIONS[key].label));
    this.setting = setting;
    this.problem = problem;
    if (related !== undefined) this.related = related;
  }

  /** The message with settings named by `nameOf` (the CLI passes their flags). */
  override describe(nameOf: (key: RunOptionKey) => string): string {
    return describeSetting(this.setting, this.problem, this.related, nameOf);
  }
}

function describeSetting(
  key: RunOptionKey,
  problem: string,
  related: RunOptionKey | undefined,
  nameOf: (key: RunOptionKey) => string,
): string {
  return `${nameOf(key)} ${related ? problem.replace('{}', nameOf(related)) : problem}`;
}

function fail(key: string, problem: string): never {
  throw new SettingError(key as RunOptionKey, problem);
}

function integer<D extends number | undefined = undefined>(
  d: Described & { min: number; max: number; even?: boolean; default?: D },
): RunOption<number, D> {
  const check = (n: number): string | null => {
    if (!Number.isInteger(n)) return `must be a whole number, got ${n}`;
    if (n < d.min) return `must be at least ${d.min}, got ${n}`;
    if (n > d.max) return `must be at most ${d.max}, got ${n}`;
    if (d.even && n % 2 !== 0) return `must be an even number, got ${n}`;
    return null;
  };
  return {
    ...d,
    type: 'integer',
    default: d.default as D,
    schema: z.number().superRefine((n, ctx) => {
      const problem = check(n);
      if (problem) ctx.addIssue({ code: 'custom', message: `${d.label} ${problem}` });
    }),
    parse(text, key) {
      const trimmed = text.trim();
      if (!/^-?[0-9]+$/.test(trimmed)) fail(key, `must be a whole number, got '${text}'`);
      const problem = check(Number(trimmed));
      return problem ? fail(key, problem) : Number(trimmed);
    },
    format: String,
  };
}

/** The largest float32: the kernels compute in float32, so a setting beyond it would turn every value infinite. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A number within float32's range; `nonZero` refuses 0 (a scale of 0 would make every pixel 0). */
function number<D extends number | undefined = undefined>(d: Described & { default?: D; nonZero?: boolean }): RunOption<number, D> {
  const inRange = (n: number) => Number.isFinite(n) && Math.abs(n) <= FLOAT32_MAX;
  return {
    ...d,
    type: 'number',
    default: d.default as D,
    schema: z
      .number()
      .refine(inRange, `${d.label} must be a finite number within ±3.4e38 (float32)`)
      .refine((n) => !d.nonZero || n !== 0, `${d.label} must not be 0`),
    parse(text, key) {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) fail(key, `must be a number, got '${text.slice(0, 80)}'`);
      if (!inRange(n)) fail(key, `must be within ±3.4e38 (float32), got ${text.trim()}`);
      return d.nonZero && n === 0 ? fail(key, 'must not be 0 (every pixel would become 0)') : n;
    },
    format: String,
  };
}

function choice<const C extends readonly [string, ...string[]]>(
  d: Described & { choices: C; default: C[number] },
): RunOption<C[number], C[number]> {
  return {
    ...d,
    type: 'choice',
    schema: z.enum(d.choices as unknown as [C[number], ...C[number][]]),
    parse(text, key) {
      return (d.choices as readonly string[]).includes(text) ? text : fail(key, `must be one of ${d.choices.join(', ')}; got '${text}'`);
    },
    format: String,
  };
}

function flag(d: Described): RunOption<boolean, boolean> {
  return {
    ...d,
    type: 'flag',
    default: false,
    schema: z.boolean(),
    parse: (text, key) => (text === 'true' ? true : text === 'false' ? false : fail(key, `must be true or false, got '${text}'`)),
    format: String,
  };
}

function text(d: Described & { default: string; check: (text: string) => string | null }): RunOption<string, string> {
  return {
    ...d,
    type: 'text',
    schema: z.string().superRefine((s, ctx) => {
      const problem = d.check(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `${d.label} ${problem}` });
    }),
    parse(value, key) {
      const problem = d.check(value.trim());
      return problem ? fail(key, problem) : value.trim();
    },
    format: String,
  };
}

export const filePath = z.string().min(1, 'a file path is needed').max(4096);

function path(d: Described): RunOption<string, undefined> {
  return {
    ...d,
    type: 'path',
    default: undefined,
    schema: filePath,
    parse: (value, key) => (value === '' ? fail(key, 'needs a file') : value),
    format: String,
  };
}

function paths(d: Described): RunOption<string[], string[]> {
  return {
    ...d,
    type: 'paths',
    default: [],
    schema: z.array(filePath),
    parse: (value, key) => (value === '' ? fail(key, 'needs a file') : [value]),
    format: (v) => v.join(','),
  };
}

/** 1-based band numbers, as people count them; at most `max` of them. */
function bands(d: Described & { max: number }): RunOption<number[], undefined> & { max: number } {
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
    min: 0,
    max: 2 ** 32 - 1,
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
  const modes: readonly FilterMode[] | undefined = RUN_OPTIONS[key].modes;
  return modes === undefined || modes.includes(mode);
}

/**
 * The options' schemas as a zod shape: those with a default are filled in
 * when absent, the others are optional (their fallback is described in help).
 */
function optionShape(): OptionShape {
  const shape: Record<string, z.ZodType> = {};
  for (const key of RUN_OPTION_KEYS) {
    const option = RUN_OPTIONS[key] as RunOption<unknown>;
    shape[key] = option.default === undefined ? option.schema.optional() : option.schema.default(option.default as never);
  }
  return shape as never;
}
export const runOptionShape = optionShape();

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

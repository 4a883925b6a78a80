/**
 * Options defined once, as tables: each option's flag, the name people see,
 * its type, default, allowed values, unit and help, and how its value is read
 * from text (a form field, a CLI value) and written back. The run's table
 * (shared/run/options.ts) and the fit's (shared/model/fit-options.ts) are made
 * of these builders, so a number or a choice is checked the same way, with the
 * same words, wherever it is typed.
 *
 * A problem is a `SettingError` that names the option by its label; only the
 * CLI names it by its flag (`describe`).
 */
import { z } from '../zod.js';
import { UserError } from '../errors/index.js';

/** What every option says about itself. Tables add fields of their own (a form section, the modes it applies to). */
export interface Described {
  /** The CLI flag, without the dashes. */
  flag: string;
  /** The option's name in the app and in the engine's messages. */
  label: string;
  help: string;
  /** Shown after the value in the form and in `--help`. */
  unit?: string;
  /** The help's placeholder for the value (`N`, `FILE`, ...). */
  metavar?: string;
  /** How the form names each choice. */
  choiceLabels?: Record<string, string>;
}

export type OptionType = 'integer' | 'number' | 'choice' | 'flag' | 'text' | 'bands' | 'path' | 'paths' | 'numbers';

export interface Option<T, D extends T | undefined = T | undefined> extends Described {
  type: OptionType;
  choices?: readonly string[];
  /** The value when the option is not given; undefined: the option is optional and has a described fallback. */
  default: D;
  /** Validates the value wherever it crosses a boundary (the contract, a job spec). */
  schema: z.ZodType<T>;
  /** Text as typed (a form field, one CLI value) to a value; throws a SettingError naming this option. */
  parse(text: string, key: string): T;
  /** The value as text, the inverse of parse. */
  format(value: T): string;
}

/**
 * An option's value is wrong. The message names the option as the app and the
 * engine do (its label); the CLI names it by its flag (`describe`).
 */
export class SettingError extends UserError {
  override name = 'SettingError';
  readonly setting: string;
  /** What is wrong, to follow the option's name ("must be an even number, got 7"); `{}` stands for `related`'s name. */
  readonly problem: string;
  readonly related?: string;

  /** `labelOf` names options as people see them (the table's labels). */
  constructor(setting: string, problem: string, labelOf: (key: string) => string, related?: string) {
    super(describeSetting(setting, problem, related, labelOf));
    this.setting = setting;
    this.problem = problem;
    if (related !== undefined) this.related = related;
  }

  /** The message with options named by `nameOf` (the CLI passes their flags). */
  override describe(nameOf: (key: string) => string): string {
    return describeSetting(this.setting, this.problem, this.related, nameOf);
  }
}

function describeSetting(key: string, problem: string, related: string | undefined, nameOf: (key: string) => string): string {
  return `${nameOf(key)} ${related ? problem.replace('{}', nameOf(related)) : problem}`;
}

function failer(d: Described) {
  return (key: string, problem: string): never => {
    throw new SettingError(key, problem, () => d.label);
  };
}

export function integer<const X extends Described, D extends number | undefined = undefined>(
  d: X & { min: number; max: number; even?: boolean; default?: D },
): Option<number, D> & X {
  const fail = failer(d);
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

/**
 * A finite number: within float32's range unless `positive` (a quantity of a model, read as float64, must be > 0);
 * `nonZero` refuses 0 (a scale of 0 would make every pixel 0).
 */
export function number<const X extends Described, D extends number | undefined = undefined>(
  d: X & { default?: D; nonZero?: boolean; positive?: boolean },
): Option<number, D> & X {
  const fail = failer(d);
  const inRange = (n: number) => Number.isFinite(n) && (d.positive ? n > 0 : Math.abs(n) <= FLOAT32_MAX);
  const range = d.positive ? 'a finite number above 0' : 'within ±3.4e38 (float32)';
  return {
    ...d,
    type: 'number',
    default: d.default as D,
    schema: z
      .number()
      .refine(inRange, `${d.label} must be ${d.positive ? range : `a finite number ${range}`}`)
      .refine((n) => !d.nonZero || n !== 0, `${d.label} must not be 0`),
    parse(text, key) {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) fail(key, `must be a number, got '${text.slice(0, 80)}'`);
      if (!inRange(n)) fail(key, `must be ${range}, got ${text.trim()}`);
      return d.nonZero && n === 0 ? fail(key, 'must not be 0 (every pixel would become 0)') : n;
    },
    format: String,
  };
}

export function choice<const X extends Described, const C extends readonly [string, ...string[]]>(
  d: X & { choices: C; default: C[number] },
): Option<C[number], C[number]> & X {
  const fail = failer(d);
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

export function flag<const X extends Described>(d: X): Option<boolean, boolean> & X {
  const fail = failer(d);
  return {
    ...d,
    type: 'flag',
    default: false,
    schema: z.boolean(),
    parse: (text, key) => (text === 'true' ? true : text === 'false' ? false : fail(key, `must be true or false, got '${text}'`)),
    format: String,
  };
}

/** Free text checked by `check` (a problem, or null); `default` undefined makes it optional. */
export function text<const X extends Described, D extends string | undefined = string>(
  d: X & { default: D; check: (text: string) => string | null },
): Option<string, D> & X {
  const fail = failer(d);
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

export function path<const X extends Described>(d: X): Option<string, undefined> & X {
  const fail = failer(d);
  return {
    ...d,
    type: 'path',
    default: undefined,
    schema: filePath,
    parse: (value, key) => (value === '' ? fail(key, 'needs a file') : value),
    format: String,
  };
}

export function paths<const X extends Described>(d: X): Option<string[], string[]> & X {
  const fail = failer(d);
  return {
    ...d,
    type: 'paths',
    default: [],
    schema: z.array(filePath),
    parse: (value, key) => (value === '' ? fail(key, 'needs a file') : [value]),
    format: (v) => v.join(','),
  };
}

/** A comma-separated list of positive numbers in increasing order (e.g. a λ grid), at most `max` of them. */
export function numbers<const X extends Described, D extends readonly number[] | undefined = undefined>(
  d: X & { max: number; default?: D },
): Option<number[], D extends undefined ? undefined : number[]> & X {
  const fail = failer(d);
  const problem = (v: readonly number[]): string | null => {
    if (v.length === 0) return 'needs at least one number';
    if (v.length > d.max) return `must list at most ${d.max} numbers, got ${v.length}`;
    if (v.some((n) => !Number.isFinite(n) || n <= 0)) return 'must be numbers above 0';
    if (v.some((n, i) => i > 0 && n <= v[i - 1])) return 'must be in increasing order, each once';
    return null;
  };
  return {
    ...d,
    type: 'numbers',
    default: (d.default === undefined ? undefined : [...d.default]) as never,
    schema: z.array(z.number()).superRefine((v, ctx) => {
      const p = problem(v);
      if (p) ctx.addIssue({ code: 'custom', message: `${d.label} ${p}` });
    }),
    parse(value, key) {
      const parts = value.split(',').map((part) => part.trim());
      const v = parts.map((part) => (part === '' ? NaN : Number(part)));
      if (v.some((n) => !Number.isFinite(n)))
        fail(key, `must be numbers separated by commas, e.g. 0.01,0.1,1; got '${value.slice(0, 80)}'`);
      const p = problem(v);
      return p ? fail(key, p) : v;
    },
    format: (v) => v.join(','),
  };
}

/** A table of options by key (RUN_OPTIONS, FIT_OPTIONS). */
export type OptionTable = { readonly [key: string]: Option<never> | Option<unknown> };

function entry(table: OptionTable, key: string): Option<unknown> {
  return table[key] as Option<unknown>;
}

/** The range of a seed (NumPy's RandomState takes a uint32). */
export const SEED_RANGE = { min: 0, max: 2 ** 32 - 1 } as const;

/** The table's schemas as a zod shape: options with a default are filled in when absent, the others are optional. */
export function optionsShape(table: OptionTable): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const key of Object.keys(table)) {
    const option = entry(table, key);
    shape[key] = option.default === undefined ? option.schema.optional() : option.schema.default(option.default as never);
  }
  return shape;
}

/** What node:util's parseArgs needs to know about each option's flag. */
export function parseArgsOptions(table: OptionTable): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(
    Object.keys(table).map((key) => {
      const { flag, type } = entry(table, key);
      return [flag, type === 'flag' ? { type: 'boolean' } : type === 'paths' ? { type: 'string', multiple: true } : { type: 'string' }];
    }),
  );
}

/** Parsed flag values (by flag) to option values (by key), each read by its option; flags not given are left out. */
export function valuesFromFlags(
  table: OptionTable,
  flags: Record<string, string | boolean | string[] | undefined>,
  keys: readonly string[] = Object.keys(table),
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const option = entry(table, key);
    const raw = flags[option.flag];
    if (raw === undefined) continue;
    if (typeof raw === 'boolean') values[key] = raw;
    else if (Array.isArray(raw)) values[key] = raw.flatMap((t) => option.parse(t, key) as unknown[]);
    else values[key] = option.parse(raw, key);
  }
  return values;
}

/** The flags that give `values` (every option that has a value, spelled out); `skip` leaves some out. */
export function argsFromValues(
  table: OptionTable,
  values: Record<string, unknown>,
  skip: (key: string) => boolean = () => false,
): string[] {
  const args: string[] = [];
  for (const key of Object.keys(table)) {
    const value = values[key];
    const option = entry(table, key);
    if (value === undefined || skip(key)) continue;
    const flagText = `--${option.flag}`;
    if (option.type === 'flag') {
      if (value === true) args.push(flagText);
    } else if (option.type === 'paths') {
      for (const item of value as string[]) args.push(flagText, item);
    } else {
      const textValue = option.format(value);
      // A negative number joined to its flag, so no parser takes it for a flag.
      if (textValue.startsWith('-')) args.push(`${flagText}=${textValue}`);
      else args.push(flagText, textValue);
    }
  }
  return args;
}

/** Quoted for a POSIX shell. */
export function shellQuote(textValue: string): string {
  return /^[\w./:@%+=,-]+$/.test(textValue) ? textValue : `'${textValue.replace(/'/g, `'\\''`)}'`;
}

/** `--help` lines for the given options: flag and value, help, default. */
export function optionsHelp(table: OptionTable, keys: readonly string[] = Object.keys(table)): string {
  const lines = keys.map((key) => {
    const option = entry(table, key);
    const value = option.type === 'flag' ? '' : ` ${option.choices ? option.choices.join('|') : (option.metavar ?? 'VALUE')}`;
    const fallback =
      option.default === undefined || option.type === 'flag' || option.type === 'paths'
        ? ''
        : ` (default ${option.format(option.default)})`;
    const repeat = option.type === 'paths' ? ' (repeat the flag)' : '';
    return [`  --${option.flag}${value}`, `${option.help}${option.unit ? `, in ${option.unit}` : ''}${repeat}${fallback}`] as const;
  });
  const width = Math.max(...lines.map(([head]) => head.length)) + 2;
  return (
    lines
      .map(([head, help]) => (head.length + 2 > width ? `${head}\n${' '.repeat(width)}${help}` : `${head.padEnd(width)}${help}`))
      .join('\n') + '\n'
  );
}

/**
 * Run settings ↔ `rcf featurize` arguments, both ways, from the options
 * table: the CLI parses with it, the app's history shows the command it
 * makes, and the tests check one is the inverse of the other. shared/ cannot
 * use node:util's parseArgs, so the CLI parses argv with `RUN_FLAGS` and hands
 * the values here.
 */
import { UserError } from '../errors/index.js';
import {
  RUN_OPTION_KEYS,
  RUN_OPTIONS,
  SettingError,
  appliesTo,
  type RunOption,
  type RunOptionKey,
  type RunOptionValues,
} from './options.js';
import { RunSettings, type AreaSpec } from './settings.js';
import { OUTPUT_OPTIONS, type OutputOptionKey } from './output-options.js';

/** What node:util's parseArgs needs to know about each run option's flag. */
export const RUN_FLAGS = Object.fromEntries(
  RUN_OPTION_KEYS.map((key) => {
    const { flag, type } = RUN_OPTIONS[key];
    return [
      flag,
      type === 'flag'
        ? { type: 'boolean' as const }
        : type === 'paths'
          ? { type: 'string' as const, multiple: true }
          : { type: 'string' as const },
    ];
  }),
) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/** Flags whose value may be a negative number, which a parser would take for a flag. */
export const NUMBER_FLAGS: readonly string[] = RUN_OPTION_KEYS.filter((key) => RUN_OPTIONS[key].type === 'number').map(
  (key) => `--${RUN_OPTIONS[key].flag}`,
);

/** The CLI's name for a setting. */
export function flagOf(key: RunOptionKey | OutputOptionKey): string {
  return `--${Object.hasOwn(RUN_OPTIONS, key) ? RUN_OPTIONS[key as RunOptionKey].flag : OUTPUT_OPTIONS[key as OutputOptionKey].flag}`;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/**
 * The run options among parsed flag values (`keys`: the options this command
 * takes). Values are parsed by their option; `--weights` means file filters.
 * Throws SettingError; flags left out are left out (defaults come later).
 */
export function optionsFromFlags(values: FlagValues, keys: readonly RunOptionKey[] = RUN_OPTION_KEYS): Partial<RunOptionValues> {
  const options: Record<string, unknown> = {};
  for (const key of keys) {
    const option = RUN_OPTIONS[key] as RunOption<unknown>;
    const raw = values[option.flag];
    if (raw === undefined) continue;
    if (typeof raw === 'boolean') options[key] = raw;
    else if (Array.isArray(raw)) options[key] = raw.flatMap((text) => option.parse(text, key) as unknown[]);
    else options[key] = option.parse(raw, key);
  }
  if (options.weights !== undefined) {
    if (options.mode !== undefined && options.mode !== 'file')
      throw new SettingError('mode', 'cannot be combined with {} (the file fixes the filters)', 'weights');
    options.mode = 'file';
  }
  const mode = (options.mode ?? RUN_OPTIONS.mode.default) as RunOptionValues['mode'];
  for (const key of keys) {
    if (options[key] === undefined || appliesTo(key, mode)) continue;
    if (mode === 'file') throw new SettingError(key, 'cannot be combined with {} (the file fixes the filters)', 'weights');
    throw new SettingError(key, `only applies to {} ${RUN_OPTIONS[key].modes!.join(' or ')}`, 'mode');
  }
  return options as Partial<RunOptionValues>;
}

/** The whole run from the CLI's rasters, area and flags; defaults filled in. */
export function settingsFromFlags(inputs: string[], area: AreaSpec | null, values: FlagValues): RunSettings {
  const checked = RunSettings.safeParse({ inputs, area, ...optionsFromFlags(values) });
  if (!checked.success) throw new UserError(checked.error.issues[0].message);
  return checked.data;
}

/**
 * The arguments of `rcf featurize` that reproduce `settings` (after the
 * command name): every applicable option that has a value, spelled out, so the
 * command means the same even if a default changes. A drawn area is named
 * `area.geojson`, the file the app writes next to the run.
 */
export function argvFromSettings(settings: RunSettings, out: string): string[] {
  const args = [...settings.inputs, '--out', out];
  for (const key of RUN_OPTION_KEYS) {
    const value = settings[key] as unknown;
    const option = RUN_OPTIONS[key] as RunOption<unknown>;
    // File filters are implied by --weights.
    if (value === undefined || !appliesTo(key, settings.mode) || (key === 'mode' && value === 'file')) continue;
    const flag = flagOf(key);
    if (option.type === 'flag') {
      if (value === true) args.push(flag);
    } else if (option.type === 'paths') {
      for (const item of value as string[]) args.push(flag, item);
    } else {
      const text = option.format(value);
      // A negative number joined to its flag, so no parser takes it for a flag.
      if (text.startsWith('-')) args.push(`${flag}=${text}`);
      else args.push(flag, text);
    }
  }
  if (settings.area?.kind === 'file') {
    args.push('--aoi', settings.area.path);
    if (settings.area.layer) args.push('--aoi-layer', settings.area.layer);
  } else if (settings.area?.kind === 'drawn') args.push('--aoi', 'area.geojson');
  return args;
}

/** The equivalent command, quoted for a POSIX shell, for the record and for scripting the same run. */
export function commandLine(settings: RunSettings, out = 'features.csv'): string {
  return ['rcf', 'featurize', ...argvFromSettings(settings, out).map(shellQuote)].join(' ');
}

function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `--help` lines for the given options: flag and value, help, default. */
export function optionsHelp(keys: readonly RunOptionKey[] = RUN_OPTION_KEYS): string {
  const lines = keys.map((key) => {
    const option = RUN_OPTIONS[key] as RunOption<unknown>;
    const value = option.type === 'flag' ? '' : ` ${option.choices ? option.choices.join('|') : (option.metavar ?? 'VALUE')}`;
    const fallback =
      option.default === undefined || option.type === 'flag' || option.type === 'paths'
        ? ''
        : ` (default ${option.format(option.default)})`;
    const repeat = option.type === 'paths' ? ' (repeat the flag)' : '';
    return [`  ${flagOf(key)}${value}`, `${option.help}${option.unit ? `, in ${option.unit}` : ''}${repeat}${fallback}`] as const;
  });
  const width = Math.max(...lines.map(([head]) => head.length)) + 2;
  return (
    lines
      .map(([head, help]) => (head.length + 2 > width ? `${head}\n${' '.repeat(width)}${help}` : `${head.padEnd(width)}${help}`))
      .join('\n') + '\n'
  );
}

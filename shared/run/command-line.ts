/**
 * Run settings ↔ `rcf featurize` arguments, both ways, from the options
 * table: the CLI parses with it, the app's history shows the command it
 * makes, and the tests check one is the inverse of the other. shared/ cannot
 * use node:util's parseArgs, so the CLI parses argv with `RUN_FLAGS` and hands
 * the values here.
 */
import { UserError } from '../errors/index.js';
import { argsFromValues, optionsHelp as tableHelp, parseArgsOptions, shellQuote, valuesFromFlags } from '../options/index.js';
import {
  RUN_OPTION_KEYS,
  RUN_OPTIONS,
  runSettingError,
  appliesTo,
  type RunOption,
  type RunOptionKey,
  type RunOptionValues,
} from './options.js';
import { RunSettings, type AreaSpec } from './settings.js';
import { OUTPUT_OPTIONS, type OutputOptionKey } from './output-options.js';

/** What node:util's parseArgs needs to know about each run option's flag. */
export const RUN_FLAGS = parseArgsOptions(RUN_OPTIONS);

/** Flags whose value may be a negative number, which a parser would take for a flag. */
export const NUMBER_FLAGS: readonly string[] = RUN_OPTION_KEYS.filter((key) => RUN_OPTIONS[key].type === 'number').map(
  (key) => `--${RUN_OPTIONS[key].flag}`,
);

/** The CLI's name for a setting. */
export function flagOf(key: string): string {
  return `--${Object.hasOwn(RUN_OPTIONS, key) ? RUN_OPTIONS[key as RunOptionKey].flag : OUTPUT_OPTIONS[key as OutputOptionKey].flag}`;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/**
 * The run options among parsed flag values (`keys`: the options this command
 * takes). Values are parsed by their option; `--weights` means file filters.
 * Throws SettingError; flags left out are left out (defaults come later).
 */
export function optionsFromFlags(values: FlagValues, keys: readonly RunOptionKey[] = RUN_OPTION_KEYS): Partial<RunOptionValues> {
  const options = valuesFromFlags(RUN_OPTIONS, values, keys);
  if (options.weights !== undefined) {
    if (options.mode !== undefined && options.mode !== 'file')
      throw runSettingError('mode', 'cannot be combined with {} (the file fixes the filters)', 'weights');
    options.mode = 'file';
  }
  const mode = (options.mode ?? RUN_OPTIONS.mode.default) as RunOptionValues['mode'];
  for (const key of keys) {
    if (options[key] === undefined || appliesTo(key, mode)) continue;
    if (mode === 'file') throw runSettingError(key, 'cannot be combined with {} (the file fixes the filters)', 'weights');
    throw runSettingError(key, `only applies to {} ${(RUN_OPTIONS[key] as RunOption<unknown>).modes!.join(' or ')}`, 'mode');
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
  // File filters are implied by --weights.
  const skip = (key: string) => !appliesTo(key as RunOptionKey, settings.mode) || (key === 'mode' && settings.mode === 'file');
  args.push(...argsFromValues(RUN_OPTIONS, settings, skip));
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

/** `--help` lines for the given run options. */
export function optionsHelp(keys: readonly RunOptionKey[] = RUN_OPTION_KEYS): string {
  return tableHelp(RUN_OPTIONS, keys);
}

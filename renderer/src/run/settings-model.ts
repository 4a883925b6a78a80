/**
 * The run panel's fields (text as typed) and the RunSettings they make, both
 * derived from the options table (shared/run/options.ts): the same options as
 * `rcf featurize`, with the same defaults and the same checks, reported with
 * the setting's name as the form shows it.
 */
import { RunSettings, type AreaSpec } from '../../../shared/ipc/contract.js';
import {
  RUN_OPTION_KEYS,
  RUN_OPTIONS,
  SettingError,
  appliesTo,
  type FilterMode,
  type RunOption,
  type RunOptionKey,
} from '../../../shared/run/index.js';

export { commandLine } from '../../../shared/run/index.js';

/** One entry per option: a flag's checkbox state, a list option's files, or any other option's text as typed ('' = not given). */
export type FieldValue = string | boolean | string[];
export type RunForm = Record<RunOptionKey, FieldValue> & { mode: FilterMode };

/** The table's defaults, as the form shows them. */
export function defaultRunForm(): RunForm {
  const form: Record<string, FieldValue> = {};
  for (const key of RUN_OPTION_KEYS) {
    const option = RUN_OPTIONS[key] as RunOption<unknown>;
    form[key] = fieldOf(option, option.default);
  }
  return form as RunForm;
}

function fieldOf(option: RunOption<unknown>, value: unknown): FieldValue {
  if (option.type === 'flag') return value === true;
  if (option.type === 'paths') return (value as string[] | undefined) ?? [];
  return value === undefined ? '' : option.format(value);
}

export type FormResult = { ok: true; settings: RunSettings } | { ok: false; errors: string[] };

export function runSettingsFromForm(form: RunForm, inputs: string[], area: AreaSpec | null): FormResult {
  const errors: string[] = [];
  if (inputs.length === 0) {
    errors.push('add at least one raster (drop GeoTIFFs on the map or use Open rasters…), or tick one under Inputs');
  }
  const values: Record<string, unknown> = { inputs, area };
  for (const key of RUN_OPTION_KEYS) {
    if (!appliesTo(key, form.mode)) continue;
    const read = readField(form, key);
    if ('problem' in read) errors.push(read.problem);
    else if (read.value !== undefined) values[key] = read.value;
  }
  if (errors.length > 0) return { ok: false, errors };
  const checked = RunSettings.safeParse(values);
  if (!checked.success) return { ok: false, errors: checked.error.issues.map((i) => i.message) };
  return { ok: true, settings: checked.data };
}

/** One field's value, read as the option reads it (undefined: not given), or its problem in the form's words. */
function readField(form: RunForm, key: RunOptionKey): { value: unknown } | { problem: string } {
  const option = RUN_OPTIONS[key] as RunOption<unknown>;
  const field = form[key];
  if (typeof field !== 'string') return { value: field };
  if (field.trim() === '') return option.default === undefined ? { value: undefined } : { problem: `${option.label} is needed` };
  try {
    return { value: option.parse(field, key) };
  } catch (e) {
    if (!(e instanceof SettingError)) throw e;
    return { problem: e.message };
  }
}

/** What is wrong with one field as typed, for the message beside it; null when it reads. */
export function fieldProblem(form: RunForm, key: RunOptionKey): string | null {
  const read = readField(form, key);
  return 'problem' in read ? read.problem : null;
}

/** The fields that reproduce a run's settings (history's re-run). */
export function formFromSettings(settings: RunSettings): { form: RunForm; inputs: string[]; area: AreaSpec | null } {
  const form = defaultRunForm() as Record<string, FieldValue>;
  for (const key of RUN_OPTION_KEYS) {
    if (appliesTo(key, settings.mode)) form[key] = fieldOf(RUN_OPTIONS[key] as RunOption<unknown>, settings[key]);
  }
  return { form: form as RunForm, inputs: settings.inputs, area: settings.area };
}

/**
 * The Model panel's form, apart from the DOM: one text per fit option of
 * FIT_OPTIONS (flags 'true'/'false'), which fields apply to the settings as
 * they stand, and the settings the service gets, checked by the same table
 * and schema as `rcf fit` (FitSettings).
 */
import { FIT_OPTION_KEYS, FIT_OPTIONS, FitSettings, isClassifier, type FitOptionKey } from '../../../shared/model/index.js';
import { SettingError, type Option } from '../../../shared/options/index.js';

export type FitForm = Readonly<Record<FitOptionKey, string>>;

function option(key: FitOptionKey): Option<unknown> {
  return FIT_OPTIONS[key] as unknown as Option<unknown>;
}

/** Every option at its default ('' for one without: its fallback applies). */
export function defaultFitForm(): FitForm {
  return Object.fromEntries(
    FIT_OPTION_KEYS.map((key) => {
      const o = option(key);
      return [key, o.type === 'flag' ? 'false' : o.default === undefined ? '' : o.format(o.default)];
    }),
  ) as FitForm;
}

/** What a label file is, by its name (as the fit job tells a label raster from vector labels). */
function labelsKind(path: string): 'raster' | 'gpkg' | 'csv' | 'other' {
  if (/\.tiff?$/i.test(path)) return 'raster';
  if (/\.gpkg$/i.test(path)) return 'gpkg';
  return /\.csv$/i.test(path) ? 'csv' : 'other';
}

/** Whether a field applies to the form as it stands (the others are hidden, and not sent). */
export function fitFieldApplies(form: FitForm, key: FitOptionKey, geometry: 'points' | 'polygons' | 'raster' | null): boolean {
  const kind = labelsKind(form.labels);
  const squares = form.cv === 'checkerboard' || form.cv === 'blocks';
  const regression = !isClassifier(form.model as FitSettings['model']);
  switch (key) {
    case 'target':
      return kind !== 'raster';
    case 'labelsLayer':
      return kind === 'gpkg';
    case 'labelsCrs':
      return kind === 'csv';
    case 'weightRaster':
      return geometry === 'polygons';
    case 'clip':
    case 'log1p':
      return regression;
    case 'blockSize':
      return squares;
    case 'group':
      return form.cv === 'groups';
    case 'folds':
      return form.cv !== 'checkerboard';
    default:
      return true;
  }
}

/** A field's problem as typed ("Folds must be at least 2, got 1"), or null. */
export function fitFieldProblem(form: FitForm, key: FitOptionKey): string | null {
  const text = form[key];
  const o = option(key);
  if (text === '' && o.type !== 'path') return null;
  if (text === '' && key === 'weightRaster') return null;
  try {
    o.parse(text, key);
    return null;
  } catch (e) {
    return e instanceof SettingError ? e.message : (e as Error).message;
  }
}

/** The settings the form says, or its problems in the words of the panel. */
export function fitSettingsOf(
  form: FitForm,
  geometry: 'points' | 'polygons' | 'raster' | null,
): { settings: FitSettings; problems: [] } | { settings: null; problems: string[] } {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  if (form.labels === '') problems.push(`${FIT_OPTIONS.labels.label}: choose a label file`);
  if (fitFieldApplies(form, 'target', geometry) && form.target === '') problems.push(`${FIT_OPTIONS.target.label}: choose a column`);
  for (const key of FIT_OPTION_KEYS) {
    if (!fitFieldApplies(form, key, geometry) || form[key] === '') continue;
    const o = option(key);
    try {
      raw[key] = o.parse(form[key], key);
    } catch (e) {
      problems.push(e instanceof SettingError ? e.message : (e as Error).message);
    }
  }
  if (problems.length > 0) return { settings: null, problems };
  const checked = FitSettings.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const label = Object.hasOwn(FIT_OPTIONS, key) ? FIT_OPTIONS[key as FitOptionKey].label : key;
    return { settings: null, problems: [label && !issue.message.startsWith(label) ? `${label}: ${issue.message}` : issue.message] };
  }
  return { settings: checked.data, problems: [] };
}

/** The form of a fit's settings (a history entry shown again). */
export function fitFormOf(settings: FitSettings): FitForm {
  const form: Record<string, string> = { ...defaultFitForm() };
  for (const key of FIT_OPTION_KEYS) {
    const value = (settings as Record<string, unknown>)[key];
    if (value !== undefined) form[key] = option(key).format(value);
  }
  return form as FitForm;
}

/**
 * The run panel's fields (text as typed) and the RunSettings they make: the
 * same options as `rcf featurize`, with the same defaults. Checked field by
 * field here for messages a person can act on, then by the contract's schema.
 */
import { RunSettings, type AreaSpec } from '../../../shared/ipc/contract.js';

export interface RunForm {
  filterMode: 'gaussian' | 'empirical' | 'file';
  features: string;
  kernel: string;
  seed: string;
  /** Empirical: training rasters (the inputs when empty) and pool size ('' = default). */
  train: string[];
  patches: string;
  /** File mode: the .npy path. */
  weights: string | null;
  /** '' = all bands of the first raster, else '1,2,3'. */
  bands: string;
  scale: string;
  offset: string;
  rasterScale: boolean;
  cellSize: string;
  edge: 'drop' | 'keep';
  nodata: 'mask' | 'propagate';
  convention: 'torchgeo' | 'paper';
  /** '' = the convention's default. */
  bias: string;
  backend: 'auto' | 'cpu' | 'webgpu' | 'reference';
  threads: string;
}

/** The CLI's defaults. */
export function defaultRunForm(threads: number): RunForm {
  return {
    filterMode: 'gaussian',
    features: '512',
    kernel: '3',
    seed: '0',
    train: [],
    patches: '',
    weights: null,
    bands: '',
    scale: '1',
    offset: '0',
    rasterScale: false,
    cellSize: '256',
    edge: 'drop',
    nodata: 'mask',
    convention: 'torchgeo',
    bias: '',
    backend: 'auto',
    threads: String(threads),
  };
}

export type FormResult = { ok: true; settings: RunSettings } | { ok: false; errors: string[] };

export function runSettingsFromForm(form: RunForm, inputs: string[], area: AreaSpec | null): FormResult {
  const errors: string[] = [];
  const integer = (text: string, what: string, min: number): number => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(value) || value < min) errors.push(`${what} must be a whole number of at least ${min}`);
    return value;
  };
  const real = (text: string, what: string): number => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) errors.push(`${what} must be a number`);
    return value;
  };
  if (inputs.length === 0) errors.push('add at least one raster (drop GeoTIFFs on the map or use File › Open)');

  let filters: RunSettings['filters'];
  if (form.filterMode === 'file') {
    if (!form.weights) errors.push('choose a weights file (.npy)');
    filters = { mode: 'file', weights: form.weights ?? '' };
  } else {
    const features = integer(form.features, 'Features (K)', 2);
    if (Number.isInteger(features) && features >= 2 && features % 2 !== 0) errors.push('Features (K) must be even: half the features come from each ReLU half');
    const kernel = integer(form.kernel, 'Kernel size', 1);
    const seed = integer(form.seed, 'Seed', 0);
    if (form.filterMode === 'gaussian') filters = { mode: 'gaussian', features, kernel, seed };
    else {
      const patches = form.patches.trim() === '' ? undefined : integer(form.patches, 'Patches', 1);
      filters = { mode: 'empirical', features, kernel, seed, train: form.train, patches };
    }
  }

  let bands: number[] | undefined;
  if (form.bands.trim() !== '') {
    bands = form.bands.split(',').map((b) => Number(b.trim()));
    if (bands.some((b) => !Number.isInteger(b) || b < 1)) errors.push('Bands must be 1-based band numbers separated by commas, e.g. 1,2,3');
  }
  const settings = {
    inputs,
    bands,
    filters,
    scaling: { scale: real(form.scale, 'Scale'), offset: real(form.offset, 'Offset'), useRasterScale: form.rasterScale },
    cellSize: form.cellSize.trim(),
    edge: form.edge,
    area,
    nodata: form.nodata,
    convention: form.convention,
    bias: form.bias.trim() === '' ? undefined : real(form.bias, 'Bias'),
    backend: form.backend,
    threads: integer(form.threads, 'Threads', 1),
  };
  if (errors.length > 0) return { ok: false, errors };
  const checked = RunSettings.safeParse(settings);
  if (!checked.success) return { ok: false, errors: checked.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`) };
  return { ok: true, settings: checked.data };
}

/** The fields that reproduce a run's settings (history's re-run). */
export function formFromSettings(settings: RunSettings): { form: RunForm; inputs: string[]; area: AreaSpec | null } {
  const f = settings.filters;
  const form: RunForm = {
    filterMode: f.mode,
    features: f.mode === 'file' ? '512' : String(f.features),
    kernel: f.mode === 'file' ? '3' : String(f.kernel),
    seed: f.mode === 'file' ? '0' : String(f.seed),
    train: f.mode === 'empirical' ? f.train : [],
    patches: f.mode === 'empirical' && f.patches !== undefined ? String(f.patches) : '',
    weights: f.mode === 'file' ? f.weights : null,
    bands: settings.bands?.join(',') ?? '',
    scale: String(settings.scaling.scale),
    offset: String(settings.scaling.offset),
    rasterScale: settings.scaling.useRasterScale,
    cellSize: settings.cellSize,
    edge: settings.edge,
    nodata: settings.nodata,
    convention: settings.convention,
    bias: settings.bias === undefined ? '' : String(settings.bias),
    backend: settings.backend,
    threads: String(settings.threads),
  };
  return { form, inputs: settings.inputs, area: settings.area };
}

/** The equivalent command line, for the record and for scripting the same run. */
export function commandLine(settings: RunSettings, out = 'features.csv'): string {
  const quote = (s: string) => (/^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const args = ['rcf', 'featurize', ...settings.inputs.map(quote), '--out', quote(out)];
  const f = settings.filters;
  if (f.mode === 'file') args.push('--weights', quote(f.weights));
  else {
    args.push('--mode', f.mode, '--features', String(f.features), '--kernel', String(f.kernel), '--seed', String(f.seed));
    if (f.mode === 'empirical') {
      for (const t of f.train) args.push('--train', quote(t));
      if (f.patches !== undefined) args.push('--patches', String(f.patches));
    }
  }
  if (settings.bands) args.push('--bands', settings.bands.join(','));
  if (settings.scaling.scale !== 1) args.push('--scale', String(settings.scaling.scale));
  if (settings.scaling.offset !== 0) args.push('--offset', String(settings.scaling.offset));
  if (settings.scaling.useRasterScale) args.push('--raster-scale');
  args.push('--cell-size', settings.cellSize, '--edge', settings.edge, '--nodata', settings.nodata, '--convention', settings.convention);
  if (settings.bias !== undefined) args.push('--bias', String(settings.bias));
  if (settings.area?.kind === 'file') {
    args.push('--aoi', quote(settings.area.path));
    if (settings.area.layer) args.push('--aoi-layer', quote(settings.area.layer));
  } else if (settings.area?.kind === 'drawn') args.push('--aoi', 'area.geojson');
  args.push('--backend', settings.backend, '--threads', String(settings.threads));
  return args.join(' ');
}

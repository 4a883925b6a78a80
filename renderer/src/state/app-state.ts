/**
 * The renderer's state, in one store: the map's layers (one list: identity,
 * order, visibility, opacity, and for rasters their style), the area, the
 * run form, the grid preview and estimate, the current run, the shown run,
 * the history and the selected cell. Controllers change it; panels and the
 * map render from it.
 */
import type VectorLayer from 'ol/layer/Vector.js';
import type BaseLayer from 'ol/layer/Base.js';
import type {
  AreaSpec,
  CellValues,
  Estimate,
  FitRecord,
  FitResults,
  FoldsView,
  GridPreview,
  LabelsView,
  RunRecord,
} from '../../../shared/ipc/contract.js';
import type { LayerEntry } from '../layers/layer-list.js';
import type { RasterDisplay, RasterLayer, RasterStyle } from '../raster/raster-layer.js';
import type { RunForm } from '../run/settings-model.js';
import { defaultFitForm, type FitForm } from '../model/fit-form.js';
import type { DrawMode } from '../area/area-tools.js';
import { Store } from './store.js';
import { RUN_OPTIONS } from '../../../shared/run/index.js';

export interface RasterEntry extends LayerEntry {
  kind: 'raster';
  /** The raster on the map (its OpenLayers layer and preview image). */
  raster: RasterLayer;
  style: RasterStyle;
  /** What the shown preview was painted with; null until the first preview is shown. */
  display: RasterDisplay | null;
  /** When it was first opened: a run's inputs keep that order, whatever the drawing order. */
  opened: number;
  /** Whether a run featurizes it: ticked or unticked in the run panel, or null to follow its visibility. */
  input: boolean | null;
}

export interface ResultsEntry extends LayerEntry {
  kind: 'results';
  layer: VectorLayer;
  runId: string;
}

/** The Model panel's layers: the labels, the folds of the cross-validation, a fit's prediction. */
export interface ModelLayerEntry extends LayerEntry {
  kind: 'labels' | 'folds' | 'prediction';
  layer: VectorLayer;
}

export type MapLayerEntry = RasterEntry | ResultsEntry | ModelLayerEntry;

/** The OpenLayers layer an entry is shown with: its identity on the map. */
export function olLayerOf(entry: MapLayerEntry): BaseLayer {
  return entry.kind === 'raster' ? entry.raster.layer : entry.layer;
}

export interface AreaState {
  /** What the service gets: a file, drawn polygons, or null (every cell). */
  spec: AreaSpec | null;
  /** For people: "drawn (1 polygon)", "from aoi.geojson", … */
  description: string;
}

/** A request's progress: not asked (or reset by a change), in flight, or answered. */
export type Requested<T> = { status: 'none' } | { status: 'pending' } | { status: 'done'; value: T } | { status: 'failed' };

export interface CurrentRun {
  /** The run's id once the service gave it; progress for other runs is ignored. */
  id: string | null;
  running: boolean;
  progress: { done: number; total: number; text: string };
}

export interface CurrentFit {
  /** The fit's id once the service gave it; progress for other fits is ignored. */
  id: string | null;
  running: boolean;
  progress: { done: number; total: number; text: string };
}

/** A clicked prediction cell: what the model predicts there and, for a training cell, its label. */
export interface PredictionCell {
  cellId: string;
  predicted: string;
  observed: string | null;
}

/** The Model step: labels, the fit's settings, the folds, the fit going on, the fit shown and the fit history. */
export interface ModelState {
  /** The finished run whose features are fitted on. */
  runId: string | null;
  labels: Requested<LabelsView>;
  form: FitForm;
  folds: Requested<FoldsView>;
  fit: CurrentFit;
  /** The fit whose results are shown: what the panel's exports write. */
  shown: { record: FitRecord; results: FitResults } | null;
  history: readonly FitRecord[];
  cell: PredictionCell | null;
}

/** Which panel the right side shows. */
export type SidePanel = 'featurize' | 'model';

export interface AppState {
  /** Top first. */
  layers: readonly MapLayerEntry[];
  area: AreaState;
  /** The drawing tool armed, if any (map clicks then belong to the sketch). */
  drawing: DrawMode | null;
  form: RunForm;
  /** The form's problems, as of the last time settings were asked for. */
  formErrors: readonly string[];
  grid: Requested<GridPreview>;
  estimate: Requested<Estimate>;
  run: CurrentRun;
  /** The run whose results were shown last: what the toolbar exports. */
  shownRun: RunRecord | null;
  history: readonly RunRecord[];
  cell: CellValues | null;
  /** The header's status line. */
  status: string;
  /** Why the featurizer service stopped, while it is stopped. */
  serviceStopped: { message: string } | null;
  side: SidePanel;
  model: ModelState;
}

export type AppStore = Store<AppState>;

export const NO_AREA: AreaState = { spec: null, description: 'none: every cell of the rasters' };

export function initialModel(form: FitForm): ModelState {
  return {
    runId: null,
    labels: { status: 'none' },
    form,
    folds: { status: 'none' },
    fit: { id: null, running: false, progress: { done: 0, total: 1, text: '' } },
    shown: null,
    history: [],
    cell: null,
  };
}

export function initialState(form: RunForm, fitForm: FitForm = defaultFitForm()): AppState {
  return {
    layers: [],
    area: NO_AREA,
    drawing: null,
    form,
    formErrors: [],
    grid: { status: 'none' },
    estimate: { status: 'none' },
    run: { id: null, running: false, progress: { done: 0, total: 1, text: '' } },
    shownRun: null,
    history: [],
    cell: null,
    status: '',
    serviceStopped: null,
    side: 'featurize',
    model: initialModel(fitForm),
  };
}

/** Every open raster, in the order they were opened (the order of a run's inputs). */
export function openRasters(state: AppState): RasterEntry[] {
  return state.layers.filter((l): l is RasterEntry => l.kind === 'raster').sort((a, b) => a.opened - b.opened);
}

/** Whether a run featurizes the raster: as ticked in the run panel, else when it is visible. */
export function isRunInput(entry: RasterEntry): boolean {
  return entry.input ?? entry.visible;
}

/** The rasters a run would featurize, in the order they were opened. */
export function rasterInputs(state: AppState): string[] {
  return openRasters(state)
    .filter(isRunInput)
    .map((l) => l.id);
}

/**
 * Why the ticked rasters cannot be one run, in the words of the run panel: every
 * input gives the same bands, so without a band choice they must have as many
 * bands, and with one every input must have the bands chosen.
 */
export function inputProblems(state: AppState): string[] {
  const inputs = openRasters(state).filter(isRunInput);
  if (inputs.length === 0) return [];
  const chosen = chosenBands(state.form.bands);
  if (chosen.length > 0) {
    const highest = Math.max(...chosen);
    return inputs
      .filter((r) => r.raster.view.bands < highest)
      .map((r) => `Band ${highest} is chosen, but ${r.name} has ${r.raster.view.bands} band${r.raster.view.bands === 1 ? '' : 's'}`);
  }
  const counts = new Set(inputs.map((r) => r.raster.view.bands));
  if (counts.size < 2) return [];
  const listed = inputs.map((r) => `${r.name}: ${r.raster.view.bands}`).join(', ');
  return [`The inputs have different band counts (${listed}): untick some under Inputs, or choose the bands`];
}

/** The bands the form names (none when it names none, or names them wrongly: the form says so itself). */
function chosenBands(text: unknown): number[] {
  try {
    return typeof text === 'string' && text.trim() !== '' ? RUN_OPTIONS.bands.parse(text, 'bands') : [];
  } catch {
    return [];
  }
}

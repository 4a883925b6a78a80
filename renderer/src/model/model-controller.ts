/**
 * The Model flow: a label file on the map (coloured by value or class), the
 * fit's settings, the folds on the map, fitting with progress and cancel,
 * then the fit's prediction on the map with its charts, a clicked cell's
 * observed and predicted values, exports and the fit history.
 */
import type OlMap from 'ol/Map.js';
import type { FitExportFormat, FitRecord, RcfApi } from '../../../shared/ipc/contract.js';
import type { FitSettings } from '../../../shared/model/index.js';
import type { AppStore, CurrentFit, ModelLayerEntry, ModelState } from '../state/app-state.js';
import type { MessageBar } from '../ui/messages.js';
import { formatBytes } from '../ui/format.js';
import { addLayer, removeLayer } from '../layers/layer-list.js';
import { LatestRequest } from '../requests.js';
import { fitFormOf, fitSettingsOf, type FitForm } from './fit-form.js';
import { foldsLayer, labelsColouring, labelsLayer, predictionColouring, predictionLayer } from './model-layers.js';
import { axisNumber } from './charts.js';

const LABELS_LAYER = 'model:labels';
const FOLDS_LAYER = 'model:folds';

/** What the Model flow needs of the others: opening a label raster as a raster layer. */
export interface ModelNeeds {
  openRasters(paths: string[]): Promise<void>;
}

/** The stage names of the engine's progress, for people. */
const STAGES: Record<string, string> = {
  reading: 'Reading features',
  solving: 'Cross-validating',
  predicting: 'Predicting',
  refitting: 'Refitting',
};

export class ModelController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly messages: MessageBar;
  private readonly needs: ModelNeeds;
  private readonly labelsRequests = new LatestRequest();
  private readonly foldsRequests = new LatestRequest();

  /** `drawing` says when map clicks belong to the area tools instead. */
  constructor(rcf: RcfApi, store: AppStore, map: OlMap, messages: MessageBar, needs: ModelNeeds, drawing: () => boolean) {
    this.rcf = rcf;
    this.store = store;
    this.messages = messages;
    this.needs = needs;
    rcf.on('fitProgress', (p) => {
      if (p.fitId !== this.model().fit.id) return;
      const stage = STAGES[p.stage] ?? p.stage.charAt(0).toUpperCase() + p.stage.slice(1);
      this.setFit({ progress: { done: p.done, total: Math.max(1, p.total), text: `${stage}: ${p.done} of ${p.total}` } });
    });
    rcf.on('fitEnded', (fit) => void this.fitEnded(fit));
    rcf.on('serviceStopped', () => {
      if (this.model().fit.running)
        this.setFit({ id: null, running: false, progress: { done: 0, total: 1, text: 'interrupted: the service stopped' } });
    });
    map.on('singleclick', (event) => {
      if (drawing()) return;
      const hit = map.forEachFeatureAtPixel(event.pixel, (feature) => (feature.get('predictionCell') ? feature : null));
      const shown = this.model().shown;
      if (!hit || !shown) return;
      const cell = shown.results.cells.find((c) => c.cellId === hit.get('predictionCell'));
      if (!cell) return;
      const classes = shown.results.classes;
      const predicted = cell.value === null ? 'no prediction (no usable features)' : classes ? classes[cell.value] : axisNumber(cell.value);
      const observed = cell.observed === null ? null : typeof cell.observed === 'number' ? axisNumber(cell.observed) : cell.observed;
      this.patch({ cell: { cellId: cell.cellId, predicted, observed } });
    });
    // A run finished or shown is what is fitted on, unless one was picked.
    store.select(
      (s) => s.shownRun?.id ?? null,
      (runId) => {
        if (runId) this.patch({ runId });
      },
    );
  }

  private model(): ModelState {
    return this.store.get().model;
  }

  private patch(change: Partial<ModelState>): void {
    this.store.update((s) => ({ ...s, model: { ...s.model, ...change } }));
  }

  private setFit(change: Partial<CurrentFit>): void {
    this.store.update((s) => ({ ...s, model: { ...s.model, fit: { ...s.model.fit, ...change } } }));
  }

  private geometry(): 'points' | 'polygons' | 'raster' | null {
    const labels = this.model().labels;
    return labels.status === 'done' ? labels.value.geometry : null;
  }

  setRun(runId: string): void {
    this.patch({ runId, folds: { status: 'none' } });
    this.dropLayer(FOLDS_LAYER);
  }

  /** The form as edited; a new target or layer reads the labels again for the map. */
  setForm(form: FitForm): void {
    const before = this.model().form;
    this.patch({ form, folds: before.cv === form.cv && before.blockSize === form.blockSize ? this.model().folds : { status: 'none' } });
    if (form.target !== before.target || form.labelsLayer !== before.labelsLayer) void this.readLabels();
  }

  async chooseLabels(): Promise<void> {
    try {
      const { path } = await this.rcf.chooseLabels({});
      if (path) await this.openLabels(path);
    } catch (error) {
      this.messages.error(error);
    }
  }

  /** A label file: its columns first, then (with a target picked) its labels on the map. */
  async openLabels(path: string): Promise<void> {
    const form = { ...this.model().form, labels: path, target: '', labelsLayer: '', group: '' };
    this.patch({ form, folds: { status: 'none' } });
    this.dropLayer(FOLDS_LAYER);
    await this.readLabels();
  }

  private async readLabels(): Promise<void> {
    const { labels: path, target, labelsLayer: layer } = this.model().form;
    if (!path) return;
    const isNewest = this.labelsRequests.begin();
    this.patch({ labels: { status: 'pending' } });
    try {
      const request = { path, ...(target !== '' && { target }), ...(layer !== '' && { layer }) };
      let view = await this.rcf.readLabels(request);
      if (!isNewest()) return;
      // No target yet: the first column that is not an id, which the picker shows and the user can change.
      if (view.geometry !== 'raster' && view.target === null && view.columns.length > 0) {
        const guess = view.columns.find((c) => !/^(id|fid|ogc_fid|name)$/i.test(c)) ?? view.columns[0];
        this.store.update((s) => ({ ...s, model: { ...s.model, form: { ...s.model.form, target: guess } } }));
        view = await this.rcf.readLabels({ ...request, target: guess });
        if (!isNewest()) return;
      }
      this.patch({ labels: { status: 'done', value: view } });
      if (view.geometry === 'raster') {
        this.dropLayer(LABELS_LAYER);
        await this.needs.openRasters([path]);
        return;
      }
      const colouring = labelsColouring(view);
      const entry: ModelLayerEntry = {
        id: LABELS_LAYER,
        kind: 'labels',
        name: `Labels · ${view.name} · ${view.target}`,
        visible: true,
        opacity: 1,
        layer: labelsLayer(view, colouring),
      };
      this.store.update((s) => ({ ...s, layers: addLayer(s.layers, entry) }));
    } catch (error) {
      if (!isNewest()) return;
      this.patch({ labels: { status: 'failed' } });
      this.messages.error(error);
    }
  }

  /** The settings as the form says, or null after saying what is wrong. */
  private settings(): FitSettings | null {
    const checked = fitSettingsOf(this.model().form, this.geometry());
    if (checked.settings) return checked.settings;
    this.messages.show('warning', checked.problems.join('; '));
    return null;
  }

  private runId(): string | null {
    const runId = this.model().runId;
    if (!runId) this.messages.show('warning', 'Fit needs features: run the featurizer, or show a finished run from the history.');
    return runId;
  }

  /** The folds of the cross-validation on the map, as the fit will make them. */
  async showFolds(): Promise<void> {
    const settings = this.settings();
    const runId = this.runId();
    if (!settings || !runId) return;
    const isNewest = this.foldsRequests.begin();
    this.patch({ folds: { status: 'pending' } });
    try {
      const folds = await this.rcf.foldsPreview({ runId, settings });
      if (!isNewest()) return;
      this.patch({ folds: { status: 'done', value: folds } });
      const entry: ModelLayerEntry = {
        id: FOLDS_LAYER,
        kind: 'folds',
        name: `Folds · ${settings.cv} · ${folds.folds} folds`,
        visible: true,
        opacity: 1,
        layer: foldsLayer(folds),
      };
      this.store.update((s) => ({ ...s, layers: addLayer(s.layers, entry) }));
      this.raiseLabels();
    } catch (error) {
      if (!isNewest()) return;
      this.patch({ folds: { status: 'failed' } });
      this.messages.error(error);
    }
  }

  async fit(): Promise<void> {
    const settings = this.settings();
    const runId = this.runId();
    if (!settings || !runId) return;
    try {
      this.setFit({ id: null, running: true, progress: { done: 0, total: 1, text: 'Starting…' } });
      const { fitId } = await this.rcf.startFit({ runId, settings });
      this.setFit({ id: fitId });
      void this.refreshHistory();
    } catch (error) {
      this.setFit({ running: false, progress: { done: 0, total: 1, text: '' } });
      this.messages.error(error);
    }
  }

  cancel(): void {
    const fitId = this.model().fit.id;
    if (fitId) this.rcf.cancelFit({ fitId }).catch((e) => this.messages.error(e));
  }

  private async fitEnded(fit: FitRecord): Promise<void> {
    if (fit.id === this.model().fit.id) {
      const finished = fit.state === 'finished';
      const text = finished ? `Finished: ${scoreText(fit)}` : `${fit.state}: ${fit.message ?? ''}`;
      this.setFit({ id: null, running: false, progress: { done: finished ? 1 : 0, total: 1, text } });
      if (fit.state === 'failed') this.messages.show('error', fit.message ?? 'the fit failed');
      if (fit.state === 'cancelled') this.messages.show('info', 'Fit cancelled.');
      if (finished) await this.show(fit);
    }
    await this.refreshHistory();
  }

  /** A finished fit's prediction on the map (replacing the one shown before), its charts in the panel. */
  async show(fit: FitRecord): Promise<void> {
    try {
      const results = await this.rcf.fitResults({ fitId: fit.id });
      const colouring = predictionColouring(results);
      const target = fit.settings.target ?? 'band 1';
      const entry: ModelLayerEntry = {
        id: 'model:prediction',
        kind: 'prediction',
        name: `Prediction · ${target} · ${fit.started.slice(11, 19)}`,
        visible: true,
        opacity: 1,
        layer: predictionLayer(results, colouring),
      };
      // The folds made way for the prediction; the labels stay on top of it.
      this.store.update((s) => ({
        ...s,
        layers: addLayer(removeLayer(s.layers, FOLDS_LAYER), entry),
        model: { ...s.model, shown: { record: fit, results }, cell: null },
        status: `Prediction of ${target}: ${scoreText(fit)}`,
      }));
      this.raiseLabels();
    } catch (error) {
      this.messages.error(error);
    }
  }

  /** The settings of a fit in the history back in the form (to change and fit again). */
  useSettings(fit: FitRecord): void {
    this.patch({ form: fitFormOf(fit.settings), runId: fit.runId });
    void this.readLabels();
  }

  async exportFit(fit: FitRecord | null, format: FitExportFormat): Promise<void> {
    if (!fit) {
      this.messages.show('warning', 'Nothing to export yet: fit a model, or show a finished fit from the history.');
      return;
    }
    try {
      const base = format === 'json' ? `model-${fit.id}` : `prediction-${fit.id}`;
      const { token } = await this.rcf.chooseExportPath({ format, suggestedName: `${base}.${format}` });
      if (!token) return;
      const written = await this.rcf.exportFit({ fitId: fit.id, format, token });
      this.messages.show('info', `Exported ${formatBytes(written.bytes)} to ${written.path}`);
    } catch (error) {
      this.messages.error(error);
    }
  }

  async refreshHistory(): Promise<void> {
    try {
      const { fits } = await this.rcf.fitHistory({});
      this.patch({ history: fits });
    } catch (error) {
      this.messages.error(error);
    }
  }

  async copyCommand(fit: FitRecord): Promise<void> {
    try {
      await navigator.clipboard.writeText(fit.command);
      this.messages.show('info', 'Copied the rcf fit command.');
    } catch {
      this.messages.show('warning', 'Could not reach the clipboard: select the command and copy it.');
    }
  }

  private raiseLabels(): void {
    this.store.update((s) => {
      const labels = s.layers.find((l) => l.id === LABELS_LAYER);
      return labels ? { ...s, layers: [labels, ...s.layers.filter((l) => l !== labels)] } : s;
    });
  }

  private dropLayer(id: string): void {
    this.store.update((s) => ({ ...s, layers: removeLayer(s.layers, id) }));
  }
}

/** "blocks R² 0.953 at λ 0.001". */
export function scoreText(fit: FitRecord): string {
  if (!fit.score) return '';
  const name = fit.score.name === 'r2' ? 'R²' : 'accuracy';
  const penalty = fit.settings.model === 'logistic' ? 'C' : 'λ';
  const value = fit.score.value === null ? 'n/a' : fit.score.value.toFixed(3);
  return `${fit.score.scheme} ${name} ${value} at ${penalty} ${axisNumber(fit.score.penalty)}`;
}

/**
 * The run panel: every option of `rcf featurize`, scaling presets, the grid
 * preview with its cell count, time and memory estimates, then run with
 * progress and cancel. The form is the store's: the panel rebuilds its fields
 * only when the form changed from elsewhere (a history re-run) or a field
 * shows something derived (the preset from scale and offset); the rest
 * follows the store element by element.
 */
import { el, field, select } from '../ui/dom.js';
import { formatBytes, formatCount, formatDuration } from '../ui/format.js';
import type { AppState, AppStore } from '../state/app-state.js';
import { SCALE_PRESETS, matchPreset } from './presets.js';
import type { RunForm } from './settings-model.js';

export interface RunPanelActions {
  changed(form: RunForm): void;
  chooseWeights(): Promise<string | null>;
  chooseTraining(): Promise<string[]>;
  previewGrid(): void;
  estimate(): void;
  run(): void;
  cancel(): void;
}

export class RunPanel {
  readonly root = el('section', { class: 'run-panel' });
  private readonly formRoot = el('div', { class: 'run-form' });
  private readonly gridInfo = el('div', { class: 'grid-info', 'data-testid': 'grid-info' });
  private readonly estimateInfo = el('div', { class: 'estimate', 'data-testid': 'estimate' });
  private readonly errors = el('ul', { class: 'form-errors', 'data-testid': 'form-errors' });
  private readonly progressBar = el('progress', { max: 1, value: 0, 'data-testid': 'run-progress' });
  private readonly progressText = el('div', { class: 'progress-text', 'data-testid': 'run-progress-text' });
  private readonly runButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;

  private form: RunForm;
  private readonly actions: RunPanelActions;

  constructor(store: AppStore, actions: RunPanelActions) {
    this.form = store.get().form;
    this.actions = actions;
    this.runButton = el('button', { class: 'primary', 'data-testid': 'run', onclick: () => actions.run() }, 'Run featurizer');
    this.cancelButton = el('button', { 'data-testid': 'cancel', disabled: true, onclick: () => actions.cancel() }, 'Cancel');
    this.root.append(
      el('h2', {}, 'Featurize'),
      this.formRoot,
      el(
        'div',
        { class: 'buttons' },
        el('button', { 'data-testid': 'preview-grid', onclick: () => actions.previewGrid() }, 'Preview grid'),
        el('button', { 'data-testid': 'estimate-button', onclick: () => actions.estimate() }, 'Estimate'),
      ),
      this.gridInfo,
      this.estimateInfo,
      this.errors,
      el('div', { class: 'buttons' }, this.runButton, this.cancelButton),
      this.progressBar,
      this.progressText,
    );
    this.renderForm();
    store.select((s) => s.form, (form) => {
      // The panel's own edits are in the store already; another form replaces the fields.
      if (form === this.form) return;
      this.form = form;
      this.renderForm();
    });
    store.select(gridText, (text) => (this.gridInfo.textContent = text));
    store.select(estimateText, (text) => (this.estimateInfo.textContent = text));
    store.select((s) => s.formErrors, (errors) => this.errors.replaceChildren(...errors.map((e) => el('li', {}, e))));
    store.select((s) => s.run.running, (running) => {
      this.runButton.disabled = running;
      this.cancelButton.disabled = !running;
    });
    store.select((s) => s.run.progress, ({ done, total, text }) => {
      this.progressBar.max = Math.max(1, total);
      this.progressBar.value = done;
      this.progressText.textContent = text;
    });
  }

  private update(change: Partial<RunForm>, rerender = false): void {
    this.form = { ...this.form, ...change };
    if (rerender) this.renderForm();
    this.actions.changed(this.form);
  }

  /** A text field; `rerender` when other fields show something derived from it (the preset from scale and offset). */
  private text(key: keyof RunForm, label: string, hint?: string, placeholder?: string, rerender = false): HTMLElement {
    const input = el('input', { type: 'text', value: String(this.form[key] ?? ''), placeholder, 'data-testid': `field-${key}`, onchange: (e) => this.update({ [key]: (e.target as HTMLInputElement).value }, rerender) });
    return field(label, input, hint);
  }

  private renderForm(): void {
    const f = this.form;
    const preset = matchPreset(Number(f.scale), Number(f.offset));
    const filters: HTMLElement[] = [
      field(
        'Filters',
        select(f.filterMode, [['gaussian', 'Random Gaussian'], ['empirical', 'Empirical patches (ZCA)'], ['file', 'Weights file (.npy)']] as const, (filterMode) => this.update({ filterMode }, true), 'field-filterMode'),
      ),
    ];
    if (f.filterMode === 'file') {
      filters.push(
        field(
          'Weights',
          el('div', { class: 'file-choice' }, el('span', {}, f.weights ?? 'none chosen'), el('button', { onclick: async () => this.update({ weights: (await this.actions.chooseWeights()) ?? f.weights }, true) }, 'Choose…')),
        ),
      );
    } else {
      filters.push(this.text('features', 'Features (K)', 'K/2 filters, each giving a +ReLU and a −ReLU mean'), this.text('kernel', 'Kernel size (k)'), this.text('seed', 'Seed'));
      if (f.filterMode === 'empirical') {
        filters.push(
          field(
            'Training rasters',
            el('div', { class: 'file-choice' }, el('span', {}, f.train.length === 0 ? 'the inputs' : `${f.train.length} file(s)`), el('button', { onclick: async () => this.update({ train: await this.actions.chooseTraining() }, true) }, 'Choose…')),
          ),
          this.text('patches', 'Patch pool', 'patches whitened together (default 62,500)', '62500'),
        );
      }
    }
    const presetSelect = select(
      preset?.id ?? 'custom',
      [...SCALE_PRESETS.map((p) => [p.id, p.label] as const), ['custom', 'Custom']] as const,
      (id) => {
        const p = SCALE_PRESETS.find((s) => s.id === id);
        if (p) this.update({ scale: String(p.scale), offset: String(p.offset) }, true);
      },
      'field-preset',
    );
    this.formRoot.replaceChildren(
      el('fieldset', {}, el('legend', {}, 'Filters'), ...filters),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Input'),
        this.text('bands', 'Bands', 'all bands when empty', 'e.g. 1,2,3'),
        field('Preset', presetSelect, preset?.note),
        this.text('scale', 'Scale', undefined, undefined, true),
        this.text('offset', 'Offset', undefined, undefined, true),
        field('Raster scale/offset', el('input', { type: 'checkbox', checked: f.rasterScale, onchange: (e) => this.update({ rasterScale: (e.target as HTMLInputElement).checked }) }), "also apply the file's own scale/offset tags"),
        field('Nodata', select(f.nodata, [['mask', 'Mask (valid windows only)'], ['propagate', 'Propagate (NaN cell)']] as const, (nodata) => this.update({ nodata }))),
      ),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Grid'),
        this.text('cellSize', 'Cell size', 'pixels (256), metres (1000m), degrees (0.01deg) or whole'),
        field('Edge cells', select(f.edge, [['drop', 'Drop partial cells'], ['keep', 'Keep partial cells']] as const, (edge) => this.update({ edge }))),
      ),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Model'),
        field('Convention', select(f.convention, [['torchgeo', 'torchgeo (b = −1)'], ['paper', 'paper (β = 0)']] as const, (convention) => this.update({ convention }))),
        this.text('bias', 'Bias', "the convention's default when empty"),
        field('Backend', select(f.backend, [['auto', 'Auto (GPU if present)'], ['cpu', 'CPU'], ['webgpu', 'GPU (WebGPU)'], ['reference', 'Reference (slow)']] as const, (backend) => this.update({ backend }), 'field-backend')),
        this.text('threads', 'Threads'),
      ),
    );
  }
}

function gridText(state: AppState): string {
  const grid = state.grid;
  if (grid.status === 'pending') return 'Grid: computing…';
  if (grid.status === 'failed') return 'Grid: —';
  const area = `Area: ${state.area.description}.`;
  if (grid.status === 'none') return `${area} Grid: not previewed yet`;
  const preview = grid.value;
  const per = preview.perInput.map((p) => `${p.name}: ${formatCount(p.cells)} of ${p.cellPixels} px`).join('; ');
  const drawn = preview.truncated ? `; the first ${formatCount(preview.cells.length)} are drawn` : '';
  return `${area} ${formatCount(preview.count)} cells will be featurized (${per})${drawn}`;
}

function estimateText(state: AppState): string {
  const estimate = state.estimate;
  if (estimate.status === 'pending') return 'Estimating (a short calibration run)…';
  if (estimate.status !== 'done') return '';
  const e = estimate.value;
  const work = `${(e.flops / 1e9).toFixed(1)} GFLOP at ${e.gflopsPerSecond.toFixed(1)} GFLOP/s measured on ${e.backend}`;
  return `About ${formatDuration(e.seconds)} and ${formatBytes(e.bytes)} of memory for ${formatCount(e.cells)} cells (${work})`;
}

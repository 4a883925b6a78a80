/**
 * The run panel: every option of `rcf featurize`, scaling presets, the grid
 * preview with its cell count, time and memory estimates, then run with
 * progress and cancel. The form is the store's: the panel rebuilds its fields
 * only when the form changed from elsewhere (a history re-run) or a field
 * shows something derived (the preset from scale and offset); the rest
 * follows the store element by element.
 */
import { KeyedList, el, field, select, type Row } from '../ui/dom.js';
import { formatBytes, formatCount, formatDuration } from '../ui/format.js';
import { isRunInput, openRasters, type AppState, type AppStore, type RasterEntry } from '../state/app-state.js';
import { SCALE_PRESETS, matchPreset } from './presets.js';
import {
  OPTION_GROUPS,
  RUN_OPTION_KEYS,
  RUN_OPTIONS,
  appliesTo,
  type OptionGroup,
  type RunOption,
  type RunOptionKey,
} from '../../../shared/run/index.js';
import { fieldProblem, type RunForm } from './settings-model.js';

export interface RunPanelActions {
  changed(form: RunForm): void;
  /** Ticks or unticks a raster as an input. */
  setInput(id: string, input: boolean): void;
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
  private readonly inputsRoot = el('div', { class: 'run-inputs', 'data-testid': 'run-inputs' });
  private readonly gridInfo = el('div', { class: 'grid-info', 'data-testid': 'grid-info' });
  private readonly estimateInfo = el('div', { class: 'estimate', 'data-testid': 'estimate' });
  private readonly errors = el('ul', { class: 'form-errors', 'data-testid': 'form-errors' });
  private readonly progressBar = el('progress', { max: 1, value: 0, 'data-testid': 'run-progress' });
  private readonly progressText = el('div', { class: 'progress-text', 'data-testid': 'run-progress-text' });
  private readonly runButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;

  private form: RunForm;
  private readonly actions: RunPanelActions;
  private presetSelect: HTMLSelectElement | null = null;
  private presetNote: HTMLElement | null = null;

  constructor(store: AppStore, actions: RunPanelActions) {
    this.form = store.get().form;
    this.actions = actions;
    this.runButton = el('button', { class: 'primary', 'data-testid': 'run', onclick: () => actions.run() }, 'Run featurizer');
    this.cancelButton = el('button', { 'data-testid': 'cancel', disabled: true, onclick: () => actions.cancel() }, 'Cancel');
    this.root.append(
      el('h2', {}, 'Featurize'),
      el('fieldset', {}, el('legend', {}, 'Inputs'), this.inputsRoot),
      this.formRoot,
      // What a run will do and how it goes stay in sight at the bottom of the panel, however far the form scrolls.
      el(
        'div',
        { class: 'run-actions', 'data-testid': 'run-actions' },
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
      ),
    );
    const inputs = new KeyedList<RasterEntry>(
      this.inputsRoot,
      (entry) => entry.id,
      (entry) => inputRow(entry, actions),
      el('p', { class: 'empty' }, 'No rasters open.'),
    );
    store.select(openRasters, (rasters) => inputs.render(rasters), sameEntries);
    this.renderForm();
    store.select(
      (s) => s.form,
      (form) => {
        // The panel's own edits are in the store already; another form replaces the fields.
        if (form === this.form) return;
        this.form = form;
        this.renderForm();
      },
    );
    store.select(gridText, (text) => (this.gridInfo.textContent = text));
    store.select(estimateText, (text) => (this.estimateInfo.textContent = text));
    store.select(
      (s) => s.formErrors,
      (errors) => this.errors.replaceChildren(...errors.map((e) => el('li', {}, e))),
    );
    store.select(
      (s) => s.run.running,
      (running) => {
        this.runButton.disabled = running;
        this.cancelButton.disabled = !running;
      },
    );
    store.select(
      (s) => s.run.progress,
      ({ done, total, text }) => {
        this.progressBar.max = Math.max(1, total);
        this.progressBar.value = done;
        this.progressText.textContent = text;
      },
    );
  }

  private update(change: Partial<RunForm>, rerender = false): void {
    this.form = { ...this.form, ...change };
    if (rerender) this.renderForm();
    this.actions.changed(this.form);
  }

  /** One option's control, from the options table: a choice, a checkbox, a file chooser or a text field. */
  private control(key: RunOptionKey): HTMLElement {
    const option = RUN_OPTIONS[key] as RunOption<unknown>;
    const value = this.form[key];
    const hint = option.unit ? `${option.help}, in ${option.unit}` : option.help;
    if (option.choices) {
      const labels = option.choiceLabels ?? {};
      const choices = option.choices.map((c) => [c, labels[c] ?? c] as const);
      // A different filter mode shows other fields.
      return field(
        option.label,
        select(String(value), choices, (v) => this.update({ [key]: v }, key === 'mode'), `field-${key}`),
        hint,
      );
    }
    if (option.type === 'flag') {
      const box = el('input', {
        type: 'checkbox',
        checked: value === true,
        'data-testid': `field-${key}`,
        onchange: (e) => this.update({ [key]: (e.target as HTMLInputElement).checked }),
      });
      return field(option.label, box, hint);
    }
    if (option.files) {
      const choose = async () => {
        if (option.files === 'weights') this.update({ [key]: (await this.actions.chooseWeights()) ?? value }, true);
        else this.update({ [key]: await this.actions.chooseTraining() }, true);
      };
      const shown = Array.isArray(value) ? (value.length === 0 ? 'the inputs' : `${value.length} file(s)`) : String(value) || 'none chosen';
      return field(
        option.label,
        el(
          'div',
          { class: 'file-choice' },
          el('span', {}, shown),
          el('button', { 'data-testid': `field-${key}`, onclick: choose }, 'Choose…'),
        ),
        hint,
      );
    }
    // Scale and offset show the preset they match.
    const changed = (text: string) => {
      this.update({ [key]: text });
      if (key === 'scale' || key === 'offset') this.showPreset();
    };
    const placeholder = option.default === undefined ? '' : option.format(option.default);
    const problem = el('small', { class: 'field-problem', id: `problem-${key}`, 'data-testid': `problem-${key}`, role: 'alert' });
    // Checked as it is typed, the message beside the field; Enter commits the field and runs.
    const check = (text: string) => {
      const why = fieldProblem({ ...this.form, [key]: text }, key);
      problem.textContent = why ?? '';
      input.setAttribute('aria-invalid', String(why !== null));
    };
    const input = el('input', {
      type: 'text',
      value: String(value),
      placeholder,
      'data-testid': `field-${key}`,
      'aria-describedby': `problem-${key}`,
      oninput: (e) => check((e.target as HTMLInputElement).value),
      onchange: () => changed(input.value),
      onkeydown: (e) => {
        if ((e as KeyboardEvent).key !== 'Enter') return;
        changed(input.value);
        this.actions.run();
      },
    });
    check(String(value));
    const row = field(option.label, input, hint);
    row.append(problem);
    return row;
  }

  private presetField(): HTMLElement {
    const choices = [...SCALE_PRESETS.map((p) => [p.id, p.label] as const), ['custom', 'Custom'] as const];
    this.presetSelect = select(
      'custom',
      choices,
      (id) => {
        const p = SCALE_PRESETS.find((s) => s.id === id);
        if (!p) return;
        this.update({ scale: String(p.scale), offset: String(p.offset) });
        for (const key of ['scale', 'offset'] as const) {
          const input = this.formRoot.querySelector<HTMLInputElement>(`[data-testid=field-${key}]`);
          if (input) input.value = String(this.form[key]);
        }
        this.showPreset();
      },
      'field-preset',
    );
    const row = field('Preset', this.presetSelect, ' ');
    this.presetNote = row.querySelector<HTMLElement>('.hint');
    this.showPreset();
    return row;
  }

  /** The preset that scale and offset match, updated in place (rebuilding the fields would take the focus away). */
  private showPreset(): void {
    const preset = matchPreset(Number(this.form.scale), Number(this.form.offset));
    if (this.presetSelect) this.presetSelect.value = preset?.id ?? 'custom';
    if (this.presetNote) this.presetNote.textContent = preset?.note ?? '';
  }

  private renderForm(): void {
    const sections = (Object.keys(OPTION_GROUPS) as OptionGroup[]).map((group) => {
      const keys = RUN_OPTION_KEYS.filter((key) => RUN_OPTIONS[key].group === group && appliesTo(key, this.form.mode));
      const fields = keys.flatMap((key) => (key === 'scale' ? [this.presetField(), this.control(key)] : [this.control(key)]));
      return el('fieldset', {}, el('legend', {}, OPTION_GROUPS[group]), ...fields);
    });
    this.formRoot.replaceChildren(...sections);
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

function sameEntries(a: readonly RasterEntry[], b: readonly RasterEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** One raster under Inputs: ticked when the run featurizes it (by default: when it is visible). */
function inputRow(first: RasterEntry, actions: RunPanelActions): Row<RasterEntry> {
  const box = el('input', { type: 'checkbox', onchange: () => actions.setInput(first.id, box.checked) });
  const name = el('span', { class: 'input-name' });
  const detail = el('span', { class: 'hint' });
  const node = el('label', { class: 'input-row', 'data-testid': 'run-input', 'data-input': first.id }, box, name, detail);
  return {
    node,
    update(entry) {
      box.checked = isRunInput(entry);
      node.dataset.checked = String(box.checked);
      name.textContent = entry.name;
      const view = entry.raster.view;
      const bands = `${view.bands} band${view.bands === 1 ? '' : 's'}`;
      detail.textContent = ` ${bands} · ${view.crs?.name ?? 'no CRS'}${entry.visible ? '' : ' · hidden'}`;
    },
  };
}

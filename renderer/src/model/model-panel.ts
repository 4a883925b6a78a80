/**
 * The Model panel: the features (a finished run), the label file and the
 * fit's options from FIT_OPTIONS (their labels, choices, defaults and help),
 * Folds / Fit / Cancel with progress, then the shown fit's score, charts,
 * clicked cell and exports, and the fit history with each fit's `rcf fit`
 * command. Like the run panel, the fields are rebuilt only when the form
 * changed from elsewhere or a choice shows other fields.
 */
import { FIT_OPTION_GROUPS, FIT_OPTION_KEYS, FIT_OPTIONS, type FitOptionGroup, type FitOptionKey } from '../../../shared/model/index.js';
import type { Option } from '../../../shared/options/index.js';
import type { FitExportFormat, FitRecord, LabelsView } from '../../../shared/ipc/contract.js';
import type { AppStore, ModelState } from '../state/app-state.js';
import { KeyedList, el, field, select, type Row } from '../ui/dom.js';
import { formatCount } from '../ui/format.js';
import { fitFieldApplies, fitFieldProblem, type FitForm } from './fit-form.js';
import { confusionChart, lambdaCurve, scatterChart, axisNumber } from './charts.js';
import { CATEGORICAL, RAMP_CSS, labelsColouring, predictionColouring, type Colouring } from './model-layers.js';
import { scoreText } from './model-controller.js';

export interface ModelPanelActions {
  setRun(runId: string): void;
  changed(form: FitForm): void;
  chooseLabels(): void;
  chooseWeightRaster(): Promise<string | null>;
  showFolds(): void;
  fit(): void;
  cancel(): void;
  show(fit: FitRecord): void;
  useSettings(fit: FitRecord): void;
  exportFit(fit: FitRecord | null, format: FitExportFormat): void;
  copyCommand(fit: FitRecord): void;
}

/** Fits listed, newest first. */
const LISTED = 20;

const EXPORTS: readonly [FitExportFormat, string][] = [
  ['gpkg', 'Prediction GeoPackage'],
  ['tif', 'Prediction GeoTIFF'],
  ['csv', 'Prediction CSV'],
  ['json', 'Model file'],
];

export class ModelPanel {
  readonly root = el('section', { class: 'model-panel', 'data-testid': 'model-panel' });
  private readonly runRoot = el('div', { class: 'model-run' });
  private readonly formRoot = el('div', { class: 'fit-form' });
  private readonly labelsInfo = el('div', { class: 'hint', 'data-testid': 'labels-info' });
  private readonly foldsInfo = el('div', { class: 'folds-info', 'data-testid': 'folds-info' });
  private readonly progressBar = el('progress', { max: 1, value: 0, 'data-testid': 'fit-progress' });
  private readonly progressText = el('div', { class: 'progress-text', 'data-testid': 'fit-progress-text' });
  private readonly fitButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly resultsRoot = el('div', { class: 'fit-results', 'data-testid': 'fit-results' });
  private readonly cellRoot = el('div', { class: 'prediction-cell', 'data-testid': 'prediction-cell' });
  private readonly historyRoot = el('div', { class: 'fit-history', 'data-testid': 'fit-history' });

  private form: FitForm;
  private readonly actions: ModelPanelActions;
  private labels: LabelsView | null = null;

  constructor(store: AppStore, actions: ModelPanelActions) {
    this.actions = actions;
    this.form = store.get().model.form;
    this.fitButton = el('button', { class: 'primary', 'data-testid': 'fit', onclick: () => actions.fit() }, 'Fit model');
    this.cancelButton = el('button', { 'data-testid': 'fit-cancel', disabled: true, onclick: () => actions.cancel() }, 'Cancel');
    this.root.append(
      el('h2', {}, 'Model'),
      this.runRoot,
      this.formRoot,
      el(
        'div',
        { class: 'run-actions', 'data-testid': 'fit-actions' },
        el(
          'div',
          { class: 'buttons' },
          el('button', { 'data-testid': 'show-folds', onclick: () => actions.showFolds() }, 'Show folds'),
          this.fitButton,
          this.cancelButton,
        ),
        this.foldsInfo,
        this.progressBar,
        this.progressText,
      ),
      this.resultsRoot,
      el('h2', {}, 'Fits'),
      this.historyRoot,
    );
    store.select(
      (s) => [s.history, s.model.runId] as const,
      ([runs, runId]) => {
        const finished = runs.filter((r) => r.state === 'finished');
        const choices = finished.map((r) => [r.id, `${r.started.slice(5, 16).replace('T', ' ')} · ${formatCount(r.cells)} cells`] as const);
        const control =
          finished.length === 0
            ? el('span', { class: 'empty', 'data-testid': 'fit-run' }, 'no finished run yet: featurize first')
            : select(runId ?? '', choices, (id) => actions.setRun(id), 'fit-run');
        if (runId && !finished.some((r) => r.id === runId) && control instanceof HTMLSelectElement) control.value = '';
        this.runRoot.replaceChildren(field('Features', control, 'the finished run whose cells are fitted on'));
      },
      (a, b) => a[0] === b[0] && a[1] === b[1],
    );
    store.select(
      (s) => s.model.labels,
      (labels) => {
        this.labels = labels.status === 'done' ? labels.value : null;
        this.labelsInfo.textContent =
          labels.status === 'pending' ? 'Reading the labels…' : labels.status === 'done' ? labelsText(labels.value) : '';
        this.renderForm();
      },
    );
    store.select(
      (s) => s.model.form,
      (form) => {
        if (form === this.form) return;
        this.form = form;
        this.renderForm();
      },
    );
    store.select(
      (s) => s.model.folds,
      (folds) => {
        this.foldsInfo.replaceChildren(foldsText(folds));
        if (folds.status !== 'done') return;
        // The key of the map's fold colours.
        const key = Array.from({ length: folds.value.folds }, (_, i) =>
          el(
            'span',
            { class: 'legend-class inline' },
            el('span', { class: 'swatch', style: `background: ${CATEGORICAL[i % CATEGORICAL.length]}` }),
            `${i + 1}`,
          ),
        );
        if (folds.value.cells.some((c) => c.fold < 0))
          key.push(el('span', { class: 'legend-class inline' }, el('span', { class: 'swatch test' }), 'test'));
        this.foldsInfo.append(el('div', { class: 'fold-key', 'data-testid': 'fold-key' }, ...key));
      },
    );
    store.select(
      (s) => s.model.fit.running,
      (running) => {
        this.fitButton.disabled = running;
        this.cancelButton.disabled = !running;
      },
    );
    store.select(
      (s) => s.model.fit.progress,
      ({ done, total, text }) => {
        this.progressBar.max = Math.max(1, total);
        this.progressBar.value = done;
        this.progressText.textContent = text;
      },
    );
    store.select(
      (s) => s.model.shown,
      (shown, previous) => this.renderResults(shown, previous),
    );
    store.select(
      (s) => s.model.cell,
      (cell) => {
        if (!cell) return this.cellRoot.replaceChildren(el('p', { class: 'empty' }, 'Click a predicted cell to see its values.'));
        this.cellRoot.replaceChildren(
          el('strong', {}, cell.cellId),
          el('div', { 'data-testid': 'prediction-cell-predicted' }, `predicted ${cell.predicted}`),
          el(
            'div',
            { 'data-testid': 'prediction-cell-observed' },
            cell.observed === null ? 'not a training cell' : `observed ${cell.observed}`,
          ),
        );
      },
    );
    const rows = new KeyedList<FitRecord>(
      this.historyRoot,
      (fit) => fit.id,
      (fit) => fitRow(fit, actions),
      el('p', { class: 'empty' }, 'No fits yet.'),
    );
    store.select(
      (s) => s.model.history,
      (fits) => rows.render(fits.slice(0, LISTED)),
    );
  }

  private update(change: Partial<FitForm>, rerender = false): void {
    this.form = { ...this.form, ...change };
    if (rerender) this.renderForm();
    this.actions.changed(this.form);
  }

  private columnsControl(key: 'target' | 'group'): HTMLElement {
    const option = FIT_OPTIONS[key];
    const columns = this.labels?.columns ?? [];
    const value = this.form[key];
    const choices = [...(key === 'group' ? [['', 'choose a column'] as const] : []), ...columns.map((c) => [c, c] as const)];
    if (value !== '' && !columns.includes(value)) choices.push([value, value]);
    const control =
      choices.length === 0
        ? el('span', { class: 'empty', 'data-testid': `fit-field-${key}` }, 'choose a label file first')
        : select(value, choices, (v) => this.update({ [key]: v }), `fit-field-${key}`);
    return field(option.label, control, option.help);
  }

  /** One option's control from the table: a column picker, a choice, a checkbox, a file chooser or a text field. */
  private control(key: FitOptionKey): HTMLElement {
    if (key === 'target' || key === 'group') return this.columnsControl(key);
    const option = FIT_OPTIONS[key] as unknown as Option<unknown>;
    const value = this.form[key];
    if (key === 'labels') {
      const name = value === '' ? 'none chosen' : (value.split(/[\\/]/).pop() ?? value);
      const row = field(
        option.label,
        el(
          'div',
          { class: 'file-choice' },
          el('span', { class: 'file-name', title: value, 'data-testid': 'labels-name' }, name),
          el('button', { 'data-testid': 'choose-labels', onclick: () => this.actions.chooseLabels() }, 'Choose…'),
        ),
        option.help,
      );
      row.append(this.labelsInfo);
      return row;
    }
    if (key === 'weightRaster') {
      const choose = async () => this.update({ weightRaster: (await this.actions.chooseWeightRaster()) ?? value }, true);
      return field(
        option.label,
        el(
          'div',
          { class: 'file-choice' },
          el('span', { class: 'file-name', title: value }, value === '' ? 'by area' : (value.split(/[\\/]/).pop() ?? value)),
          el('button', { 'data-testid': 'fit-field-weightRaster', onclick: choose }, 'Choose…'),
        ),
        option.help,
      );
    }
    if (option.choices) {
      const labels = option.choiceLabels ?? {};
      const choices = option.choices.map((c) => [c, labels[c] ?? c] as const);
      // Another model or scheme shows other fields.
      return field(
        option.label,
        select(value, choices, (v) => this.update({ [key]: v }, true), `fit-field-${key}`),
        option.help,
      );
    }
    if (option.type === 'flag') {
      const box = el('input', {
        type: 'checkbox',
        checked: value === 'true',
        'data-testid': `fit-field-${key}`,
        onchange: (e) => this.update({ [key]: String((e.target as HTMLInputElement).checked) }),
      });
      return field(option.label, box, option.help);
    }
    const problem = el('small', { class: 'field-problem', id: `fit-problem-${key}`, 'data-testid': `fit-problem-${key}`, role: 'alert' });
    const check = (text: string) => {
      const why = fitFieldProblem({ ...this.form, [key]: text }, key);
      problem.textContent = why ?? '';
      input.setAttribute('aria-invalid', String(why !== null));
    };
    const input = el('input', {
      type: 'text',
      value,
      placeholder: option.metavar ?? '',
      'data-testid': `fit-field-${key}`,
      'aria-describedby': `fit-problem-${key}`,
      oninput: (e) => check((e.target as HTMLInputElement).value),
      onchange: () => this.update({ [key]: input.value }),
      onkeydown: (e) => {
        if ((e as KeyboardEvent).key !== 'Enter') return;
        this.update({ [key]: input.value });
        this.actions.fit();
      },
    });
    check(value);
    const row = field(option.label, input, option.help);
    row.append(problem);
    return row;
  }

  private renderForm(): void {
    const geometry = this.labels?.geometry ?? null;
    const sections = (Object.keys(FIT_OPTION_GROUPS) as FitOptionGroup[]).map((group) => {
      const keys = FIT_OPTION_KEYS.filter((key) => FIT_OPTIONS[key].group === group && fitFieldApplies(this.form, key, geometry));
      return el('fieldset', {}, el('legend', {}, FIT_OPTION_GROUPS[group]), ...keys.map((key) => this.control(key)));
    });
    this.formRoot.replaceChildren(...sections);
  }

  private renderResults(shown: ModelState['shown'], previous: ModelState['shown'] | undefined): void {
    if (!shown) return this.resultsRoot.replaceChildren();
    const { record, results } = shown;
    const v = results.model.validation;
    const random = results.model.random;
    const lines = [
      el('div', { class: 'fit-score', 'data-testid': 'fit-score' }, scoreText(record)),
      random
        ? el('div', { class: 'hint', 'data-testid': 'fit-score-random' }, `beside it, random k-fold: ${validationText(random)}`)
        : null,
      results.model.test ? el('div', { class: 'hint' }, `held-out 20 %: R² ${axisNumber(results.model.test[0].r2 ?? NaN)}`) : null,
      v.edge_warning[0] ? el('div', { class: 'warning-text' }, 'The chosen value is at the edge of the grid: widen the λ grid.') : null,
      el('div', { class: 'hint' }, results.model.labels.summary),
    ];
    const chart = results.scatter ? scatterChart(results) : confusionChart(results);
    this.resultsRoot.replaceChildren(
      el('h2', {}, 'Fit'),
      ...lines.filter((l) => l !== null),
      lambdaCurve(results),
      chart,
      this.cellRoot,
      el(
        'div',
        { class: 'buttons' },
        ...EXPORTS.map(([format, label]) =>
          el('button', { 'data-testid': `export-fit-${format}`, onclick: () => this.actions.exportFit(record, format) }, label),
        ),
      ),
    );
    // A fit just shown brings its charts into sight (the form above them stays a scroll away).
    if (shown.record.id !== previous?.record.id) this.resultsRoot.scrollIntoView({ block: 'start' });
  }
}

function labelsText(view: LabelsView): string {
  if (view.geometry === 'raster') return 'a label raster: its band 1 is the target, shown as a raster layer';
  if (view.target === null) return view.summary;
  const kind = view.numeric ? 'numbers' : `${view.classes?.length ?? 0} classes`;
  const hidden = view.hidden > 0 ? `; the first ${formatCount(view.features.length)} are drawn` : '';
  return `${view.summary}; ${view.target}: ${kind}${hidden}`;
}

function validationText(v: { scheme: string; score: 'r2' | 'accuracy'; pooled: Record<string, number | null>[] }): string {
  const value = v.pooled[0][v.score];
  return `${v.score === 'r2' ? 'R²' : 'accuracy'} ${value === null || value === undefined ? 'n/a' : value.toFixed(3)}`;
}

function foldsText(folds: ModelState['folds']): string {
  if (folds.status === 'pending') return 'Folds: joining the labels…';
  if (folds.status !== 'done') return '';
  return `Folds: ${formatCount(folds.value.rows)} training rows in ${folds.value.folds} folds, drawn on their cells`;
}

function fitRow(first: FitRecord, actions: ModelPanelActions): Row<FitRecord> {
  const node = el('div', { 'data-testid': 'history-fit', 'data-fit-id': first.id });
  let shown = '';
  return {
    node,
    update(fit) {
      const key = JSON.stringify(fit);
      if (key === shown) return;
      shown = key;
      node.className = `run ${fit.state}`;
      const finished = fit.state === 'finished';
      const target = fit.settings.target ?? 'band 1';
      node.replaceChildren(
        ...[
          el('div', { class: 'run-head' }, el('strong', {}, fit.state), ` ${fit.started.replace('T', ' ').slice(0, 19)} · ${target}`),
          finished ? el('div', { class: 'run-inputs' }, scoreText(fit)) : null,
          fit.message ? el('div', { class: 'run-message' }, fit.message) : null,
          el(
            'div',
            { class: 'buttons' },
            finished ? el('button', { 'data-testid': 'show-fit', onclick: () => actions.show(fit) }, 'Show') : null,
            el('button', { 'data-testid': 'fit-settings', onclick: () => actions.useSettings(fit) }, 'Use settings'),
            el('button', { 'data-testid': 'copy-fit-command', onclick: () => actions.copyCommand(fit) }, 'Copy command'),
          ),
          el('code', { 'data-testid': 'fit-command' }, fit.command),
        ].filter((child) => child !== null),
      );
    },
  };
}

/**
 * The legend over the map: the shown prediction's (the ramp with its range, or the classes' colours), or before
 * any fit is shown the labels' colours.
 */
export function showPredictionLegend(root: HTMLElement, store: AppStore): void {
  store.select(
    (s) => [s.model.shown, s.model.labels] as const,
    ([shown, labels]) => {
      const view = labels.status === 'done' && labels.value.geometry !== 'raster' && labels.value.target !== null ? labels.value : null;
      root.hidden = !shown && !view;
      if (shown) render(`Predicted ${shown.record.settings.target ?? 'band 1'}`, predictionColouring(shown.results));
      else if (view) render(`Labels: ${view.target}`, labelsColouring(view));
      else root.replaceChildren();
    },
    (a, b) => a[0] === b[0] && a[1] === b[1],
  );
  function render(titleText: string, colouring: Colouring): void {
    const title = el('div', { class: 'legend-title' }, titleText);
    if (colouring.kind === 'ramp') {
      root.replaceChildren(
        title,
        el('div', { class: 'legend-ramp', style: `background: ${RAMP_CSS}` }),
        el(
          'div',
          { class: 'legend-range' },
          el('span', { 'data-testid': 'legend-min' }, axisNumber(colouring.min)),
          el('span', { 'data-testid': 'legend-max' }, axisNumber(colouring.max)),
        ),
      );
    } else {
      root.replaceChildren(
        title,
        ...colouring.classes.map((c, i) =>
          el(
            'div',
            { class: 'legend-class' },
            el('span', { class: 'swatch', style: `background: ${CATEGORICAL[i % CATEGORICAL.length]}` }),
            c,
          ),
        ),
      );
    }
  }
}

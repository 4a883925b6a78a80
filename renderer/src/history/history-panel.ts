/**
 * Recent runs with their provenance; each can be shown, exported or run again.
 * One row per run, kept while the run is listed and rebuilt only when the run
 * changed, so an open provenance stays open when the history refreshes.
 */
import type { RunRecord } from '../../../shared/ipc/contract.js';
import type { AppStore } from '../state/app-state.js';
import { KeyedList, el, type Row } from '../ui/dom.js';
import { commandLine } from '../run/settings-model.js';

export interface HistoryActions {
  show(run: RunRecord): void;
  rerun(run: RunRecord): void;
  resume(run: RunRecord): void;
  exportRun(run: RunRecord, format: 'csv' | 'gpkg'): void;
}

/** Runs listed, newest first. */
const LISTED = 30;

export function showHistoryPanel(root: HTMLElement, store: AppStore, actions: HistoryActions): void {
  // One run at a time: Re-run waits while a run goes (a second one could not be watched or cancelled).
  const disableRerun = () => {
    const running = store.get().run.running;
    for (const button of root.querySelectorAll<HTMLButtonElement>('[data-testid=rerun], [data-testid=resume]')) {
      button.disabled = running;
      button.title = running ? 'A run is going: wait for it to end, or cancel it' : '';
    }
  };
  const rows = new KeyedList<RunRecord>(
    root,
    (run) => run.id,
    (run) => runRow(run, actions),
    el('p', { class: 'empty' }, 'No runs yet.'),
  );
  store.select(
    (s) => s.history,
    (runs) => {
      rows.render(runs.slice(0, LISTED));
      disableRerun();
    },
  );
  store.select((s) => s.run.running, disableRerun);
}

function runRow(first: RunRecord, actions: HistoryActions): Row<RunRecord> {
  const node = el('div', { 'data-testid': 'history-run', 'data-run-id': first.id });
  let shown = '';
  return {
    node,
    update(run) {
      // The history is read afresh each time: the same run comes back as another object.
      const key = JSON.stringify(run);
      if (key === shown) return;
      shown = key;
      node.className = `run ${run.state}`;
      node.replaceChildren(...runContent(run, actions).filter((child) => child !== null));
    },
  };
}

function runContent(run: RunRecord, actions: HistoryActions): (HTMLElement | null)[] {
  const inputs = run.settings.inputs.map((p) => p.split(/[\\/]/).pop()).join(', ');
  const provenance = el(
    'details',
    {},
    el('summary', {}, 'Provenance'),
    el('pre', {}, JSON.stringify(run.provenance ?? { settings: run.settings }, null, 1)),
    el('code', {}, commandLine(run.settings)),
  );
  const finished = run.state === 'finished';
  // A stopped run keeps its cells: Resume continues it (as `rcf featurize --resume`).
  const resumable = run.state === 'cancelled' || run.state === 'failed';
  return [
    el('div', { class: 'run-head' }, el('strong', {}, run.state), ` ${run.started.replace('T', ' ').slice(0, 19)} · ${run.cells} cells`),
    el('div', { class: 'run-inputs' }, inputs),
    run.message ? el('div', { class: 'run-message' }, run.message) : null,
    el(
      'div',
      { class: 'buttons' },
      finished ? el('button', { onclick: () => actions.show(run) }, 'Show') : null,
      finished ? el('button', { 'data-testid': 'export-csv', onclick: () => actions.exportRun(run, 'csv') }, 'Export CSV') : null,
      finished ? el('button', { 'data-testid': 'export-gpkg', onclick: () => actions.exportRun(run, 'gpkg') }, 'Export GeoPackage') : null,
      resumable ? el('button', { 'data-testid': 'resume', onclick: () => actions.resume(run) }, 'Resume') : null,
      el('button', { 'data-testid': 'rerun', onclick: () => actions.rerun(run) }, 'Re-run'),
    ),
    provenance,
  ];
}

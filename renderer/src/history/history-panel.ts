/** Recent runs with their provenance; each can be shown, exported or run again. */
import type { RunRecord } from '../../../shared/ipc/contract.js';
import { el } from '../ui/dom.js';
import { commandLine } from '../run/settings-model.js';

export interface HistoryActions {
  show(run: RunRecord): void;
  rerun(run: RunRecord): void;
  exportRun(run: RunRecord, format: 'csv' | 'gpkg'): void;
}

export function renderHistory(root: HTMLElement, runs: RunRecord[], actions: HistoryActions): void {
  root.replaceChildren();
  if (runs.length === 0) {
    root.append(el('p', { class: 'empty' }, 'No runs yet.'));
    return;
  }
  for (const run of runs.slice(0, 30)) {
    const inputs = run.settings.inputs.map((p) => p.split(/[\\/]/).pop()).join(', ');
    const provenance = el('details', {}, el('summary', {}, 'Provenance'), el('pre', {}, JSON.stringify(run.provenance ?? { settings: run.settings }, null, 1)), el('code', {}, commandLine(run.settings)));
    root.append(
      el(
        'div',
        { class: `run ${run.state}`, 'data-testid': 'history-run', 'data-run-id': run.id },
        el('div', { class: 'run-head' }, el('strong', {}, run.state), ` ${run.started.replace('T', ' ').slice(0, 19)} · ${run.cells} cells`),
        el('div', { class: 'run-inputs' }, inputs),
        run.message ? el('div', { class: 'run-message' }, run.message) : null,
        el(
          'div',
          { class: 'buttons' },
          run.state === 'finished' ? el('button', { onclick: () => actions.show(run) }, 'Show') : null,
          run.state === 'finished' ? el('button', { 'data-testid': 'export-csv', onclick: () => actions.exportRun(run, 'csv') }, 'Export CSV') : null,
          run.state === 'finished' ? el('button', { 'data-testid': 'export-gpkg', onclick: () => actions.exportRun(run, 'gpkg') }, 'Export GeoPackage') : null,
          el('button', { 'data-testid': 'rerun', onclick: () => actions.rerun(run) }, 'Re-run'),
        ),
        provenance,
      ),
    );
  }
}

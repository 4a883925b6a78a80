/** The clicked result cell: its valid fraction, place and first features. */
import type { AppStore } from '../state/app-state.js';
import { el } from '../ui/dom.js';

/** How many feature values are listed. */
const SHOWN = 12;

export function showCellPanel(root: HTMLElement, store: AppStore): void {
  store.select(
    (s) => s.cell,
    (cell) => {
      if (!cell) return root.replaceChildren(el('p', { class: 'empty' }, 'Click a result cell to see its features.'));
      const preview = cell.features
        .slice(0, SHOWN)
        .map((v) => (v === null ? 'NaN' : v.toPrecision(4)))
        .join(', ');
      const place = `valid_fraction ${cell.validFraction.toFixed(4)} · row ${cell.row}, col ${cell.col}`;
      root.replaceChildren(
        el('h3', {}, cell.cellId),
        el('div', { 'data-testid': 'cell-valid-fraction' }, place),
        el('div', { class: 'values' }, `${cell.features.length} features: ${preview}${cell.features.length > SHOWN ? ', …' : ''}`),
      );
    },
  );
}

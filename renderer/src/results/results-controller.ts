/**
 * The results flow: a finished run's cells on the map, one cell's values on
 * click, and exporting a run through the save dialog.
 */
import type OlMap from 'ol/Map.js';
import type { ExportFormat, RcfApi, RunRecord } from '../../../shared/ipc/contract.js';
import type { AppStore, ResultsEntry } from '../state/app-state.js';
import type { MessageBar } from '../ui/messages.js';
import { formatBytes, formatCount } from '../ui/format.js';
import { addLayer } from '../layers/layer-list.js';
import { resultsLayer } from './results-layer.js';

export class ResultsController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly messages: MessageBar;

  /** `drawing` says when map clicks belong to the area tools instead. */
  constructor(rcf: RcfApi, store: AppStore, map: OlMap, messages: MessageBar, drawing: () => boolean) {
    this.rcf = rcf;
    this.store = store;
    this.messages = messages;
    map.on('singleclick', (event) => {
      if (drawing()) return;
      const hit = map.forEachFeatureAtPixel(event.pixel, (feature) => (feature.get('cellId') ? feature : null));
      if (!hit) return;
      rcf
        .cellValues({ runId: hit.get('runId'), cellId: hit.get('cellId') })
        .then((cell) => store.patch({ cell }))
        .catch((e) => messages.error(e));
    });
  }

  /** Colours the run's cells on the map (a layer on top) and makes it the run the toolbar exports. */
  async show(run: RunRecord): Promise<void> {
    try {
      const results = await this.rcf.results({ runId: run.id });
      const name = `Results ${run.started.slice(11, 19)} · K=${results.features} · ${results.cells.length} cells`;
      const layer = resultsLayer(results);
      const entry: ResultsEntry = { id: `results:${run.id}`, kind: 'results', name, visible: true, opacity: 1, layer, runId: run.id };
      const share = results.explained.map((e) => `${(100 * e).toFixed(0)} %`).join(' / ');
      const cells = formatCount(results.cells.length);
      const status = `Results: ${cells} cells; colours are principal components 1–3 (${share} of the variance)`;
      this.store.update((s) => ({ ...s, layers: addLayer(s.layers, entry), shownRun: run, status }));
    } catch (error) {
      this.messages.error(error);
    }
  }

  /** Exports the shown run (the toolbar and the menu). */
  async exportShown(format: ExportFormat): Promise<void> {
    await this.exportRun(this.store.get().shownRun, format);
  }

  async exportRun(run: RunRecord | null, format: ExportFormat): Promise<void> {
    if (!run) {
      this.messages.show('warning', 'Nothing to export yet: run the featurizer or pick a finished run in the history.');
      return;
    }
    try {
      // Main's save dialog hands the service the path and this window only a token for it.
      const { token } = await this.rcf.chooseExportPath({ format, suggestedName: `rcf-${run.id}.${format}` });
      if (!token) return;
      const written = await this.rcf.exportRun({ runId: run.id, format, token });
      this.messages.show('info', `Exported ${formatBytes(written.bytes)} to ${written.path}`);
    } catch (error) {
      this.messages.error(error);
    }
  }
}

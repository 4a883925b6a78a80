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
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import type Geometry from 'ol/geom/Geometry.js';
import Polygon from 'ol/geom/Polygon.js';
import { Stroke, Style } from 'ol/style.js';

/** The clicked cell's outline: dark under light, visible on any colour. */
const SELECTED = [
  new Style({ stroke: new Stroke({ color: '#111', width: 5 }) }),
  new Style({ stroke: new Stroke({ color: '#ffeb3b', width: 2.5 }) }),
];

export class ResultsController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly messages: MessageBar;

  /** `drawing` says when map clicks belong to the area tools instead. */
  constructor(rcf: RcfApi, store: AppStore, map: OlMap, messages: MessageBar, drawing: () => boolean) {
    this.rcf = rcf;
    this.store = store;
    this.messages = messages;
    // The clicked cell stays outlined while its values are shown.
    const selected = new VectorLayer({ source: new VectorSource(), style: SELECTED, zIndex: 600 });
    map.addLayer(selected);
    const select = (geometry: Geometry | null, cellId: string | null) => {
      selected.getSource()!.clear();
      if (geometry) selected.getSource()!.addFeature(new Feature(geometry.clone()));
      map.getTargetElement()?.setAttribute('data-selected-cell', cellId ?? '');
    };
    store.select(
      (s) => s.cell,
      (cell) => {
        if (!cell) select(null, null);
      },
    );
    map.on('singleclick', (event) => {
      if (drawing()) return;
      const hit = map.forEachFeatureAtPixel(event.pixel, (feature) => (feature.get('cellId') ? feature : null));
      if (!hit) return;
      const geometry = hit.getGeometry();
      select(geometry instanceof Polygon ? geometry : null, hit.get('cellId'));
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

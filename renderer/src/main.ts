/**
 * The renderer: the map, the panels, and the wiring between them. All work is
 * asked of the app through `window.rcf`; nothing here reads files or computes
 * features.
 */
import 'ol/ol.css';
import './styles.css';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import type BaseLayer from 'ol/layer/Base.js';
import type VectorLayer from 'ol/layer/Vector.js';
import { ScaleLine, defaults as defaultControls } from 'ol/control.js';
import { fromLonLat } from 'ol/proj.js';
import { isEmpty } from 'ol/extent.js';
import type { GridPreview, RunRecord, RunSettings } from '../../shared/ipc/contract.js';
import { getRcf } from './rcf.js';
import { basemapLayers } from './map/basemap.js';
import { LayerList } from './layers/layer-list.js';
import { renderLayersPanel } from './layers/layers-panel.js';
import { RasterLayer } from './raster/raster-layer.js';
import { defaultDisplayBands } from './raster/paint.js';
import { AreaTools } from './area/area-tools.js';
import { gridLayer, showGrid } from './area/grid-layer.js';
import { RunPanel } from './run/run-panel.js';
import { defaultRunForm, formFromSettings, runSettingsFromForm } from './run/settings-model.js';
import { resultsLayer } from './results/results-layer.js';
import { renderHistory } from './history/history-panel.js';
import { MessageBar } from './ui/messages.js';
import { el } from './ui/dom.js';
import { formatBytes, formatCount, formatDuration } from './ui/format.js';

const messages = new MessageBar(document.getElementById('messages')!);
messages.catchUncaught();

let rcf: ReturnType<typeof getRcf>;
try {
  rcf = getRcf();
} catch (error) {
  messages.error(error);
  throw error;
}

// ---- map and layers -------------------------------------------------------

const map = new OlMap({
  target: 'map',
  layers: basemapLayers(),
  view: new View({ center: fromLonLat([10, 20]), zoom: 2 }),
  controls: defaultControls().extend([new ScaleLine()]),
});
const layers = new LayerList();
const mapLayers = new Map<string, BaseLayer>();
const rasters = new Map<string, RasterLayer>();
const area = new AreaTools(map);
const grid = gridLayer();
map.addLayer(area.layer);
map.addLayer(grid);

function addLayer(id: string, kind: 'raster' | 'results', name: string, layer: BaseLayer): void {
  const previous = mapLayers.get(id);
  if (previous) map.removeLayer(previous);
  mapLayers.set(id, layer);
  map.addLayer(layer);
  layers.add({ id, kind, name, visible: true, opacity: 1 });
}

layers.onChange(() => {
  for (const entry of layers.layers) {
    const layer = mapLayers.get(entry.id);
    if (!layer) continue;
    layer.setVisible(entry.visible);
    layer.setOpacity(entry.opacity);
    layer.setZIndex(layers.zIndex(entry.id));
  }
  renderLayers();
});

function renderLayers(): void {
  renderLayersPanel(document.getElementById('layers')!, layers, {
    zoomTo(id) {
      const raster = rasters.get(id);
      const extent = raster ? raster.extent() : ((mapLayers.get(id) as VectorLayer | undefined)?.getSource()?.getExtent() ?? null);
      if (extent && !isEmpty(extent)) map.getView().fit(extent, { padding: [40, 40, 40, 40], duration: 250 });
    },
    remove(id) {
      const layer = mapLayers.get(id);
      if (layer) map.removeLayer(layer);
      mapLayers.delete(id);
      rasters.get(id)?.dispose();
      rasters.delete(id);
      layers.remove(id);
      settingsChanged();
    },
    rasterStyle(id) {
      const raster = rasters.get(id);
      if (!raster) return null;
      const v = raster.view;
      const stretch = raster.stretches.map((s, i) => (s ? `b${raster.style.bands[i]} ${s.min.toPrecision(4)}–${s.max.toPrecision(4)}` : 'no valid pixel')).join(', ');
      const details = raster.outlineOnly ?? `${v.width}×${v.height}, ${v.bands} × ${v.dtype}, ${v.crs?.name ?? 'no CRS'} · preview: ${raster.previewSource} · ${stretch}`;
      return { bands: v.bands, style: raster.style, details };
    },
    setRasterStyle(id, style) {
      const raster = rasters.get(id);
      if (!raster) return;
      raster.style = style;
      raster.render(rcf).then(renderLayers, (e) => messages.error(e));
    },
  });
}

// ---- loading rasters -------------------------------------------------------

async function openRasters(paths: string[]): Promise<void> {
  for (const path of paths) {
    try {
      const view = await rcf.inspect({ path });
      const raster = new RasterLayer(view, { bands: defaultDisplayBands(view.bands), stretch: 'cut' });
      rasters.get(path)?.dispose();
      rasters.set(path, raster);
      addLayer(path, 'raster', view.name, raster.layer);
      if (raster.outlineOnly) messages.show('warning', `${view.name}: ${raster.outlineOnly}`);
      await raster.render(rcf);
      renderLayers();
      const extent = raster.extent();
      if (extent) map.getView().fit(extent, { padding: [40, 40, 40, 40], maxZoom: 16 });
      setStatus(`Opened ${view.name}`);
    } catch (error) {
      messages.error(error);
    }
  }
  settingsChanged();
}

const mapElement = document.getElementById('map')!;
window.addEventListener('dragover', (event) => {
  event.preventDefault();
  mapElement.classList.add('dropping');
});
window.addEventListener('dragleave', () => mapElement.classList.remove('dropping'));
window.addEventListener('drop', (event) => {
  event.preventDefault();
  mapElement.classList.remove('dropping');
  const files = [...(event.dataTransfer?.files ?? [])];
  const paths = files.map((f) => rcf.pathForFile(f)).filter((p) => p.length > 0);
  if (paths.length < files.length) messages.show('warning', 'Some dropped items are not files on disk and were skipped.');
  void openRasters(paths);
});

// ---- area, grid preview, estimate, run --------------------------------------

let gridPreview: GridPreview | null = null;
let currentRun: string | null = null;
let shownRun: RunRecord | null = null;

function currentSettings(): RunSettings | null {
  const result = runSettingsFromForm(panel.form, [...rasters.keys()], area.spec());
  panel.showErrors(result.ok ? [] : result.errors);
  return result.ok ? result.settings : null;
}

function settingsChanged(): void {
  gridPreview = null;
  showGrid(grid, null);
  panel.gridInfo.textContent = `Area: ${area.describe()}. Grid: not previewed yet`;
  panel.estimateInfo.textContent = '';
}

const panel = new RunPanel(defaultRunForm(), {
  changed: settingsChanged,
  chooseWeights: async () => (await rcf.chooseWeights({})).path,
  chooseTraining: async () => (await rcf.chooseRasters({})).paths,
  previewGrid: () => void previewGrid(),
  estimate: () => void estimate(),
  run: () => void startRun(),
  cancel: () => {
    if (currentRun) rcf.cancelRun({ runId: currentRun }).catch((e) => messages.error(e));
  },
});
document.getElementById('run')!.append(panel.root);
area.onChange(settingsChanged);

async function previewGrid(): Promise<void> {
  const settings = currentSettings();
  if (!settings) return;
  try {
    panel.gridInfo.textContent = 'Grid: computing…';
    gridPreview = await rcf.gridPreview({ settings, limit: 20_000 });
    showGrid(grid, gridPreview);
    const per = gridPreview.perInput.map((p) => `${p.name}: ${formatCount(p.cells)} of ${p.cellPixels} px`).join('; ');
    panel.gridInfo.textContent = `Area: ${area.describe()}. ${formatCount(gridPreview.count)} cells will be featurized (${per})${gridPreview.truncated ? `; the first ${formatCount(gridPreview.cells.length)} are drawn` : ''}`;
  } catch (error) {
    panel.gridInfo.textContent = 'Grid: —';
    messages.error(error);
  }
}

async function estimate(): Promise<void> {
  const settings = currentSettings();
  if (!settings) return;
  try {
    panel.estimateInfo.textContent = 'Estimating (a short calibration run)…';
    const e = await rcf.estimate({ settings });
    panel.estimateInfo.textContent = `About ${formatDuration(e.seconds)} and ${formatBytes(e.bytes)} of memory for ${formatCount(e.cells)} cells (${(e.flops / 1e9).toFixed(1)} GFLOP at ${e.gflopsPerSecond.toFixed(1)} GFLOP/s measured on ${e.backend})`;
  } catch (error) {
    panel.estimateInfo.textContent = '';
    messages.error(error);
  }
}

async function startRun(settings: RunSettings | null = currentSettings()): Promise<void> {
  if (!settings) return;
  try {
    panel.setRunning(true);
    panel.setProgress(0, 1, 'Starting…');
    currentRun = (await rcf.startRun({ settings })).runId;
    void refreshHistory();
  } catch (error) {
    panel.setRunning(false);
    messages.error(error);
  }
}

rcf.on('progress', (p) => {
  if (p.runId !== currentRun) return;
  const eta = p.etaSeconds === null ? '' : `, ${formatDuration(p.etaSeconds)} left`;
  panel.setProgress(p.cellsDone, p.cellsTotal, `${formatCount(p.cellsDone)} of ${formatCount(p.cellsTotal)} cells · ${p.cellsPerSecond.toFixed(1)} cells/s${eta}`);
});
rcf.on('notice', (n) => messages.show('warning', n.message));
rcf.on('ended', (run) => {
  if (run.id === currentRun) {
    currentRun = null;
    panel.setRunning(false);
    panel.setProgress(run.state === 'finished' ? 1 : 0, 1, run.state === 'finished' ? `Finished: ${formatCount(run.cells)} cells` : `${run.state}: ${run.message ?? ''}`);
    if (run.state === 'failed') messages.show('error', run.message ?? 'the run failed');
    if (run.state === 'cancelled') messages.show('info', 'Run cancelled.');
    if (run.state === 'finished') void showResults(run);
  }
  void refreshHistory();
});

// ---- results, export, history ----------------------------------------------

async function showResults(run: RunRecord): Promise<void> {
  try {
    const results = await rcf.results({ runId: run.id });
    const layer = resultsLayer(results);
    addLayer(`results:${run.id}`, 'results', `Results ${run.started.slice(11, 19)} · K=${results.features} · ${results.cells.length} cells`, layer);
    shownRun = run;
    const share = results.explained.map((e) => `${(100 * e).toFixed(0)} %`).join(' / ');
    setStatus(`Results: ${formatCount(results.cells.length)} cells; colours are principal components 1–3 (${share} of the variance)`);
  } catch (error) {
    messages.error(error);
  }
}

map.on('singleclick', (event) => {
  if (area.drawing) return;
  const hit = map.forEachFeatureAtPixel(event.pixel, (feature) => (feature.get('cellId') ? feature : null));
  if (!hit) return;
  rcf
    .cellValues({ runId: hit.get('runId'), cellId: hit.get('cellId') })
    .then((cell) => {
      const preview = cell.features.slice(0, 12).map((v) => (v === null ? 'NaN' : v.toPrecision(4))).join(', ');
      document.getElementById('cell')!.replaceChildren(
        el('h3', {}, cell.cellId),
        el('div', { 'data-testid': 'cell-valid-fraction' }, `valid_fraction ${cell.validFraction.toFixed(4)} · row ${cell.row}, col ${cell.col}`),
        el('div', { class: 'values' }, `${cell.features.length} features: ${preview}${cell.features.length > 12 ? ', …' : ''}`),
      );
    })
    .catch((e) => messages.error(e));
});

async function exportRun(run: RunRecord | null, format: 'csv' | 'gpkg'): Promise<void> {
  if (!run) {
    messages.show('warning', 'Nothing to export yet: run the featurizer or pick a finished run in the history.');
    return;
  }
  try {
    const { path } = await rcf.chooseExportPath({ format, suggestedName: `rcf-${run.id}.${format}` });
    if (!path) return;
    const written = await rcf.exportRun({ runId: run.id, format, path });
    messages.show('info', `Exported ${formatBytes(written.bytes)} to ${written.path}`);
  } catch (error) {
    messages.error(error);
  }
}

async function refreshHistory(): Promise<void> {
  try {
    const { runs } = await rcf.history({});
    renderHistory(document.getElementById('history')!, runs, {
      show: (run) => void showResults(run),
      exportRun: (run, format) => void exportRun(run, format),
      rerun: (run) => {
        const { form, inputs, area: runArea } = formFromSettings(run.settings);
        panel.setForm(form);
        void openRasters(inputs.filter((p) => !rasters.has(p))).then(async () => {
          if (runArea?.kind === 'drawn') area.setDrawn(runArea.polygons);
          else if (runArea?.kind === 'file') {
            const read = await rcf.readArea({ path: runArea.path, layer: runArea.layer });
            area.setImported(runArea.path, read.name, read.polygons, runArea.layer);
          }
          await startRun(run.settings);
        });
      },
    });
  } catch (error) {
    messages.error(error);
  }
}

// ---- toolbar and menu ------------------------------------------------------

async function importArea(): Promise<void> {
  try {
    const { path } = await rcf.chooseArea({});
    if (!path) return;
    const read = await rcf.readArea({ path });
    area.setImported(path, read.name, read.polygons);
    settingsChanged();
    const extent = area.layer.getSource()!.getExtent();
    if (extent && !isEmpty(extent)) map.getView().fit(extent, { padding: [60, 60, 60, 60], maxZoom: 16 });
  } catch (error) {
    messages.error(error);
  }
}

async function chooseRasters(): Promise<void> {
  const { paths } = await rcf.chooseRasters({});
  await openRasters(paths);
}

const toolbar: [string, string, () => void][] = [
  ['open', 'Open rasters…', () => void chooseRasters().catch((e) => messages.error(e))],
  ['draw-rectangle', 'Rectangle', () => area.startDrawing('rectangle')],
  ['draw-polygon', 'Polygon', () => area.startDrawing('polygon')],
  ['import-area', 'Import area…', () => void importArea()],
  ['clear-area', 'Clear area', () => area.clear()],
  ['export-csv', 'Export CSV…', () => void exportRun(shownRun, 'csv')],
  ['export-gpkg', 'Export GeoPackage…', () => void exportRun(shownRun, 'gpkg')],
];
document.getElementById('toolbar')!.append(...toolbar.map(([id, label, action]) => el('button', { 'data-testid': `tool-${id}`, onclick: action }, label)));

rcf.on('menu', ({ command }) => {
  if (command === 'open-rasters') void chooseRasters().catch((e) => messages.error(e));
  else if (command === 'open-area') void importArea();
  else if (command === 'export') void exportRun(shownRun, 'csv');
  else if (command === 'about') messages.show('info', 'RCF Desktop: Random Convolutional Features (MOSAIKS) for satellite rasters, offline.');
});

const statusLine = document.getElementById('status')!;
function setStatus(text: string): void {
  statusLine.textContent = text;
}

renderLayers();
settingsChanged();
void refreshHistory();

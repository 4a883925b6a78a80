/**
 * The renderer's wiring: the map, the store, one controller per flow and the
 * panels that render the store. All work is asked of the app through
 * `window.rcf`; nothing here reads files or computes features.
 */
import 'ol/ol.css';
import './styles.css';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import { ScaleLine, defaults as defaultControls } from 'ol/control.js';
import { fromLonLat } from 'ol/proj.js';
import { getRcf } from './rcf.js';
import { basemapLayers } from './map/basemap.js';
import { Store } from './state/store.js';
import { initialState } from './state/app-state.js';
import { LayersController } from './layers/layers-controller.js';
import { showLayersPanel } from './layers/layers-panel.js';
import { AreaController } from './area/area-controller.js';
import { RunController } from './run/run-controller.js';
import { RunPanel } from './run/run-panel.js';
import { defaultRunForm } from './run/settings-model.js';
import { ResultsController } from './results/results-controller.js';
import { showCellPanel } from './results/cell-panel.js';
import { HistoryController } from './history/history-controller.js';
import { showHistoryPanel } from './history/history-panel.js';
import { ServiceController } from './service/service-controller.js';
import { MENU_COMMAND, commandTable, installShortcuts, runCommand, toolbarButtons } from './commands.js';
import { MessageBar } from './ui/messages.js';
import { ModelController } from './model/model-controller.js';
import { ModelPanel, showPredictionLegend } from './model/model-panel.js';
import { el } from './ui/dom.js';
import type { SidePanel } from './state/app-state.js';

const messages = new MessageBar(document.getElementById('messages')!, {
  bell: document.getElementById('message-log-button') as HTMLButtonElement,
  panel: document.getElementById('message-log')!,
});
messages.catchUncaught();

let rcf: ReturnType<typeof getRcf>;
try {
  rcf = getRcf();
} catch (error) {
  messages.error(error);
  throw error;
}

const byId = (id: string) => document.getElementById(id)!;

const map = new OlMap({
  target: 'map',
  layers: basemapLayers(),
  view: new View({ center: fromLonLat([10, 20]), zoom: 2 }),
  controls: defaultControls().extend([new ScaleLine()]),
});
const store = new Store(initialState(defaultRunForm()));

const layers = new LayersController(rcf, store, map, messages);
const area = new AreaController(rcf, store, map, messages);
const results = new ResultsController(rcf, store, map, messages, () => area.drawing);
const history: HistoryController = new HistoryController(rcf, store, messages, {
  setForm: (form) => run.setForm(form),
  openRasters: (paths) => layers.openRasters(paths),
  setArea: (spec) => area.setArea(spec),
  start: (settings) => run.start(settings),
  resume: (runId) => run.resume(runId),
});
const run = new RunController(rcf, store, messages, { showResults: (r) => results.show(r), refreshHistory: () => history.refresh() });
const model = new ModelController(rcf, store, map, messages, { openRasters: (paths) => layers.openRasters(paths) }, () => area.drawing);
new ServiceController(rcf, store, messages, () => {
  void history.refresh();
  void model.refreshHistory();
  void model.refreshHistory();
});

layers.openDroppedFiles(byId('map'));
showLayersPanel(byId('layers'), store, layers);
showCellPanel(byId('cell'), store);
showHistoryPanel(byId('history'), store, {
  show: (r) => void results.show(r),
  exportRun: (r, format) => void results.exportRun(r, format),
  rerun: (r) => void history.rerun(r).catch((e) => messages.error(e)),
  resume: (r) => void history.resume(r).catch((e) => messages.error(e)),
});
const panel = new RunPanel(store, {
  changed: (form) => run.setForm(form),
  setInput: (id, input) => layers.setInput(id, input),
  chooseWeights: () => run.chooseWeights(),
  chooseTraining: () => run.chooseTraining(),
  previewGrid: () => void area.previewGrid(),
  estimate: () => void run.estimate(),
  run: () => void run.start(),
  cancel: () => run.cancel(),
});
const modelPanel = new ModelPanel(store, {
  setRun: (runId) => model.setRun(runId),
  changed: (form) => model.setForm(form),
  chooseLabels: () => void model.chooseLabels(),
  chooseWeightRaster: async () => (await rcf.chooseRasters({})).paths[0] ?? null,
  showFolds: () => void model.showFolds(),
  fit: () => void model.fit(),
  cancel: () => model.cancel(),
  show: (fit) => void model.show(fit),
  useSettings: (fit) => model.useSettings(fit),
  exportFit: (fit, format) => void model.exportFit(fit, format),
  copyCommand: (fit) => void model.copyCommand(fit),
});
showPredictionLegend(byId('legend'), store);
// The right side shows the featurizer or the Model step, one at a time.
const SIDES: readonly [SidePanel, string, HTMLElement][] = [
  ['featurize', 'Featurize', panel.root],
  ['model', 'Model', modelPanel.root],
];
const tabs = el('div', { class: 'side-tabs', role: 'tablist' });
for (const [side, label] of SIDES) {
  tabs.append(el('button', { role: 'tab', 'data-testid': `tab-${side}`, onclick: () => store.patch({ side }) }, label));
}
byId('run').append(tabs, panel.root, modelPanel.root);
store.select(
  (s) => s.side,
  (side) => {
    SIDES.forEach(([id, , root], i) => {
      root.hidden = id !== side;
      tabs.children[i].setAttribute('aria-selected', String(id === side));
    });
  },
);
store.select(
  (s) => s.status,
  (text) => {
    byId('status').textContent = text;
    byId('status').title = text;
  },
);

// A run's progress shows in the window title too (and so in the taskbar), for when the panel is out of sight.
store.select(
  (s) => (s.run.running ? Math.floor((100 * s.run.progress.done) / Math.max(1, s.run.progress.total)) : null),
  (percent) => (document.title = percent === null ? 'RCF Desktop' : `${percent} % · RCF Desktop`),
);

const commands = commandTable({ layers, area, results, messages });
byId('toolbar').append(...toolbarButtons(commands, messages, store));
installShortcuts(window, commands, messages);
rcf.on('menu', ({ command }) => runCommand(commands[MENU_COMMAND[command]], messages));

void history.refresh();
void model.refreshHistory();

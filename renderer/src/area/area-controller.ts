/**
 * The area flow: drawing, importing or clearing the area of interest, and
 * previewing the grid cells a run would featurize in it. The drawing tools
 * tell the store what the area is; the grid on the map follows the store.
 */
import type OlMap from 'ol/Map.js';
import { isEmpty } from 'ol/extent.js';
import { REQUEST_LIMITS, type AreaSpec, type RcfApi } from '../../../shared/ipc/contract.js';
import type { AppStore } from '../state/app-state.js';
import type { MessageBar } from '../ui/messages.js';
import { isCancelled } from '../../../shared/errors/index.js';
import { LatestRequest } from '../requests.js';
import { onSettingsChange, readSettings } from '../run/current-settings.js';
import { AreaTools, type DrawMode } from './area-tools.js';
import { gridLayer, showGrid } from './grid-layer.js';

export class AreaController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly map: OlMap;
  private readonly messages: MessageBar;
  private readonly tools: AreaTools;
  private readonly gridRequests = new LatestRequest();

  constructor(rcf: RcfApi, store: AppStore, map: OlMap, messages: MessageBar) {
    this.rcf = rcf;
    this.store = store;
    this.map = map;
    this.messages = messages;
    this.tools = new AreaTools(map, (mode) => this.store.patch({ drawing: mode }));
    const grid = gridLayer();
    map.addLayer(this.tools.layer);
    map.addLayer(grid);
    this.tools.onChange(() => this.store.patch({ area: { spec: this.tools.spec(), description: this.tools.describe() } }));
    store.select(
      (s) => s.grid,
      (preview) => showGrid(grid, preview.status === 'done' ? preview.value : null),
    );
    onSettingsChange(store, () => {
      this.gridRequests.supersede();
      if (this.store.get().grid.status !== 'none') this.store.patch({ grid: { status: 'none' } });
    });
  }

  /** True while a shape is being drawn (map clicks belong to the drawing). */
  get drawing(): boolean {
    return this.tools.drawing;
  }

  startDrawing(mode: DrawMode): void {
    this.tools.startDrawing(mode);
  }

  /** Aborts the sketch (Escape); the area stays as it was. */
  stopDrawing(): void {
    this.tools.stopDrawing();
  }

  /** Undoes the last change of the area (Ctrl+Z). */
  undo(): void {
    if (!this.tools.undo()) this.messages.show('info', 'Nothing to undo in the area.');
  }

  clear(): void {
    this.tools.clear();
  }

  /** Imports a GeoJSON or GeoPackage area through the open dialog, and shows it. */
  async importArea(): Promise<void> {
    const { path } = await this.rcf.chooseArea({});
    if (!path) return;
    const read = await this.rcf.readArea({ path });
    this.tools.setImported(path, read.name, read.polygons);
    const extent = this.tools.layer.getSource()!.getExtent();
    if (extent && !isEmpty(extent)) this.map.getView().fit(extent, { padding: [60, 60, 60, 60], maxZoom: 16 });
  }

  /** Sets the area a run was made with (history re-runs); null leaves the current one. */
  async setArea(area: AreaSpec | null): Promise<void> {
    if (area?.kind === 'drawn') this.tools.setDrawn(area.polygons);
    else if (area?.kind === 'file') {
      const read = await this.rcf.readArea({ path: area.path, layer: area.layer });
      this.tools.setImported(area.path, read.name, read.polygons, area.layer);
    }
  }

  /** Asks for the cells the current settings would featurize; only the newest request's answer is shown. */
  async previewGrid(): Promise<void> {
    const settings = readSettings(this.store);
    if (!settings) return;
    const isNewest = this.gridRequests.begin();
    this.store.patch({ grid: { status: 'pending' } });
    try {
      const preview = await this.rcf.gridPreview({ settings, limit: REQUEST_LIMITS.gridPreviewCells });
      if (isNewest()) this.store.patch({ grid: { status: 'done', value: preview } });
    } catch (error) {
      if (!isNewest()) return;
      if (isCancelled(error)) return this.store.patch({ grid: { status: 'none' } });
      this.store.patch({ grid: { status: 'failed' } });
      this.messages.error(error);
    }
  }
}

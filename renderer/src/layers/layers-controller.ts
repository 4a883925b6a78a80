/**
 * The layers flow: opening rasters (dropped or chosen), their style, order,
 * visibility, opacity and removal. It changes the store; the map follows the
 * store's layer list here (adding, removing and restacking OpenLayers
 * layers), and the panel renders it.
 */
import type OlMap from 'ol/Map.js';
import type BaseLayer from 'ol/layer/Base.js';
import { isEmpty } from 'ol/extent.js';
import type { RcfApi } from '../../../shared/ipc/contract.js';
import { olLayerOf, type AppStore, type MapLayerEntry, type RasterEntry } from '../state/app-state.js';
import { RasterLayer, type RasterStyle } from '../raster/raster-layer.js';
import { defaultDisplayBands } from '../raster/paint.js';
import type { MessageBar } from '../ui/messages.js';
import { addLayer, findLayer, moveLayer, removeLayer, setOpacity, setVisible, updateLayer, zIndex } from './layer-list.js';
import type { LayerActions } from './layers-panel.js';

export class LayersController implements LayerActions {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly map: OlMap;
  private readonly messages: MessageBar;
  private opened = 0;

  constructor(rcf: RcfApi, store: AppStore, map: OlMap, messages: MessageBar) {
    this.rcf = rcf;
    this.store = store;
    this.map = map;
    this.messages = messages;
    store.select(
      (s) => s.layers,
      (layers, previous) => this.syncMap(layers, previous ?? []),
    );
  }

  /** Opens each raster in turn (a bad one gives a message and the rest still open). */
  async openRasters(paths: string[]): Promise<void> {
    for (const path of paths) {
      try {
        const view = await this.rcf.inspect({ path });
        const raster = new RasterLayer(view);
        const style: RasterStyle = { bands: defaultDisplayBands(view.bands), stretch: 'cut' };
        const opened = this.raster(path)?.opened ?? ++this.opened;
        const entry: RasterEntry = {
          id: path,
          kind: 'raster',
          name: view.name,
          visible: true,
          opacity: 1,
          raster,
          style,
          display: null,
          opened,
          input: null,
        };
        this.store.update((s) => ({ ...s, layers: addLayer(s.layers, entry) }));
        if (raster.outlineOnly) this.messages.show('warning', `${view.name}: ${raster.outlineOnly}`);
        await this.render(path, raster, style);
        const extent = raster.extent();
        if (extent) this.map.getView().fit(extent, { padding: [40, 40, 40, 40], maxZoom: 16 });
        this.store.patch({ status: `Opened ${view.name}` });
      } catch (error) {
        this.messages.error(error);
      }
    }
  }

  async chooseRasters(): Promise<void> {
    const { paths } = await this.rcf.chooseRasters({});
    await this.openRasters(paths);
  }

  /** Dropping files from a file manager anywhere on the window opens them. */
  openDroppedFiles(mapElement: HTMLElement): void {
    window.addEventListener('dragover', (event) => {
      event.preventDefault();
      mapElement.classList.add('dropping');
    });
    window.addEventListener('dragleave', () => mapElement.classList.remove('dropping'));
    window.addEventListener('drop', (event) => {
      event.preventDefault();
      mapElement.classList.remove('dropping');
      const files = [...(event.dataTransfer?.files ?? [])];
      const paths = files.map((f) => this.rcf.pathForFile(f)).filter((p) => p.length > 0);
      if (paths.length < files.length) this.messages.show('warning', 'Some dropped items are not files on disk and were skipped.');
      void this.openRasters(paths);
    });
  }

  /** Ticks or unticks a raster as an input of the next run. */
  setInput(id: string, input: boolean): void {
    this.store.update((s) => ({ ...s, layers: updateLayer(s.layers, id, { input }) }));
  }

  setVisible(id: string, visible: boolean): void {
    this.store.update((s) => ({ ...s, layers: setVisible(s.layers, id, visible) }));
  }

  setOpacity(id: string, opacity: number): void {
    this.store.update((s) => ({ ...s, layers: setOpacity(s.layers, id, opacity) }));
  }

  move(id: string, by: -1 | 1): void {
    this.store.update((s) => ({ ...s, layers: moveLayer(s.layers, id, by) }));
  }

  remove(id: string): void {
    this.store.update((s) => ({ ...s, layers: removeLayer(s.layers, id) }));
  }

  zoomTo(id: string): void {
    const entry = findLayer(this.store.get().layers, id);
    if (!entry) return;
    const extent = entry.kind === 'raster' ? entry.raster.extent() : entry.layer.getSource()?.getExtent();
    if (extent && !isEmpty(extent)) this.map.getView().fit(extent, { padding: [40, 40, 40, 40], duration: 250 });
  }

  setRasterStyle(id: string, style: RasterStyle): void {
    const entry = this.raster(id);
    if (!entry) return;
    this.store.update((s) => ({ ...s, layers: updateLayer(s.layers, id, { style }) }));
    this.render(id, entry.raster, style).catch((e) => this.messages.error(e));
  }

  private raster(id: string): RasterEntry | undefined {
    const entry = findLayer(this.store.get().layers, id);
    return entry?.kind === 'raster' ? entry : undefined;
  }

  /** Shows the raster's preview in `style`; the newest style asked for wins. */
  private async render(id: string, raster: RasterLayer, style: RasterStyle): Promise<void> {
    const display = await raster.render(this.rcf, style);
    // Still the same raster (not removed or opened again meanwhile)?
    if (display && this.raster(id)?.raster === raster) this.store.update((s) => ({ ...s, layers: updateLayer(s.layers, id, { display }) }));
  }

  /** The map shows exactly the store's layers, stacked in its order; a raster leaving the list frees its image. */
  private syncMap(layers: readonly MapLayerEntry[], previous: readonly MapLayerEntry[]): void {
    const now = new Set<BaseLayer>(layers.map(olLayerOf));
    for (const entry of previous) {
      const layer = olLayerOf(entry);
      if (now.has(layer)) continue;
      this.map.removeLayer(layer);
      if (entry.kind === 'raster') entry.raster.dispose();
    }
    const before = new Set<BaseLayer>(previous.map(olLayerOf));
    for (const entry of layers) {
      const layer = olLayerOf(entry);
      if (!before.has(layer)) this.map.addLayer(layer);
      layer.setVisible(entry.visible);
      layer.setOpacity(entry.opacity);
      layer.setZIndex(zIndex(layers, entry.id));
    }
  }
}

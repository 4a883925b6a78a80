/**
 * The layer list: order (up/down), visibility, opacity, zoom to, remove, and
 * for rasters their band choice and stretch. Rendered from the store, one row
 * per layer kept while the layer exists: a change updates the row's controls
 * (a slider being dragged stays the same element), never the whole list.
 */
import { KeyedList, el, select, type Row } from '../ui/dom.js';
import type { AppStore, MapLayerEntry, RasterEntry } from '../state/app-state.js';
import type { RasterStyle } from '../raster/raster-layer.js';
import type { StretchMode } from '../raster/stretch.js';

export interface LayerActions {
  setVisible(id: string, visible: boolean): void;
  setOpacity(id: string, opacity: number): void;
  move(id: string, by: -1 | 1): void;
  zoomTo(id: string): void;
  remove(id: string): void;
  setRasterStyle(id: string, style: RasterStyle): void;
}

export function showLayersPanel(root: HTMLElement, store: AppStore, actions: LayerActions): void {
  const empty = el('p', { class: 'empty' }, 'Drop GeoTIFFs on the map, or use Open rasters… above.');
  const rows = new KeyedList<MapLayerEntry>(
    root,
    (entry) => entry.id,
    (entry) => layerRow(entry, actions),
    empty,
  );
  store.select(
    (s) => s.layers,
    (layers) => rows.render(layers),
  );
}

function layerRow(first: MapLayerEntry, actions: LayerActions): Row<MapLayerEntry> {
  const id = first.id;
  const input = (event: Event) => event.target as HTMLInputElement;
  const visible = el('input', { type: 'checkbox', title: 'Visible', onchange: (e) => actions.setVisible(id, input(e).checked) });
  const name = el('span', { class: 'layer-name' });
  const opacity = el('input', { type: 'range', min: 0, max: 100, oninput: (e) => actions.setOpacity(id, Number(input(e).value) / 100) });
  const node = el(
    'div',
    { class: 'layer', 'data-testid': `layer-${first.kind}`, 'data-layer-id': id },
    el(
      'div',
      { class: 'layer-head' },
      visible,
      name,
      el('button', { title: 'Move up', onclick: () => actions.move(id, -1) }, '▲'),
      el('button', { title: 'Move down', onclick: () => actions.move(id, 1) }, '▼'),
      el('button', { title: 'Zoom to layer', onclick: () => actions.zoomTo(id) }, 'Zoom'),
      el('button', { title: 'Remove', onclick: () => actions.remove(id) }, '✕'),
    ),
    el('label', { class: 'opacity' }, 'Opacity ', opacity),
  );
  let styleControls: HTMLElement | null = null;
  let shown: Pick<RasterEntry, 'style' | 'display'> | null = null;
  return {
    node,
    update(entry) {
      node.dataset.layerName = entry.name;
      name.textContent = entry.name;
      name.title = entry.name;
      visible.checked = entry.visible;
      node.dataset.visible = String(entry.visible);
      // The store's opacity, which the map shows; the slider moves only when it differs (a drag sets both alike).
      node.dataset.opacity = String(entry.opacity);
      const percent = String(Math.round(entry.opacity * 100));
      if (opacity.value !== percent) opacity.value = percent;
      if (entry.kind === 'raster' && (entry.style !== shown?.style || entry.display !== shown.display)) {
        const controls = rasterControls(entry, actions);
        if (styleControls) styleControls.replaceWith(controls);
        else node.append(controls);
        styleControls = controls;
        shown = entry;
      }
    },
  };
}

/** Size, type, CRS, which pixels the preview shows and each band's stretch. */
function rasterDetails(entry: RasterEntry): string {
  const { raster, display } = entry;
  if (raster.outlineOnly) return raster.outlineOnly;
  const v = raster.view;
  const stretch = (display?.stretches ?? [])
    .map((s, i) => (s ? `b${display!.style.bands[i]} ${s.min.toPrecision(4)}–${s.max.toPrecision(4)}` : 'no valid pixel'))
    .join(', ');
  return `${v.width}×${v.height}, ${v.bands} × ${v.dtype}, ${v.crs?.name ?? 'no CRS'} · preview: ${display?.source ?? ''} · ${stretch}`;
}

function rasterControls(entry: RasterEntry, actions: LayerActions): HTMLElement {
  const id = entry.id;
  const bandCount = entry.raster.view.bands;
  const bandOptions = Array.from({ length: bandCount }, (_, i) => [String(i + 1), `Band ${i + 1}`] as const);
  const style = entry.style;
  const rgb = style.bands.length === 3;
  const set = (change: Partial<RasterStyle>) => actions.setRasterStyle(id, { ...style, ...change });
  const modeSelect = select(
    rgb ? 'rgb' : 'grey',
    [
      ['rgb', 'RGB'],
      ['grey', 'Single band'],
    ] as const,
    (mode) => set({ bands: mode === 'rgb' ? [1, 2, 3].map((b) => Math.min(b, bandCount)) : [style.bands[0]] }),
  );
  modeSelect.setAttribute('aria-label', `${entry.name}: display`);
  modeSelect.disabled = bandCount < 3 && !rgb;
  const channels = rgb ? ['red', 'green', 'blue'] : ['grey'];
  const bandSelects = style.bands.map((b, i) => {
    const bandSelect = select(String(b), bandOptions, (value) => {
      const bands = [...style.bands];
      bands[i] = Number(value);
      set({ bands });
    });
    bandSelect.setAttribute('aria-label', `${entry.name}: band shown in ${channels[i]}`);
    return bandSelect;
  });
  const stretchModes = [
    ['cut', '2–98 % cut'],
    ['minmax', 'Min/max'],
  ] as const;
  const stretch = select(style.stretch, stretchModes, (value: StretchMode) => set({ stretch: value }), 'stretch');
  stretch.setAttribute('aria-label', `${entry.name}: stretch`);
  return el('div', { class: 'raster-style' }, modeSelect, ...bandSelects, stretch, el('small', { class: 'hint' }, rasterDetails(entry)));
}

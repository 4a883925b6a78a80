/**
 * The layer list: order (up/down), visibility, opacity, zoom to, remove, and
 * for rasters their band choice and stretch.
 */
import { el, select } from '../ui/dom.js';
import type { LayerList } from './layer-list.js';
import type { RasterStyle } from '../raster/raster-layer.js';
import type { StretchMode } from '../raster/stretch.js';

export interface LayerActions {
  zoomTo(id: string): void;
  remove(id: string): void;
  /** Raster layers: their band count and current style, and how to change it. */
  rasterStyle(id: string): { bands: number; style: RasterStyle; details: string } | null;
  setRasterStyle(id: string, style: RasterStyle): void;
}

export function renderLayersPanel(root: HTMLElement, list: LayerList, actions: LayerActions): void {
  root.replaceChildren();
  if (list.layers.length === 0) {
    root.append(el('p', { class: 'empty' }, 'Drop GeoTIFFs on the map, or File › Open Rasters.'));
    return;
  }
  for (const entry of list.layers) {
    const item = el(
      'div',
      { class: 'layer', 'data-testid': `layer-${entry.kind}`, 'data-layer-name': entry.name },
      el(
        'div',
        { class: 'layer-head' },
        el('input', { type: 'checkbox', checked: entry.visible, title: 'Visible', onchange: (e) => list.setVisible(entry.id, (e.target as HTMLInputElement).checked) }),
        el('span', { class: 'layer-name', title: entry.name }, entry.name),
        el('button', { title: 'Move up', onclick: () => list.move(entry.id, -1) }, '▲'),
        el('button', { title: 'Move down', onclick: () => list.move(entry.id, 1) }, '▼'),
        el('button', { title: 'Zoom to layer', onclick: () => actions.zoomTo(entry.id) }, 'Zoom'),
        el('button', { title: 'Remove', onclick: () => actions.remove(entry.id) }, '✕'),
      ),
      el(
        'label',
        { class: 'opacity' },
        'Opacity ',
        el('input', { type: 'range', min: 0, max: 100, value: String(Math.round(entry.opacity * 100)), oninput: (e) => list.setOpacity(entry.id, Number((e.target as HTMLInputElement).value) / 100) }),
      ),
    );
    const raster = actions.rasterStyle(entry.id);
    if (raster) item.append(rasterControls(entry.id, raster, actions));
    root.append(item);
  }
}

function rasterControls(id: string, raster: { bands: number; style: RasterStyle; details: string }, actions: LayerActions): HTMLElement {
  const bandOptions = Array.from({ length: raster.bands }, (_, i) => [String(i + 1), `Band ${i + 1}`] as const);
  const style = raster.style;
  const rgb = style.bands.length === 3;
  const set = (change: Partial<RasterStyle>) => actions.setRasterStyle(id, { ...style, ...change });
  const modeSelect = select(rgb ? 'rgb' : 'grey', [['rgb', 'RGB'], ['grey', 'Single band']] as const, (mode) =>
    set({ bands: mode === 'rgb' ? [1, 2, 3].map((b) => Math.min(b, raster.bands)) : [style.bands[0]] }),
  );
  modeSelect.disabled = raster.bands < 3 && !rgb;
  const bandSelects = style.bands.map((b, i) =>
    select(String(b), bandOptions, (value) => {
      const bands = [...style.bands];
      bands[i] = Number(value);
      set({ bands });
    }),
  );
  const stretch = select(style.stretch, [['cut', '2–98 % cut'], ['minmax', 'Min/max']] as const, (value: StretchMode) => set({ stretch: value }), 'stretch');
  return el('div', { class: 'raster-style' }, modeSelect, ...bandSelects, stretch, el('small', { class: 'hint' }, raster.details));
}

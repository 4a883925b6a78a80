/**
 * The layer list's rules, apart from the DOM and the map: layers in drawing
 * order (the first is drawn on top, as in QGIS), with visibility and opacity.
 * Pure functions over a read-only list: each change returns a new list (the
 * same list when nothing changed), as the store wants.
 */
/** `labels`, `folds` and `prediction` are the Model panel's layers. */
export type LayerKind = 'raster' | 'results' | 'labels' | 'folds' | 'prediction';

export interface LayerEntry {
  id: string;
  kind: LayerKind;
  name: string;
  visible: boolean;
  /** 0–1. */
  opacity: number;
}

type List<E extends LayerEntry> = readonly E[];

/** Adds a layer on top (or replaces the one with the same id, keeping its place). */
export function addLayer<E extends LayerEntry>(list: List<E>, entry: E): List<E> {
  const at = list.findIndex((e) => e.id === entry.id);
  return at >= 0 ? list.with(at, entry) : [entry, ...list];
}

export function findLayer<E extends LayerEntry>(list: List<E>, id: string): E | undefined {
  return list.find((e) => e.id === id);
}

export function removeLayer<E extends LayerEntry>(list: List<E>, id: string): List<E> {
  return list.some((e) => e.id === id) ? list.filter((e) => e.id !== id) : list;
}

/** Moves a layer up (towards the top, −1) or down (+1); no change at the ends. */
export function moveLayer<E extends LayerEntry>(list: List<E>, id: string, by: -1 | 1): List<E> {
  const from = list.findIndex((e) => e.id === id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= list.length) return list;
  return list.with(from, list[to]).with(to, list[from]);
}

/** Changes some fields of one layer (the same list when the id is unknown or nothing differs). */
export function updateLayer<E extends LayerEntry>(list: List<E>, id: string, change: Partial<E>): List<E> {
  const at = list.findIndex((e) => e.id === id);
  if (at < 0) return list;
  const entry = list[at];
  if (Object.entries(change).every(([key, value]) => Object.is(entry[key as keyof E], value))) return list;
  return list.with(at, { ...entry, ...change });
}

export function setVisible<E extends LayerEntry>(list: List<E>, id: string, visible: boolean): List<E> {
  return updateLayer(list, id, { visible } as Partial<E>);
}

export function setOpacity<E extends LayerEntry>(list: List<E>, id: string, opacity: number): List<E> {
  return updateLayer(list, id, { opacity: Math.min(1, Math.max(0, opacity)) } as Partial<E>);
}

/** The z-index each layer gets on the map: the top entry highest, all above the basemap (0). */
export function zIndex(list: List<LayerEntry>, id: string): number {
  const i = list.findIndex((e) => e.id === id);
  return i < 0 ? 0 : 100 + list.length - i;
}

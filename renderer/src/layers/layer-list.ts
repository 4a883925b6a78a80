/**
 * The layer list's model, apart from the DOM and the map: layers in drawing
 * order (the first is drawn on top, as in QGIS), with visibility and opacity.
 */
export type LayerKind = 'raster' | 'area' | 'grid' | 'results';

export interface LayerEntry {
  id: string;
  kind: LayerKind;
  name: string;
  visible: boolean;
  /** 0–1. */
  opacity: number;
}

export class LayerList {
  private entries: LayerEntry[] = [];
  private readonly listeners = new Set<() => void>();

  /** Top first. */
  get layers(): readonly LayerEntry[] {
    return this.entries;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a layer on top (or replaces the one with the same id, keeping its place). */
  add(entry: LayerEntry): void {
    const at = this.entries.findIndex((e) => e.id === entry.id);
    if (at >= 0) this.entries[at] = entry;
    else this.entries.unshift(entry);
    this.changed();
  }

  get(id: string): LayerEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  remove(id: string): void {
    this.entries = this.entries.filter((e) => e.id !== id);
    this.changed();
  }

  /** Moves a layer up (towards the top, −1) or down (+1); no-op at the ends. */
  move(id: string, by: -1 | 1): void {
    const from = this.entries.findIndex((e) => e.id === id);
    const to = from + by;
    if (from < 0 || to < 0 || to >= this.entries.length) return;
    [this.entries[from], this.entries[to]] = [this.entries[to], this.entries[from]];
    this.changed();
  }

  setVisible(id: string, visible: boolean): void {
    this.update(id, { visible });
  }

  setOpacity(id: string, opacity: number): void {
    this.update(id, { opacity: Math.min(1, Math.max(0, opacity)) });
  }

  /** The z-index each layer gets on the map: the top entry highest. */
  zIndex(id: string): number {
    const i = this.entries.findIndex((e) => e.id === id);
    return i < 0 ? 0 : 100 + this.entries.length - i;
  }

  private update(id: string, change: Partial<LayerEntry>): void {
    const at = this.entries.findIndex((e) => e.id === id);
    if (at < 0) return;
    this.entries[at] = { ...this.entries[at], ...change };
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * The area of interest on the map: draw a rectangle or a polygon, import a
 * GeoJSON or GeoPackage file (read by the service, in any CRS), or clear it.
 * Drawn polygons are sent to the service in WGS84; an imported file is sent
 * by path, so the run's provenance names the file and its checksum.
 */
import type OlMap from 'ol/Map.js';
import Draw, { createBox } from 'ol/interaction/Draw.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import Polygon from 'ol/geom/Polygon.js';
import { Fill, Stroke, Style } from 'ol/style.js';
import { fromLonLat, toLonLat } from 'ol/proj.js';
import type { AreaSpec } from '../../../shared/ipc/contract.js';

export type DrawMode = 'rectangle' | 'polygon';

const AREA_STYLE = new Style({ stroke: new Stroke({ color: '#d35400', width: 2 }), fill: new Fill({ color: 'rgba(211,84,0,0.08)' }) });

export class AreaTools {
  readonly layer = new VectorLayer({ source: new VectorSource(), style: AREA_STYLE, zIndex: 500 });
  private draw: Draw | null = null;
  private file: { path: string; layer?: string; name: string } | null = null;
  private readonly listeners = new Set<() => void>();

  private readonly map: OlMap;

  constructor(map: OlMap) {
    this.map = map;
    this.layer.getSource()!.on('addfeature', () => this.changed());
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Starts drawing; the new shape replaces the current area. */
  startDrawing(mode: DrawMode): void {
    this.stopDrawing();
    const source = this.layer.getSource()!;
    this.draw =
      mode === 'rectangle' ? new Draw({ source, type: 'Circle', geometryFunction: createBox() }) : new Draw({ source, type: 'Polygon' });
    this.draw.on('drawstart', () => {
      source.clear();
      this.file = null;
    });
    this.draw.on('drawend', () => setTimeout(() => this.stopDrawing()));
    this.map.addInteraction(this.draw);
  }

  stopDrawing(): void {
    if (this.draw) this.map.removeInteraction(this.draw);
    this.draw = null;
  }

  get drawing(): boolean {
    return this.draw !== null;
  }

  /** Shows an imported area (polygons in WGS84) and remembers its file. */
  setImported(path: string, name: string, polygons: [number, number][][][], layer?: string): void {
    this.stopDrawing();
    const source = this.layer.getSource()!;
    source.clear();
    this.file = { path, layer, name };
    source.addFeatures(polygons.map((rings) => new Feature(new Polygon(rings.map((ring) => ring.map((p) => fromLonLat(p)))))));
  }

  /** Sets a drawn area from WGS84 polygons (history re-runs). */
  setDrawn(polygons: [number, number][][][]): void {
    this.stopDrawing();
    const source = this.layer.getSource()!;
    source.clear();
    this.file = null;
    source.addFeatures(polygons.map((rings) => new Feature(new Polygon(rings.map((ring) => ring.map((p) => fromLonLat(p)))))));
  }

  clear(): void {
    this.stopDrawing();
    this.file = null;
    this.layer.getSource()!.clear();
    this.changed();
  }

  /** What the service needs: the file, the drawn polygons in WGS84, or null. */
  spec(): AreaSpec | null {
    if (this.file) return { kind: 'file', path: this.file.path, layer: this.file.layer };
    const polygons = this.layer
      .getSource()!
      .getFeatures()
      .map((f) => f.getGeometry())
      .filter((g): g is Polygon => g instanceof Polygon)
      .map((g) => g.getCoordinates().map((ring) => ring.map((p) => toLonLat(p) as [number, number])));
    return polygons.length > 0 ? { kind: 'drawn', polygons } : null;
  }

  describe(): string {
    if (this.file) return `from ${this.file.name}`;
    const n = this.layer.getSource()!.getFeatures().length;
    return n === 0 ? 'none: every cell of the rasters' : `drawn (${n} polygon${n === 1 ? '' : 's'})`;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

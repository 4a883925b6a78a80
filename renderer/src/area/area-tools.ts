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
import { toLonLat } from 'ol/proj.js';
import { toMap } from '../map/projections.js';
import type { AreaSpec } from '../../../shared/ipc/contract.js';

export type DrawMode = 'rectangle' | 'polygon';

const AREA_STYLE = new Style({ stroke: new Stroke({ color: '#d35400', width: 2 }), fill: new Fill({ color: 'rgba(211,84,0,0.08)' }) });

/** What the area is at one moment: the features shown, and the file they came from (null: drawn). */
interface AreaSnapshot {
  features: Feature[];
  file: { path: string; layer?: string; name: string } | null;
}

/** Area changes kept for undo. */
const UNDO_DEPTH = 20;

export class AreaTools {
  readonly layer = new VectorLayer({ source: new VectorSource(), style: AREA_STYLE, zIndex: 500 });
  private draw: Draw | null = null;
  private file: { path: string; layer?: string; name: string } | null = null;
  private readonly undoStack: AreaSnapshot[] = [];
  private readonly listeners = new Set<() => void>();

  private readonly map: OlMap;
  private readonly drawingChanged: (mode: DrawMode | null) => void;

  /** `drawingChanged` hears which tool is armed (null: none). */
  constructor(map: OlMap, drawingChanged: (mode: DrawMode | null) => void) {
    this.map = map;
    this.drawingChanged = drawingChanged;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /**
   * Starts drawing. The sketch is drawn apart from the area: the new shape
   * replaces the area only when it is finished, so an aborted sketch (Escape)
   * loses nothing.
   */
  startDrawing(mode: DrawMode): void {
    this.stopDrawing();
    this.draw = mode === 'rectangle' ? new Draw({ type: 'Circle', geometryFunction: createBox() }) : new Draw({ type: 'Polygon' });
    this.draw.on('drawend', (event) => {
      this.replace([event.feature], null);
      setTimeout(() => this.stopDrawing());
    });
    this.map.addInteraction(this.draw);
    this.drawingChanged(mode);
  }

  /** Aborts a sketch in progress and disarms the tool; the area stays as it was. */
  stopDrawing(): void {
    if (!this.draw) return;
    this.draw.abortDrawing();
    this.map.removeInteraction(this.draw);
    this.draw = null;
    this.drawingChanged(null);
  }

  get drawing(): boolean {
    return this.draw !== null;
  }

  /** Puts back the area as it was before its last change; false when there is nothing to undo. */
  undo(): boolean {
    const previous = this.undoStack.pop();
    if (!previous) return false;
    this.stopDrawing();
    this.show(previous);
    return true;
  }

  /** The one way the area changes (undoable): new features, from a file or drawn. */
  private replace(features: Feature[], file: AreaSnapshot['file']): void {
    this.undoStack.push({ features: this.layer.getSource()!.getFeatures(), file: this.file });
    if (this.undoStack.length > UNDO_DEPTH) this.undoStack.shift();
    this.show({ features, file });
  }

  private show(snapshot: AreaSnapshot): void {
    const source = this.layer.getSource()!;
    source.clear();
    source.addFeatures(snapshot.features);
    this.file = snapshot.file;
    this.changed();
  }

  /** Shows an imported area (polygons in WGS84) and remembers its file. */
  setImported(path: string, name: string, polygons: [number, number][][][], layer?: string): void {
    this.stopDrawing();
    this.replace(featuresOf(polygons), { path, layer, name });
  }

  /** Sets a drawn area from WGS84 polygons (history re-runs). */
  setDrawn(polygons: [number, number][][][]): void {
    this.stopDrawing();
    this.replace(featuresOf(polygons), null);
  }

  clear(): void {
    this.stopDrawing();
    if (this.layer.getSource()!.getFeatures().length > 0 || this.file) this.replace([], null);
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

function featuresOf(polygons: [number, number][][][]): Feature[] {
  return polygons.map((rings) => new Feature(new Polygon(rings.map((ring) => ring.map(toMap)))));
}

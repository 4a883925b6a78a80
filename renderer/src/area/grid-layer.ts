/** The preview of the cells a run will featurize, outlined on the map. */
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import Polygon from 'ol/geom/Polygon.js';
import { Stroke, Style } from 'ol/style.js';
import { toMap } from '../map/projections.js';
import type { GridPreview } from '../../../shared/ipc/contract.js';

export function gridLayer(): VectorLayer {
  return new VectorLayer({
    source: new VectorSource(),
    style: new Style({ stroke: new Stroke({ color: 'rgba(41,128,185,0.9)', width: 1 }) }),
    zIndex: 400,
  });
}

export function showGrid(layer: VectorLayer, preview: GridPreview | null): void {
  const source = layer.getSource()!;
  source.clear();
  if (!preview) return;
  source.addFeatures(preview.cells.map((ring) => new Feature(new Polygon([ring.map(toMap)]))));
}

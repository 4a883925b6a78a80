/**
 * A finished run on the map: each cell filled with the colour of its first
 * three principal components (computed by the service), so cells with similar
 * features look alike. Clicking a cell asks the service for its values.
 */
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import Polygon from 'ol/geom/Polygon.js';
import { Fill, Stroke, Style } from 'ol/style.js';
import { toMap } from '../map/projections.js';
import type { RunResults } from '../../../shared/ipc/contract.js';

const EMPTY = new Style({ stroke: new Stroke({ color: '#777', width: 1, lineDash: [3, 3] }) });

export function resultsLayer(results: RunResults): VectorLayer {
  const features = results.cells.map((cell) => {
    const feature = new Feature({
      geometry: new Polygon([cell.ring.map(toMap)]),
      cellId: cell.cellId,
      runId: results.runId,
    });
    feature.setStyle(
      cell.rgb
        ? new Style({
            fill: new Fill({ color: `rgb(${cell.rgb.join(',')})` }),
            stroke: new Stroke({ color: 'rgba(0,0,0,0.25)', width: 0.5 }),
          })
        : EMPTY,
    );
    return feature;
  });
  return new VectorLayer({ source: new VectorSource({ features }), properties: { runId: results.runId }, zIndex: 300 });
}

/**
 * The offline basemap, bundled with the app: Natural Earth land and country
 * borders at 1:50m (world-atlas, public domain) under a graticule. No tile server.
 */
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Graticule from 'ol/layer/Graticule.js';
import TopoJSON from 'ol/format/TopoJSON.js';
import { Fill, Stroke, Style } from 'ol/style.js';
import land from 'world-atlas/land-50m.json';
import countries from 'world-atlas/countries-50m.json';
import Polygon from 'ol/geom/Polygon.js';
import MultiPolygon from 'ol/geom/MultiPolygon.js';
import { splitAtAntimeridian } from './antimeridian.js';

function topoLayer(topology: object, layerName: string, style: Style): VectorLayer {
  const format = new TopoJSON({ layers: [layerName] });
  const features = format.readFeatures(topology);
  for (const feature of features) {
    const geometry = feature.getGeometry();
    if (geometry instanceof Polygon || geometry instanceof MultiPolygon) {
      const polygons = geometry instanceof Polygon ? [geometry.getCoordinates()] : geometry.getCoordinates();
      feature.setGeometry(new MultiPolygon(polygons.flatMap(splitAtAntimeridian)));
    }
    feature.getGeometry()?.transform('EPSG:4326', 'EPSG:3857');
  }
  return new VectorLayer({ source: new VectorSource({ features }), style, zIndex: 0, properties: { basemap: layerName } });
}

export function basemapLayers(): (VectorLayer | Graticule)[] {
  return [
    topoLayer(land, 'land', new Style({ fill: new Fill({ color: '#e8e4d8' }) })),
    topoLayer(countries, 'countries', new Style({ stroke: new Stroke({ color: '#9b9486', width: 0.6 }) })),
    new Graticule({
      strokeStyle: new Stroke({ color: 'rgba(60,80,110,0.25)', width: 1, lineDash: [2, 4] }),
      showLabels: true,
      wrapX: false,
      zIndex: 1,
    }),
  ];
}

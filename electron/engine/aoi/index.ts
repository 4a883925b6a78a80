/**
 * Areas of interest (Node only): read a polygon AOI from GeoJSON or
 * GeoPackage, select the grid cells it overlaps, describe it for provenance.
 * Import from here rather than from the individual files.
 */
export { AoiError } from './errors.js';
export { areaAoi, drawnAreaGeoJson, readAoi, DRAWN_AREA, type Aoi } from './read.js';
export { selectCells, type SelectOptions } from './select.js';
export { describeAoi, type AoiDescription, type DescribeOptions } from './describe.js';
export type { Polygon, Ring, Position } from './geometry.js';
// The readers' parts, for other vector inputs (label files):
export { checkAreaVertices, cleanPolygon, polygonsBounds } from './geometry.js';
export { geoJsonCrs, isObject, parseGeoJsonObject, position } from './geojson.js';
export { openGpkgLayer, quoteId, type GpkgLayer } from './gpkg.js';
export { parseGpkgGeometry, type ParsedGeometry } from './wkb.js';
export { aoiInPixels, type Extent } from './select.js';
export { cellsOverlapping } from './intersect.js';

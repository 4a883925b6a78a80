/**
 * Labels (Node only): read label files (CSV points, GeoJSON and GeoPackage
 * points or polygons) and join them, or a label raster, to the cells of a
 * featurize run as training rows that refer to its feature rows.
 * Import from here rather than from the individual files.
 */
export { LabelError } from './errors.js';
export { readLabels, type LabelRow, type LabelSet, type PointLabel, type PolygonLabel, type ReadLabelsOptions } from './read.js';
export { joinLabels, type LabelJoin, type TrainingRow } from './join.js';
export { joinLabelRaster, type LabelRasterOptions } from './raster.js';
export { joinPolygonsWeighted } from './weights.js';
export type { RunCell } from './cells.js';
export type { DropReason, Dropped, ValueKind } from './values.js';

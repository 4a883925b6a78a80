/**
 * Raster module (Node only): open GeoTIFFs, read float32 windows, describe
 * georeferencing. Import from here rather than from the individual files.
 */
export { RasterError } from './errors.js';
export { openRaster, type Raster, type RasterInfo } from './open.js';
export { rasterInfoJson } from './info-json.js';
export { readPreview, type RasterPreviewPixels } from './preview.js';
export { footprintLonLat } from './footprint.js';
export type { NoData } from './gdal-tags.js';
export { pixelToMap, mapToPixel, invertGeoTransform, rasterBounds, type GeoTransform } from '../../../shared/geo/affine.js';

/**
 * Coordinate reference systems (Node only), offline: the CRS of a GeoTIFF's
 * geokeys, of an EPSG code or name; its units and label; transformations
 * between CRSs and to WGS84 with the datum shifts GDAL/PROJ would use.
 * Import from here rather than from the individual files.
 */
export { crsFromEpsg, epsgFromName, crsLabel, crsUnits, sameCrs, type CrsInfo } from './info.js';
export { crsFromGeoKeys, geoKeyDirectoryProblem, geoKeysProblem } from './geokeys.js';
export { lookupEpsg, type EpsgEntry } from './epsg.js';
export { makeLonLatTransformer, makeTransformer } from './transform.js';
export { crsWkt, crsWkt2 } from './wkt.js';

/**
 * GeoJSON AOIs: Polygon, MultiPolygon, GeometryCollection, Feature and
 * FeatureCollection. The area is the union of all polygons found; other
 * geometries (points, lines) are ignored since they enclose no area.
 *
 * Coordinates are WGS84 lon/lat (RFC 7946) unless the file carries an
 * old-style (2008 spec) `crs` member, which GDAL and QGIS still write:
 * `{"type": "name", "properties": {"name": "EPSG:3857"}}` (or an OGC URN).
 */
import { AoiError } from './errors.js';
import { crsFromEpsg, epsgFromName, type CrsInfo } from '../crs/index.js';
import { cleanPolygon, type Polygon, type Position } from './geometry.js';

export interface GeoJsonAoi {
  polygons: Polygon[];
  crs: CrsInfo;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses GeoJSON text read from `path` (the path only names the file in errors). */
export function parseGeoJson(text: string, path: string): GeoJsonAoi {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the error; only where it is goes into ours (the file may be anything).
    const at = /at position (\d+)/.exec((e as Error).message);
    throw new AoiError(path, at ? `not valid JSON (at character ${Number(at[1]) + 1})` : 'not valid JSON');
  }
  if (!isObject(doc) || typeof doc.type !== 'string') throw new AoiError(path, 'not a GeoJSON object (no "type" member)');

  const polygons: Polygon[] = [];
  const otherTypes = new Set<string>();
  collect(doc, path, polygons, otherTypes);
  if (polygons.length === 0) {
    const found = otherTypes.size > 0 ? ` (found ${[...otherTypes].join(', ')})` : '';
    throw new AoiError(path, `no polygon in the file${found}; an AOI must be a Polygon or MultiPolygon`);
  }
  return { polygons, crs: geoJsonCrs(doc, path) };
}

/** Walks features and geometries, appending polygons and noting other geometry types. */
function collect(node: Json, path: string, polygons: Polygon[], otherTypes: Set<string>): void {
  switch (node.type) {
    case 'FeatureCollection':
      if (!Array.isArray(node.features)) throw new AoiError(path, 'FeatureCollection without a "features" array');
      for (const f of node.features) if (isObject(f)) collect(f, path, polygons, otherTypes);
      return;
    case 'Feature':
      if (isObject(node.geometry)) collect(node.geometry, path, polygons, otherTypes);
      return;
    case 'GeometryCollection':
      if (!Array.isArray(node.geometries)) throw new AoiError(path, 'GeometryCollection without a "geometries" array');
      for (const g of node.geometries) if (isObject(g)) collect(g, path, polygons, otherTypes);
      return;
    case 'Polygon':
      addPolygon(node.coordinates, path, polygons);
      return;
    case 'MultiPolygon':
      if (!Array.isArray(node.coordinates)) throw new AoiError(path, 'MultiPolygon without a "coordinates" array');
      for (const p of node.coordinates) addPolygon(p, path, polygons);
      return;
    default:
      otherTypes.add(String(node.type));
  }
}

function addPolygon(coordinates: unknown, path: string, polygons: Polygon[]): void {
  if (!Array.isArray(coordinates)) throw new AoiError(path, 'Polygon without a "coordinates" array');
  const rings = coordinates.map((ring) => {
    if (!Array.isArray(ring)) throw new AoiError(path, 'a polygon ring is not an array of positions');
    return ring.map((p) => position(p, path));
  });
  const polygon = cleanPolygon(rings);
  if (polygon) polygons.push(polygon);
}

function position(p: unknown, path: string): Position {
  if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new AoiError(path, `invalid position ${JSON.stringify(p)?.slice(0, 40)} (expected [x, y] numbers)`);
  }
  return [p[0] as number, p[1] as number];
}

/** The CRS of the coordinates: the old-style `crs` member when present, else WGS84 lon/lat. */
function geoJsonCrs(doc: Json, path: string): CrsInfo {
  let code = 4326;
  const member = doc.crs;
  if (member !== undefined && member !== null) {
    const props = isObject(member) && isObject(member.properties) ? member.properties : null;
    if (!isObject(member) || !props) throw new AoiError(path, 'the "crs" member is not an object with "properties"');
    if (member.type === 'name' && typeof props.name === 'string') {
      const named = epsgFromName(props.name);
      if (named === null) throw new AoiError(path, `unknown CRS '${props.name}' (expected EPSG:<code> or urn:ogc:def:crs:EPSG::<code>)`);
      code = named;
    } else if (member.type === 'EPSG' && Number.isInteger(props.code)) {
      code = props.code as number; // the 2008 draft's {"type": "EPSG", "properties": {"code": 4326}}
    } else {
      throw new AoiError(path, `unsupported "crs" member of type '${String(member.type)}' (expected a named EPSG CRS)`);
    }
  }
  const crs = crsFromEpsg(code);
  if (!crs) throw new AoiError(path, `unknown CRS EPSG:${code} (not in the bundled EPSG index)`);
  return crs;
}

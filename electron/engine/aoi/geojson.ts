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
import { checkAreaVertices, cleanPolygon, type Polygon, type Position } from './geometry.js';
import { oneLine } from '../../../shared/errors/index.js';

export interface GeoJsonAoi {
  polygons: Polygon[];
  crs: CrsInfo;
}

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses GeoJSON text read from `path` (the path only names the file in errors). */
export function parseGeoJson(text: string, path: string): GeoJsonAoi {
  const doc = parseGeoJsonObject(text, (problem) => new AoiError(path, problem));

  const polygons: Polygon[] = [];
  const otherTypes = new Set<string>();
  collect(doc, { path, polygons, otherTypes, vertices: 0 });
  if (polygons.length === 0) {
    const found = otherTypes.size > 0 ? ` (found ${[...otherTypes].join(', ')})` : '';
    throw new AoiError(path, `no polygon in the file${found}; an AOI must be a Polygon or MultiPolygon`);
  }
  return { polygons, crs: geoJsonCrs(doc, (problem) => new AoiError(path, problem)) };
}

/** The geometry types a message may name (other "type" strings are the file's content, never quoted). */
const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString']);

/** A GeoJSON file's text as an object with a "type" member; problems are errors made by `fail` (never quoting the text). */
export function parseGeoJsonObject(text: string, fail: (problem: string) => Error): Json & { type: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the error; only where it is goes into ours (the file may be anything).
    const at = /at position (\d+)/.exec((e as Error).message);
    throw fail(at ? `not valid JSON (at character ${Number(at[1]) + 1})` : 'not valid JSON');
  }
  if (!isObject(doc) || typeof doc.type !== 'string') throw fail('not a GeoJSON object (no "type" member)');
  return doc as Json & { type: string };
}

interface Collected {
  path: string;
  polygons: Polygon[];
  otherTypes: Set<string>;
  /** Positions read so far, against `LIMITS.areaVertices`. */
  vertices: number;
}

/** Walks features and geometries, appending polygons and noting other geometry types. */
function collect(node: Json, into: Collected): void {
  const { path } = into;
  switch (node.type) {
    case 'FeatureCollection':
      if (!Array.isArray(node.features)) throw new AoiError(path, 'FeatureCollection without a "features" array');
      for (const f of node.features) if (isObject(f)) collect(f, into);
      return;
    case 'Feature':
      if (isObject(node.geometry)) collect(node.geometry, into);
      return;
    case 'GeometryCollection':
      if (!Array.isArray(node.geometries)) throw new AoiError(path, 'GeometryCollection without a "geometries" array');
      for (const g of node.geometries) if (isObject(g)) collect(g, into);
      return;
    case 'Polygon':
      addPolygon(node.coordinates, into);
      return;
    case 'MultiPolygon':
      if (!Array.isArray(node.coordinates)) throw new AoiError(path, 'MultiPolygon without a "coordinates" array');
      for (const p of node.coordinates) addPolygon(p, into);
      return;
    default:
      into.otherTypes.add(GEOMETRY_TYPES.has(String(node.type)) ? String(node.type) : 'objects of other types');
  }
}

function addPolygon(coordinates: unknown, into: Collected): void {
  const { path } = into;
  if (!Array.isArray(coordinates)) throw new AoiError(path, 'Polygon without a "coordinates" array');
  const rings = coordinates.map((ring) => {
    if (!Array.isArray(ring)) throw new AoiError(path, 'a polygon ring is not an array of positions');
    into.vertices += ring.length;
    checkAreaVertices(into.vertices, path);
    return ring.map((p) => position(p, (problem) => new AoiError(path, problem)));
  });
  const polygon = cleanPolygon(rings);
  if (polygon) into.polygons.push(polygon);
}

/** A GeoJSON position's x and y; problems are errors made by `fail` (one line naming the file). */
export function position(p: unknown, fail: (problem: string) => Error): Position {
  if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw fail('invalid position (expected [x, y] numbers)');
  }
  return [p[0] as number, p[1] as number];
}

/** The CRS of the coordinates: the old-style `crs` member when present, else WGS84 lon/lat. */
export function geoJsonCrs(doc: Json, fail: (problem: string) => Error): CrsInfo {
  let code = 4326;
  const member = doc.crs;
  if (member !== undefined && member !== null) {
    const props = isObject(member) && isObject(member.properties) ? member.properties : null;
    if (!isObject(member) || !props) throw fail('the "crs" member is not an object with "properties"');
    if (member.type === 'name' && typeof props.name === 'string') {
      const named = epsgFromName(props.name);
      if (named === null)
        throw fail(`unknown CRS '${oneLine(props.name).slice(0, 60)}' (expected EPSG:<code> or urn:ogc:def:crs:EPSG::<code>)`);
      code = named;
    } else if (member.type === 'EPSG' && Number.isInteger(props.code)) {
      code = props.code as number; // the 2008 draft's {"type": "EPSG", "properties": {"code": 4326}}
    } else {
      throw fail('unsupported "crs" member (expected a named EPSG CRS)');
    }
  }
  const crs = crsFromEpsg(code);
  if (!crs) throw fail(`unknown CRS EPSG:${code} (not in the bundled EPSG index)`);
  return crs;
}

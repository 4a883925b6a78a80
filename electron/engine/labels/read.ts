/**
 * Reading label files: points from a CSV (lon/lat, or x/y with a CRS), points
 * or polygons from GeoJSON or a GeoPackage layer, each with a target value and
 * an optional group. The format is told by content (a GeoPackage is an SQLite
 * database, a GeoJSON file starts with `{`), not by extension. The vector
 * readers are the AOI module's (CRS member, GeoPackage layers, WKB); CSV
 * records are the export reader's (RFC 4180, bounded).
 */
import { openInputFile, readExactly } from '../input-file.js';
import { formatBytes, LimitError, LIMITS } from '../limits.js';
import { crsFromEpsg, epsgFromName, type CrsInfo } from '../crs/index.js';
import { oneLine } from '../../../shared/errors/index.js';
import {
  checkAreaVertices,
  cleanPolygon,
  geoJsonCrs,
  isObject,
  openGpkgLayer,
  parseGeoJsonObject,
  parseGpkgGeometry,
  position,
  quoteId,
  type Polygon,
  type Position,
} from '../aoi/index.js';
import { csvFileRecords } from '../export/read-csv.js';
import { failFor, LabelError } from './errors.js';
import {
  classOf,
  DropCounter,
  describeDropped,
  missingReason,
  numberOf,
  sortClasses,
  type Dropped,
  type RawValue,
  type ValueKind,
} from './values.js';

export interface ReadLabelsOptions {
  /** The column (CSV header, GeoJSON property, GeoPackage column) holding the label; matched exactly, else ignoring case. */
  target: string;
  /** A column kept per row (for group folds); rows without one are dropped and counted ('no group'). */
  group?: string;
  /** 'numbers' (regression: any other value is an error), 'classes', or 'auto' (the default: numbers when every value is one). */
  values?: ValueKind;
  /** CSV: the coordinate columns; by default lon/lng/long/longitude and lat/latitude, else x/easting and y/northing (any case). */
  x?: string;
  y?: string;
  /** CSV: the CRS of the coordinates, e.g. 'EPSG:32633'; needed for x/y columns, EPSG:4326 by default for lon/lat. */
  crs?: string;
  /** GeoPackage: the layer (default: the first features layer). */
  layer?: string;
}

/** One usable label row. */
export interface LabelRow {
  /** Where it is in the file (1-based): a CSV line, or a GeoJSON / GeoPackage feature (see LabelSet.rowNoun). */
  line: number;
  /** The value as the file holds it. */
  raw: string | number | boolean;
  /** A number when the set is numeric, else the class name. */
  value: number | string;
  group?: string;
}

export interface PointLabel extends LabelRow {
  /** One point, or the parts of a MultiPoint, each a label with this row's value. */
  points: Position[];
}

export interface PolygonLabel extends LabelRow {
  /** The polygon, or the parts of a MultiPolygon: together one label. */
  polygons: Polygon[];
}

interface LabelSetBase {
  path: string;
  layer?: string;
  /** The CRS of the coordinates. */
  crs: CrsInfo;
  /** The target and group columns as the file spells them. */
  target: string;
  group?: string;
  numeric: boolean;
  /** The class names, sorted (sortClasses), when not numeric. */
  classes?: string[];
  /** Rows (CSV records after the header, or features) read, usable or not. */
  read: number;
  dropped: Dropped[];
  rowNoun: 'line' | 'feature';
}

/** A label file read: its usable rows, all points or all polygons. */
export type LabelSet = LabelSetBase & ({ geometry: 'points'; rows: PointLabel[] } | { geometry: 'polygons'; rows: PolygonLabel[] });

/** One row as a reader gives it, before its value is judged. */
interface RawRecord {
  line: number;
  target: RawValue;
  group: RawValue;
  points?: Position[];
  polygons?: Polygon[];
}

interface Source {
  crs: CrsInfo;
  target: string;
  group?: string;
  layer?: string;
  rowNoun: 'line' | 'feature';
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>;
  /** Closes the file (GeoPackage) once the records are read. */
  close?: () => void;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * Reads a label file. Throws a one-line UserError naming the file when it has no usable row, lacks the target
 * column (the message lists the columns), holds values that are not numbers where numbers are asked for (it names
 * the rows), needs a CRS it does not have, or exceeds a limit (LIMITS.labelRows, areaVertices, areaFileBytes).
 */
export async function readLabels(path: string, options: ReadLabelsOptions): Promise<LabelSet> {
  const fail = failFor(path);
  const file = await openInputFile(path, Number.MAX_SAFE_INTEGER, fail);
  let kind: 'gpkg' | 'geojson' | 'csv';
  let text = '';
  try {
    if (file.size === 0) throw fail('empty file (0 bytes)');
    const head = (await readExactly(file, 0, Math.min(file.size, 64), fail)).toString('latin1');
    kind = head.startsWith(SQLITE_MAGIC) ? 'gpkg' : /^(?:\uFEFF|\u00EF\u00BB\u00BF)?\s*\{/.test(head) ? 'geojson' : 'csv';
    if (kind !== 'csv' && (options.x !== undefined || options.y !== undefined || options.crs !== undefined))
      throw fail('coordinate columns and a CRS can only be given for a CSV file; this file carries its own geometry');
    if (kind !== 'gpkg' && options.layer !== undefined) throw fail(`a layer ('${options.layer}') can only be chosen in a GeoPackage`);
    if (kind === 'geojson') {
      if (file.size > LIMITS.areaFileBytes) {
        throw new LimitError(
          { path },
          `a GeoJSON file of ${formatBytes(file.size)}`,
          `${formatBytes(LIMITS.areaFileBytes)} (save it as a GeoPackage)`,
        );
      }
      text = (await readExactly(file, 0, file.size, fail)).toString('utf8').replace(/^\uFEFF/, '');
    } else if (kind === 'csv' && file.size > LIMITS.labelCsvBytes) {
      throw new LimitError({ path }, `a CSV file of ${formatBytes(file.size)}`, formatBytes(LIMITS.labelCsvBytes));
    }
  } finally {
    await file.handle.close();
  }
  const source =
    kind === 'gpkg' ? await gpkgSource(path, options) : kind === 'geojson' ? geoJsonSource(text, path, options) : csvSource(path, options);
  try {
    return await collect(path, source, options.values ?? 'auto');
  } finally {
    source.close?.();
  }
}

/** Judges every record's value, counts what is dropped, and decides whether the set is numeric. */
async function collect(path: string, source: Source, values: ValueKind): Promise<LabelSet> {
  const fail = failFor(path);
  const dropped = new DropCounter();
  const kept: (RawRecord & { raw: string | number | boolean })[] = [];
  let read = 0;
  let geometry: 'points' | 'polygons' | null = null;
  let firstOfKind = 0;
  for await (const record of source.records) {
    if (++read > LIMITS.labelRows) {
      throw new LimitError({ path }, `has more than ${LIMITS.labelRows} label rows`, `${LIMITS.labelRows} rows`);
    }
    const reason = missingReason(record.target);
    if (reason) {
      dropped.add(reason);
      continue;
    }
    if (source.group !== undefined && missingReason(record.group)) {
      dropped.add('no group');
      continue;
    }
    const shape = record.points?.length ? 'points' : record.polygons?.length ? 'polygons' : null;
    if (!shape) {
      dropped.add('no geometry');
      continue;
    }
    if (geometry === null) [geometry, firstOfKind] = [shape, record.line];
    else if (geometry !== shape) {
      throw fail(
        `mixes ${geometry} (${source.rowNoun} ${firstOfKind}) and ${shape} (${source.rowNoun} ${record.line}); use one kind of label`,
      );
    }
    const raw = record.target as string | number | boolean | bigint;
    kept.push({ ...record, raw: typeof raw === 'bigint' ? Number(raw) : raw });
  }
  if (kept.length === 0 || geometry === null) {
    const why = dropped.list().map(describeDropped);
    throw fail(`no usable label rows (${read} read${why.length > 0 ? `: ${why.join(', ')}` : ''})`);
  }
  const notNumbers = values === 'classes' ? [] : kept.filter((r) => numberOf(r.raw) === null);
  if (values === 'numbers' && notNumbers.length > 0) {
    const lines = notNumbers.slice(0, 5).map((r) => r.line);
    const more = notNumbers.length > 5 ? ` and ${notNumbers.length - 5} more` : '';
    const example = oneLine(classOf(notNumbers[0].raw)).slice(0, 40);
    throw fail(
      `column '${source.target}' is not numeric at ${source.rowNoun}${lines.length > 1 ? 's' : ''} ${lines.join(', ')}${more} ` +
        `(e.g. '${example}'); numbers are needed`,
    );
  }
  const numeric = values !== 'classes' && notNumbers.length === 0;
  const rows = kept.map((r): PointLabel | PolygonLabel => {
    const row: LabelRow = { line: r.line, raw: r.raw, value: numeric ? numberOf(r.raw)! : classOf(r.raw) };
    if (source.group !== undefined) row.group = classOf(r.group);
    return geometry === 'points' ? { ...row, points: r.points! } : { ...row, polygons: r.polygons! };
  });
  const set: LabelSetBase = {
    path,
    crs: source.crs,
    target: source.target,
    numeric,
    read,
    dropped: dropped.list(),
    rowNoun: source.rowNoun,
  };
  if (source.layer !== undefined) set.layer = source.layer;
  if (source.group !== undefined) set.group = source.group;
  if (!numeric) set.classes = sortClasses(rows.map((r) => r.value as string));
  return geometry === 'points' ? { ...set, geometry, rows: rows as PointLabel[] } : { ...set, geometry, rows: rows as PolygonLabel[] };
}

/** The column of `names` called `wanted`: exactly, else ignoring case and blanks; null when none. */
function findColumn(names: string[], wanted: string): number | null {
  const exact = names.indexOf(wanted);
  if (exact >= 0) return exact;
  const key = wanted.trim().toLowerCase();
  const i = names.findIndex((n) => n.trim().toLowerCase() === key);
  return i >= 0 ? i : null;
}

/** "no column 'yield' (columns: id, lon, lat, value)", at most 30 names, each cut to 40 characters. */
function missingColumn(kind: string, wanted: string, names: string[]): string {
  const shown = names.slice(0, 30).map((n) => oneLine(n).slice(0, 40));
  const more = names.length > 30 ? `, and ${names.length - 30} more` : '';
  const plural = kind === 'property' ? 'properties' : `${kind}s`;
  return `no ${kind} '${wanted}' (${names.length === 0 ? 'the file has none' : `${plural}: ${shown.join(', ')}${more}`})`;
}

/** The target and group columns of a header, or a LabelError listing the columns. */
function targetAndGroup(path: string, names: string[], options: ReadLabelsOptions, kind = 'column'): { target: number; group?: number } {
  const target = findColumn(names, options.target);
  if (target === null) throw new LabelError(path, missingColumn(kind, options.target, names));
  if (options.group === undefined) return { target };
  const group = findColumn(names, options.group);
  if (group === null) throw new LabelError(path, missingColumn(kind, options.group, names).replace(/^no /, 'no group '));
  return { target, group };
}

const LON = ['lon', 'lng', 'long', 'longitude'];
const LAT = ['lat', 'latitude'];
const X = ['x', 'easting'];
const Y = ['y', 'northing'];

/** A CRS given by name ('EPSG:32633'), or a LabelError. */
function namedCrs(path: string, name: string): CrsInfo {
  const code = epsgFromName(name);
  const crs = code === null ? null : crsFromEpsg(code);
  if (!crs) throw new LabelError(path, `unknown CRS '${oneLine(name).slice(0, 60)}' (expected EPSG:<code>)`);
  return crs;
}

function csvSource(path: string, options: ReadLabelsOptions): Source {
  // The header is read by the records generator; what it decides is reported through `source`.
  const source: Source = { crs: null as unknown as CrsInfo, target: options.target, rowNoun: 'line', records: [] };
  async function* records(): AsyncGenerator<RawRecord> {
    let columns: { target: number; group?: number; x: number; y: number } | null = null;
    for await (const { fields, line } of csvFileRecords(path)) {
      if (columns === null) {
        const names = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
        columns = { ...targetAndGroup(path, names, options), ...coordinateColumns(path, names, options, source) };
        source.target = names[columns.target];
        if (columns.group !== undefined) source.group = names[columns.group];
        continue;
      }
      if (fields.length === 1 && fields[0].trim() === '') continue; // a blank line
      const coordinate = (i: number): number | null => {
        const text = fields[i];
        if (text === undefined || text.trim() === '') return null;
        const n = numberOf(text);
        if (n === null) throw new LabelError(path, `line ${line}: the coordinate '${oneLine(text).slice(0, 40)}' is not a number`);
        return n;
      };
      const x = coordinate(columns.x);
      const y = coordinate(columns.y);
      yield {
        line,
        target: fields[columns.target],
        group: columns.group === undefined ? undefined : fields[columns.group],
        points: x === null || y === null ? [] : [[x, y]],
      };
    }
    if (columns === null) throw new LabelError(path, 'no header row (the file has no records)');
  }
  source.records = records();
  return source;
}

/** The coordinate columns of a CSV header, and the CRS they are in (set on `source`). */
function coordinateColumns(path: string, names: string[], options: ReadLabelsOptions, source: Source): { x: number; y: number } {
  const lower = names.map((n) => n.toLowerCase());
  const pick = (candidates: string[]) => {
    const i = lower.findIndex((n) => candidates.includes(n));
    return i >= 0 ? i : null;
  };
  let x: number | null;
  let y: number | null;
  let geographic = false;
  if (options.x !== undefined || options.y !== undefined) {
    if (options.x === undefined || options.y === undefined)
      throw new LabelError(path, 'give both coordinate columns (x and y), or neither');
    x = findColumn(names, options.x);
    y = findColumn(names, options.y);
    if (x === null) throw new LabelError(path, missingColumn('column', options.x, names));
    if (y === null) throw new LabelError(path, missingColumn('column', options.y, names));
    geographic = LON.includes(names[x].toLowerCase()) && LAT.includes(names[y].toLowerCase());
  } else {
    [x, y] = [pick(LON), pick(LAT)];
    geographic = x !== null && y !== null;
    if (!geographic) [x, y] = [pick(X), pick(Y)];
    if (x === null || y === null) {
      throw new LabelError(
        path,
        `no coordinate columns (expected lon/lat, longitude/latitude or x/y; columns: ${names.slice(0, 30).join(', ')})`,
      );
    }
  }
  if (options.crs !== undefined) source.crs = namedCrs(path, options.crs);
  else if (geographic) source.crs = crsFromEpsg(4326)!;
  else throw new LabelError(path, `no CRS for the coordinates in '${names[x]}' and '${names[y]}'; give one (e.g. crs: 'EPSG:32633')`);
  return { x, y };
}

function geoJsonSource(text: string, path: string, options: ReadLabelsOptions): Source {
  const fail = failFor(path);
  const doc = parseGeoJsonObject(text, fail);
  const crs = geoJsonCrs(doc, fail);
  let features: unknown[];
  if (doc.type === 'FeatureCollection') {
    if (!Array.isArray(doc.features)) throw fail('FeatureCollection without a "features" array');
    features = doc.features;
  } else if (doc.type === 'Feature') features = [doc];
  else throw fail(`a ${GEOMETRY_NAMES.has(doc.type) ? doc.type : 'GeoJSON object'} without properties; labels are a FeatureCollection`);
  // Property names across features (they may differ from one feature to the next).
  const names: string[] = [];
  const seen = new Set<string>();
  for (const f of features) {
    if (!isObject(f) || !isObject(f.properties)) continue;
    for (const k of Object.keys(f.properties)) {
      if (!seen.has(k)) names.push(k);
      seen.add(k);
    }
  }
  const columns = targetAndGroup(path, names, options, 'property');
  const target = names[columns.target];
  const group = columns.group === undefined ? undefined : names[columns.group];
  let vertices = 0;
  const records = function* (): Generator<RawRecord> {
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      const line = i + 1;
      if (!isObject(f) || f.type !== 'Feature') throw fail(`feature ${line} is not a GeoJSON Feature`);
      const props = isObject(f.properties) ? f.properties : {};
      const value = props[target];
      if (isObject(value) || Array.isArray(value))
        throw fail(`feature ${line}: the value of '${target}' is an object or an array, not a label`);
      const record: RawRecord = { line, target: value as RawValue, group: group === undefined ? undefined : (props[group] as RawValue) };
      const g = f.geometry;
      if (g !== null && g !== undefined) {
        if (!isObject(g)) throw fail(`feature ${line}: the geometry is not an object`);
        const coords = g.coordinates;
        const at = (problem: string) => fail(`feature ${line}: ${problem}`);
        const positions = (list: unknown): Position[] => {
          if (!Array.isArray(list)) throw at(`a ${String(g.type)} without a "coordinates" array`);
          vertices += list.length;
          checkAreaVertices(vertices, path);
          return list.map((p) => position(p, at));
        };
        const polygon = (rings: unknown): Polygon | null => {
          if (!Array.isArray(rings)) throw at('a Polygon without a "coordinates" array');
          return cleanPolygon(rings.map(positions));
        };
        if (g.type === 'Point') record.points = positions([coords]);
        else if (g.type === 'MultiPoint') record.points = positions(coords);
        else if (g.type === 'Polygon') record.polygons = [polygon(coords)].filter((p): p is Polygon => p !== null);
        else if (g.type === 'MultiPolygon') {
          if (!Array.isArray(coords)) throw at('a MultiPolygon without a "coordinates" array');
          record.polygons = coords.map(polygon).filter((p): p is Polygon => p !== null);
        } else {
          const type = GEOMETRY_NAMES.has(String(g.type)) ? String(g.type) : 'geometry of another type';
          throw at(`a ${type}; labels are points (Point, MultiPoint) or polygons (Polygon, MultiPolygon)`);
        }
      }
      yield record;
    }
  };
  return { crs, target, group, rowNoun: 'feature', records: records() };
}

/** Geometry type names a message may repeat (any other "type" is the file's content). */
const GEOMETRY_NAMES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);

async function gpkgSource(path: string, options: ReadLabelsOptions): Promise<Source> {
  const fail = failFor(path);
  const layer = await openGpkgLayer(path, options.layer, fail);
  const { db, name } = layer;
  try {
    const names = (db.prepare(`PRAGMA table_info(${quoteId(name)})`).all() as { name: string }[])
      .map((c) => c.name)
      .filter((c) => c !== layer.geometryColumn);
    const columns = targetAndGroup(path, names, options);
    const target = names[columns.target];
    const group = columns.group === undefined ? undefined : names[columns.group];
    const select = [
      `${quoteId(layer.geometryColumn)} AS g`,
      `${quoteId(target)} AS t`,
      ...(group === undefined ? [] : [`${quoteId(group)} AS k`]),
    ];
    const query = db.prepare(`SELECT ${select.join(', ')} FROM ${quoteId(name)}`);
    let vertices = 0;
    const records = function* (): Generator<RawRecord> {
      let line = 0;
      for (const row of query.iterate() as Iterable<{ g: unknown; t: unknown; k?: unknown }>) {
        line++;
        if (row.t instanceof Uint8Array) throw fail(`layer '${name}', feature ${line}: the value of '${target}' is a BLOB, not a label`);
        const record: RawRecord = { line, target: row.t as RawValue, group: row.k as RawValue };
        if (row.g instanceof Uint8Array) {
          let parsed;
          try {
            parsed = parseGpkgGeometry(row.g);
          } catch (e) {
            throw fail(`layer '${name}', feature ${line}: ${(e as Error).message}`);
          }
          vertices += parsed.points.length;
          for (const rings of parsed.polygons) vertices += rings.reduce((n, ring) => n + ring.length, 0);
          checkAreaVertices(vertices, path);
          if (parsed.points.length > 0) record.points = parsed.points;
          const polygons = parsed.polygons.map(cleanPolygon).filter((p): p is Polygon => p !== null);
          if (polygons.length > 0) record.polygons = polygons;
          if (record.points && record.polygons) throw fail(`layer '${name}', feature ${line} holds both points and polygons`);
          if (!record.points && !record.polygons && parsed.skipped.some((s) => s !== 'Point')) {
            throw fail(`layer '${name}', feature ${line} is a line; labels are points or polygons`);
          }
        }
        yield record;
      }
    };
    return { crs: layer.crs, target, group, layer: name, rowNoun: 'feature', records: records(), close: () => db.close() };
  } catch (e) {
    db.close();
    throw e;
  }
}

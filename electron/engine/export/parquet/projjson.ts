/**
 * A CRS as PROJJSON (https://proj.org/schemas/v0.7/projjson.schema.json), as GeoParquet's `crs` wants it, built
 * from the OGC WKT 1 of the bundled EPSG index (the same WKT a GeoPackage gets).
 *
 * Covered: geographic CRSs, and projected CRSs whose method is Transverse Mercator (UTM and most national grids),
 * Mercator (variant A), Popular Visualisation Pseudo-Mercator (EPSG:3857), Lambert Conic Conformal (2SP), Albers
 * Equal Area or Lambert Azimuthal Equal Area, each with the EPSG ids of the CRS, its base CRS, datum, ellipsoid,
 * method and parameters, so a reader that knows EPSG can recognise it by its `id`. Anything else (another method, a
 * CRS with no WKT, a CRS without an EPSG code) gives null, which GeoParquet reads as "unknown CRS": the file's
 * provenance still names the raster's CRS.
 */
import { lookupEpsg, type CrsInfo } from '../../crs/index.js';

type Node = { keyword: string; args: (string | number | Node)[] };
type Json = Record<string, unknown>;

const SCHEMA = 'https://proj.org/schemas/v0.7/projjson.schema.json';

export function projJson(crs: CrsInfo): Json | null {
  if (crs.epsg === null) return null;
  const wkt = lookupEpsg(crs.epsg)?.wkt ?? crs.wkt;
  if (!wkt) return null;
  let root: Node;
  try {
    root = parseWkt(wkt);
  } catch {
    return null;
  }
  const json = root.keyword === 'GEOGCS' ? geographic(root) : root.keyword === 'PROJCS' ? projected(root, crs.epsg) : null;
  return json ? { $schema: SCHEMA, ...json, id: { authority: 'EPSG', code: crs.epsg } } : null;
}

function geographic(node: Node): Json | null {
  const datum = child(node, 'DATUM');
  const spheroid = datum && child(datum, 'SPHEROID');
  const unit = child(node, 'UNIT');
  if (!datum || !spheroid || !unit) return null;
  const [ellipsoidName, a, rf] = spheroid.args;
  if (typeof a !== 'number' || typeof rf !== 'number') return null;
  const primem = child(node, 'PRIMEM');
  const angular = angularUnit(unit);
  const json: Json = {
    type: 'GeographicCRS',
    name: text(node.args[0]),
    datum: {
      type: 'GeodeticReferenceFrame',
      name: datumName(text(datum.args[0])),
      ellipsoid: {
        name: text(ellipsoidName),
        semi_major_axis: a,
        inverse_flattening: rf,
        ...idOf(spheroid),
      },
      ...(primem && primem.args[1] !== 0 ? { prime_meridian: { name: text(primem.args[0]), longitude: primem.args[1] } } : {}),
      ...idOf(datum),
    },
    coordinate_system: {
      subtype: 'ellipsoidal',
      // EPSG's geographic CRSs are latitude first; GeoParquet's WKB is longitude, latitude whatever the CRS says.
      axis: [
        { name: 'Geodetic latitude', abbreviation: 'Lat', direction: 'north', unit: angular },
        { name: 'Geodetic longitude', abbreviation: 'Lon', direction: 'east', unit: angular },
      ],
    },
  };
  return { ...json, ...idOf(node) };
}

type ParamKind = 'angle' | 'linear' | 'scale';
interface Method {
  name: string;
  code: number;
  /** WKT 1 parameter name → EPSG name, code, kind. */
  params: Record<string, [string, number, ParamKind]>;
}

const NATURAL_ORIGIN: Method['params'] = {
  latitude_of_origin: ['Latitude of natural origin', 8801, 'angle'],
  central_meridian: ['Longitude of natural origin', 8802, 'angle'],
  scale_factor: ['Scale factor at natural origin', 8805, 'scale'],
  false_easting: ['False easting', 8806, 'linear'],
  false_northing: ['False northing', 8807, 'linear'],
};
const FALSE_ORIGIN: Method['params'] = {
  standard_parallel_1: ['Latitude of 1st standard parallel', 8823, 'angle'],
  standard_parallel_2: ['Latitude of 2nd standard parallel', 8824, 'angle'],
  false_easting: ['Easting at false origin', 8826, 'linear'],
  false_northing: ['Northing at false origin', 8827, 'linear'],
};
const METHODS: Record<string, Method> = {
  Transverse_Mercator: { name: 'Transverse Mercator', code: 9807, params: NATURAL_ORIGIN },
  Mercator_1SP: { name: 'Mercator (variant A)', code: 9804, params: NATURAL_ORIGIN },
  Lambert_Conformal_Conic_2SP: {
    name: 'Lambert Conic Conformal (2SP)',
    code: 9802,
    params: {
      latitude_of_origin: ['Latitude of false origin', 8821, 'angle'],
      central_meridian: ['Longitude of false origin', 8822, 'angle'],
      ...FALSE_ORIGIN,
    },
  },
  Albers_Conic_Equal_Area: {
    name: 'Albers Equal Area',
    code: 9822,
    params: {
      latitude_of_center: ['Latitude of false origin', 8821, 'angle'],
      longitude_of_center: ['Longitude of false origin', 8822, 'angle'],
      ...FALSE_ORIGIN,
    },
  },
  Lambert_Azimuthal_Equal_Area: {
    name: 'Lambert Azimuthal Equal Area',
    code: 9820,
    params: {
      latitude_of_center: ['Latitude of natural origin', 8801, 'angle'],
      longitude_of_center: ['Longitude of natural origin', 8802, 'angle'],
      false_easting: ['False easting', 8806, 'linear'],
      false_northing: ['False northing', 8807, 'linear'],
    },
  },
};
/** EPSG:3857's WKT 1 says Mercator_1SP, but the method is the spherical Pseudo-Mercator (proj4's +a=+b=6378137). */
const PSEUDO_MERCATOR: Method = {
  name: 'Popular Visualisation Pseudo Mercator',
  code: 1024,
  // The WKT's scale_factor (1) is no parameter of this method: code 0 marks it to be skipped.
  params: { ...NATURAL_ORIGIN, scale_factor: ['', 0, 'scale'] },
};

function projected(node: Node, code: number): Json | null {
  const base = child(node, 'GEOGCS');
  const baseJson = base && geographic(base);
  const projection = child(node, 'PROJECTION');
  const unit = child(node, 'UNIT');
  if (!baseJson || !projection || !unit || !base) return null;
  const method = code === 3857 ? PSEUDO_MERCATOR : METHODS[text(projection.args[0])];
  if (!method) return null;
  const linear = linearUnit(unit);
  const angular = angularUnit(child(base, 'UNIT')!);
  const parameters: Json[] = [];
  for (const p of node.args) {
    if (typeof p !== 'object' || p.keyword !== 'PARAMETER') continue;
    const known = method.params[text(p.args[0])];
    if (!known) return null; // a parameter the method does not take: not a CRS this table can describe
    const [name, id, kind] = known;
    if (id === 0) continue; // Pseudo-Mercator has no scale factor (it is 1)
    const value = p.args[1];
    if (typeof value !== 'number') return null;
    const unitOf = kind === 'angle' ? angular : kind === 'linear' ? linear : 'unity';
    parameters.push({ name, value, unit: unitOf, id: { authority: 'EPSG', code: id } });
  }
  if (method.code === 1024 && !parameters.some((p) => (p.id as Json).code === 8801)) {
    parameters.unshift({ name: 'Latitude of natural origin', value: 0, unit: angular, id: { authority: 'EPSG', code: 8801 } });
  }
  const name = text(node.args[0]);
  const axes = node.args.filter((a): a is Node => typeof a === 'object' && a.keyword === 'AXIS');
  const axis =
    axes.length === 2
      ? axes.map((a) => axisJson(text(a.args[0]), text(a.args[1]), linear))
      : [axisJson('Easting', 'EAST', linear), axisJson('Northing', 'NORTH', linear)];
  if (axis.some((a) => a === null)) return null;
  return {
    type: 'ProjectedCRS',
    name,
    base_crs: baseJson,
    conversion: {
      name: name.includes(' / ') ? name.slice(name.indexOf(' / ') + 3) : `unnamed`,
      method: { name: method.name, id: { authority: 'EPSG', code: method.code } },
      parameters,
    },
    coordinate_system: { subtype: 'Cartesian', axis },
  };
}

function axisJson(name: string, direction: string, unit: unknown): Json | null {
  const dir = direction.toLowerCase();
  if (!['east', 'north', 'west', 'south'].includes(dir)) return null;
  const abbreviation = name === 'Easting' ? 'E' : name === 'Northing' ? 'N' : name.slice(0, 1).toUpperCase();
  return { name, abbreviation, direction: dir, unit };
}

function angularUnit(unit: Node): unknown {
  const [name, factor] = unit.args;
  if (text(name) === 'degree' && typeof factor === 'number' && Math.abs(factor - Math.PI / 180) < 1e-15) return 'degree';
  return { type: 'AngularUnit', name: text(name), conversion_factor: factor };
}

function linearUnit(unit: Node): unknown {
  const [name, factor] = unit.args;
  if ((text(name) === 'metre' || text(name) === 'meter') && factor === 1) return 'metre';
  return { type: 'LinearUnit', name: text(name), conversion_factor: factor };
}

/** WKT 1 from GDAL spells datums with underscores; EPSG's names have spaces (the `id` is what identifies it). */
function datumName(name: string): string {
  return name === 'WGS_1984' ? 'World Geodetic System 1984' : name.replace(/_/g, ' ');
}

function idOf(node: Node): Json {
  const auth = child(node, 'AUTHORITY');
  if (!auth) return {};
  const code = Number(auth.args[1]);
  return Number.isInteger(code) ? { id: { authority: text(auth.args[0]), code } } : {};
}

function child(node: Node, keyword: string): Node | undefined {
  return node.args.find((a): a is Node => typeof a === 'object' && a.keyword === keyword);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

/** Parses WKT 1: KEYWORD[arg, …] with quoted strings, numbers, bare words (EAST) and nested nodes. */
export function parseWkt(wkt: string): Node {
  let i = 0;
  const skip = () => {
    while (i < wkt.length && /\s/.test(wkt[i])) i++;
  };
  const node = (): Node => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(wkt.slice(i));
    if (!m) throw new Error('WKT: keyword expected');
    i += m[0].length;
    skip();
    if (wkt[i] !== '[' && wkt[i] !== '(') throw new Error('WKT: [ expected');
    i++;
    const args: Node['args'] = [];
    for (;;) {
      skip();
      const c = wkt[i];
      if (c === '"') {
        const end = wkt.indexOf('"', i + 1);
        if (end < 0) throw new Error('WKT: unclosed string');
        args.push(wkt.slice(i + 1, end));
        i = end + 1;
      } else if (/[-+0-9.]/.test(c)) {
        const n = /^[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?/.exec(wkt.slice(i))![0];
        args.push(Number(n));
        i += n.length;
      } else {
        const save = i;
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(wkt.slice(i));
        if (!word) throw new Error('WKT: value expected');
        i += word[0].length;
        skip();
        if (wkt[i] === '[' || wkt[i] === '(') {
          i = save;
          args.push(node());
        } else {
          args.push(word[0]);
        }
      }
      skip();
      if (wkt[i] === ',') {
        i++;
        continue;
      }
      if (wkt[i] === ']' || wkt[i] === ')') {
        i++;
        return { keyword: m[0], args };
      }
      throw new Error('WKT: , or ] expected');
    }
  };
  return node();
}

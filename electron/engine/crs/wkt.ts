/**
 * The WKT of a CRS for outputs: WKT1 (GeoPackage `definition`, the CSV provenance) is the CRS's own (the EPSG index's,
 * the one written from a file's GeoKeys by model.ts, or a file's ESRI PE string); WKT2 (GeoPackage
 * `definition_12_063`, the CRS WKT extension) is written by model.ts from that WKT1, read back here into its parts.
 * A WKT1 this reader does not understand (a method outside methods.ts, a parameter it does not know) gives no WKT2
 * rather than a wrong one.
 */
import { METRE, modelAxisDirections, modelWkt2, type CrsModel, type GeogModel, type LinearUnit } from './model.js';
import { methodById, methodByWkt1, type MethodSpec } from './methods.js';
import type { CrsInfo } from './info.js';

interface Node {
  keyword: string;
  args: (string | number | Node)[];
}

/** The WKT1 text as a tree, or null when it is not well-formed. */
function parseTree(text: string): Node | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const node = (): Node | null => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) return null;
    i += m[0].length;
    ws();
    const out: Node = { keyword: m[0].toUpperCase(), args: [] };
    if (text[i] !== '[' && text[i] !== '(') return out;
    const close = text[i] === '[' ? ']' : ')';
    i++;
    for (;;) {
      ws();
      if (text[i] === '"') {
        let s = '';
        i++;
        while (i < text.length) {
          if (text[i] === '"' && text[i + 1] === '"') {
            s += '"';
            i += 2;
          } else if (text[i] === '"') break;
          else s += text[i++];
        }
        if (text[i] !== '"') return null;
        i++;
        out.args.push(s);
      } else {
        const n = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(i));
        if (n) {
          out.args.push(Number(n[0]));
          i += n[0].length;
        } else {
          const child = node();
          if (!child) return null;
          out.args.push(child);
        }
      }
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return out;
      } else return null;
    }
  };
  const tree = node();
  ws();
  return tree && i === text.length ? tree : null;
}

const children = (n: Node, keyword: string) => n.args.filter((a): a is Node => typeof a === 'object' && a.keyword === keyword);
const child = (n: Node, keyword: string) => children(n, keyword)[0];
const str = (n: Node | undefined, k: number) => (n && typeof n.args[k] === 'string' ? (n.args[k] as string) : undefined);
const numAt = (n: Node | undefined, k: number) => (n && typeof n.args[k] === 'number' ? (n.args[k] as number) : undefined);
function epsgOf(n: Node | undefined): number | undefined {
  const a = n ? child(n, 'AUTHORITY') : undefined;
  return a && str(a, 0)?.toUpperCase() === 'EPSG' ? Number(str(a, 1)) || undefined : undefined;
}

function geogFromNode(g: Node): GeogModel | null {
  const datum = child(g, 'DATUM');
  const sph = datum ? child(datum, 'SPHEROID') : undefined;
  const pm = child(g, 'PRIMEM');
  const unit = child(g, 'UNIT');
  const a = numAt(sph, 1);
  const rf = numAt(sph, 2);
  if (!datum || !sph || a === undefined || rf === undefined || !pm) return null;
  // Only degrees: the writer states angles in degrees.
  if (unit && Math.abs((numAt(unit, 1) ?? 0) - Math.PI / 180) > 1e-12) return null;
  const out: GeogModel = {
    name: str(g, 0) ?? 'unknown',
    datum: str(datum, 0) ?? 'unknown',
    ellipsoid: { name: str(sph, 0) ?? 'unknown', a, rf, epsg: epsgOf(sph) },
    primeMeridian: { name: str(pm, 0) ?? 'Greenwich', lon: numAt(pm, 1) ?? 0, epsg: epsgOf(pm) },
    epsg: epsgOf(g),
    datumEpsg: epsgOf(datum),
  };
  const t = child(datum, 'TOWGS84');
  if (t && t.args.every((v) => typeof v === 'number')) out.towgs84 = t.args as number[];
  return out;
}

/** The parts of a WKT1 CRS (OGC, or ESRI's spelling of the methods methods.ts lists), or null. */
export function modelFromWkt1(text: string): CrsModel | null {
  const tree = parseTree(text.trim());
  if (!tree) return null;
  if (tree.keyword === 'GEOGCS') {
    const geog = geogFromNode(tree);
    return geog ? { name: geog.name, geog, projection: null, unit: METRE, epsg: geog.epsg } : null;
  }
  // An EXTENSION["PROJ4", ...] (EPSG:3857's pseudo-Mercator, say) means something the WKT1 nodes do not say.
  if (tree.keyword !== 'PROJCS' || child(tree, 'EXTENSION')) return null;
  const g = child(tree, 'GEOGCS');
  const geog = g ? geogFromNode(g) : null;
  const projection = str(child(tree, 'PROJECTION'), 0);
  let method: MethodSpec | null = projection ? methodByWkt1(projection) : null;
  const u = child(tree, 'UNIT');
  const unit: LinearUnit = u ? { name: str(u, 0) ?? 'unknown', metres: numAt(u, 1) ?? NaN, epsg: epsgOf(u) } : METRE;
  if (!geog || !method || !(unit.metres > 0)) return null;
  const given = new Map(children(tree, 'PARAMETER').map((p) => [str(p, 0)?.toLowerCase() ?? '', numAt(p, 1)]));
  // One WKT1 name, two methods: the latitude tells the polar stereographic variants apart, a standard parallel ESRI's Mercators.
  if (method.id === 'polar_a' || method.id === 'polar_b') {
    method = methodById(Math.abs(Math.abs(given.get('latitude_of_origin') ?? 90) - 90) < 1e-10 ? 'polar_a' : 'polar_b');
  } else if (method.id === 'merc_1sp' && given.has('standard_parallel_1')) method = methodById('merc_2sp');
  const values: Record<string, number> = {};
  for (const spec of method.params) {
    const v = given.get(spec.wkt1.toLowerCase());
    values[spec.wkt1] = v ?? spec.default;
    given.delete(spec.wkt1.toLowerCase());
  }
  // A parameter the method does not have (or a default that is not its value) would be lost: no WKT2 then.
  for (const [name, v] of given) if (!(name === 'latitude_of_origin' && v === 0) && !(name === 'scale_factor' && v === 1)) return null;
  return { name: str(tree, 0) ?? 'unknown', geog, projection: { method, values }, unit, epsg: epsgOf(tree) };
}

/** The CRS's WKT1: what GeoPackage `definition` and the CSV provenance carry; null when the CRS has none. */
export function crsWkt(crs: CrsInfo): string | null {
  return crs.wkt ?? null;
}

/** The CRS's WKT2 (ISO 19162:2015, as GeoPackage's `definition_12_063` wants it), or null when it cannot be written. */
export function crsWkt2(crs: CrsInfo): string | null {
  const wkt = crsWkt(crs);
  const model = wkt ? modelFromWkt1(wkt) : null;
  if (!model) return null;
  // The writer's axes must be the CRS's (EPSG's northing-first CRSs, say, are not written rather than turned).
  const tree = parseTree(wkt!.trim())!;
  const axes = children(tree, 'AXIS').map((a) => (typeof a.args[1] === 'object' ? (a.args[1] as Node).keyword : ''));
  if (axes.length > 0 && axes.join() !== modelAxisDirections(model).join()) return null;
  // Without AXIS: GDAL leaves it out of an EPSG projected CRS's WKT1 where EPSG's order is not easting, northing (so it
  // is unknown), and out of EPSG geographic ones (latitude, longitude, as every EPSG geographic 2D CRS); ESRI's WKT
  // has none and means easting, northing (projected) or longitude, latitude (geographic, not written here).
  if (axes.length === 0 && (model.projection ? crs.epsg !== null : crs.epsg === null)) return null;
  if (crs.epsg !== null) model.epsg = crs.epsg;
  return modelWkt2(model);
}

/**
 * A CRS as its parts (geographic CRS, projection method and parameters, linear unit), read from GeoKeys (geokeys.ts)
 * or from WKT1 (wkt.ts), and written from one place as a PROJ string (what proj4js computes with), WKT1 and WKT2.
 * The methods and their parameters are the table in methods.ts.
 */
import proj4 from 'proj4';
import { methodById, type MethodSpec } from './methods.js';

export interface Ellipsoid {
  name: string;
  a: number;
  /** Inverse flattening; 0 for a sphere. */
  rf: number;
  epsg?: number;
}

export interface GeogModel {
  name: string;
  datum: string;
  ellipsoid: Ellipsoid;
  primeMeridian: { name: string; lon: number; epsg?: number };
  towgs84?: number[];
  /** EPSG code of this geographic CRS, and of its datum, when they have one. */
  epsg?: number;
  datumEpsg?: number;
}

export interface LinearUnit {
  name: string;
  metres: number;
  epsg?: number;
}

export interface ProjectionModel {
  method: MethodSpec;
  /** By the parameters' WKT1 names; lengths in the CRS's linear unit, angles in degrees. */
  values: Record<string, number>;
}

export interface CrsModel {
  name: string;
  geog: GeogModel;
  /** null for a geographic CRS. */
  projection: ProjectionModel | null;
  unit: LinearUnit;
  epsg?: number;
}

export const METRE: LinearUnit = { name: 'metre', metres: 1, epsg: 9001 };
const DEGREE = '0.0174532925199433';

const num = (v: number) => (Object.is(v, -0) ? '0' : String(v));
const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The method actually computed: GDAL and PROJ write Hotine B with azimuth and rectified grid angle 90° as Swiss Oblique Mercator. */
function isSwissOblique(p: ProjectionModel): boolean {
  return p.method.id === 'hom_b' && p.values.azimuth === 90 && p.values.rectified_grid_angle === 90;
}

/** Why proj4js cannot place coordinates in this CRS as PROJ does, or null. */
export function modelProblem(m: CrsModel): string | null {
  if (!m.projection) return null;
  const { method, values } = m.projection;
  const why = method.refused?.({ sphere: m.geog.ellipsoid.rf === 0 });
  if (why) return `projection method ${why}`;
  if (method.id === 'tmso' && (values.false_easting !== 0 || values.false_northing !== 0)) {
    return (
      'projection method Transverse Mercator (South Orientated) with a false easting or northing is not supported ' +
      '(nor by PROJ strings)'
    );
  }
  return null;
}

/** PROJ's ellipsoid names (proj4js has the same table), so a PROJ string names the ellipsoid as GDAL's does. */
const PROJ_ELLIPSOIDS = [
  'GRS80',
  'WGS84',
  'WGS72',
  'WGS66',
  'WGS60',
  'intl',
  'bessel',
  'bess_nam',
  'clrk66',
  'clrk80',
  'clrk80ign',
  'krass',
  'airy',
  'mod_airy',
  'aust_SA',
  'GRS67',
  'evrst30',
  'evrst48',
  'evrst56',
  'evrst69',
  'evrstSS',
  'helmert',
  'hough',
  'new_intl',
  'plessis',
  'SEasia',
  'walbeck',
  'fschr60',
  'fschr60m',
  'fschr68',
  'andrae',
  'delmbr',
  'engelis',
  'kaula',
  'lerch',
  'mprts',
  'CPM',
  'MERIT',
  'SGS85',
  'IAU76',
  'APL4.9',
  'NWL9D',
];
/** PROJ's (and proj4js's) prime meridian names. */
const PROJ_PRIME_MERIDIANS: Record<string, number> = {
  lisbon: -9.131906111111,
  paris: 2.337229166667,
  bogota: -74.080916666667,
  madrid: -3.687938888889,
  rome: 12.452333333333,
  bern: 7.439583333333,
  jakarta: 106.807719444444,
  ferro: -17.666666666667,
  brussels: 4.367975,
  stockholm: 18.058277777778,
  athens: 23.7163375,
  oslo: 10.722916666667,
};
/** PROJ ellipsoids proj4js 2.22 does not know: forProj4js (info.ts) spells them out as +a/+rf. */
export const ELLIPSOIDS_NOT_IN_PROJ4JS: Record<string, [number, number]> = {
  WGS72: [6378135, 298.26],
  WGS66: [6378145, 298.25],
  WGS60: [6378165, 298.3],
};
let ellipsoidTable: { name: string; a: number; b: number }[] | null = null;

/** The PROJ name of an ellipsoid with these axes (to 0.1 mm), or null. */
function projEllipsoidName(a: number, rf: number): string | null {
  ellipsoidTable ??= PROJ_ELLIPSOIDS.flatMap((name) => {
    const extra = ELLIPSOIDS_NOT_IN_PROJ4JS[name];
    if (extra) return [{ name, a: extra[0], b: extra[0] - extra[0] / extra[1] }];
    try {
      const p = new proj4.Proj(`+proj=longlat +ellps=${name}`) as unknown as { a: number; b: number };
      return [{ name, a: p.a, b: p.b }];
    } catch {
      return [];
    }
  });
  const b = a - a / rf;
  return ellipsoidTable.find((e) => Math.abs(e.a - a) < 1e-4 && Math.abs(e.b - b) < 1e-4)?.name ?? null;
}

/** The datum and ellipsoid part of a PROJ string. */
function proj4Datum(g: GeogModel): string {
  const e = g.ellipsoid;
  const named = e.rf === 0 ? null : projEllipsoidName(e.a, e.rf);
  const parts = [e.rf === 0 ? `+R=${num(e.a)}` : named ? `+ellps=${named}` : `+a=${num(e.a)} +rf=${num(e.rf)}`];
  if (g.towgs84) parts.push(`+towgs84=${g.towgs84.map(num).join(',')}`);
  if (g.primeMeridian.lon !== 0) {
    const named = Object.entries(PROJ_PRIME_MERIDIANS).find(([, lon]) => Math.abs(lon - g.primeMeridian.lon) < 1e-8)?.[0];
    parts.push(`+pm=${named ?? num(g.primeMeridian.lon)}`);
  }
  return parts.join(' ');
}

function proj4Units(u: LinearUnit): string {
  if (u.metres === 1) return '+units=m';
  if (u.epsg === 9003) return '+units=us-ft';
  if (u.epsg === 9002) return '+units=ft';
  return `+to_meter=${num(u.metres)}`;
}

/** The PROJ string of a CRS (a datum with an EPSG code gets its shift from select.ts, so it states none). */
export function modelProj4(m: CrsModel): string {
  const datum = proj4Datum(m.geog);
  if (!m.projection) return `+proj=longlat ${datum} +no_defs`;
  const p = m.projection;
  const v = p.values;
  const metres = (x: number) => x * m.unit.metres;
  const out: string[] = [];
  if (isSwissOblique(p)) {
    out.push('+proj=somerc', `+lat_0=${num(v.latitude_of_center)}`, `+lon_0=${num(v.longitude_of_center)}`);
    out.push(`+k_0=${num(v.scale_factor)}`, `+x_0=${num(metres(v.false_easting))}`, `+y_0=${num(metres(v.false_northing))}`);
  } else {
    out.push(`+proj=${p.method.proj}`);
    if (p.method.projExtra) out.push(p.method.projExtra);
    if (p.method.id === 'polar_b') out.push(`+lat_0=${v.latitude_of_origin < 0 ? -90 : 90}`);
    for (const spec of p.method.params) {
      if (!spec.proj) continue;
      const value = v[spec.wkt1];
      out.push(`+${spec.proj}=${num(spec.kind === 'length' ? metres(value) : value)}`);
    }
    if (p.method.id === 'lcc_1sp') out.push(`+lat_1=${num(v.latitude_of_origin)}`);
  }
  return [...out, datum, proj4Units(m.unit), '+no_defs'].join(' ');
}

const authority = (code: number | undefined) => (code ? `,AUTHORITY["EPSG","${code}"]` : '');

function wkt1Geog(g: GeogModel, root: boolean): string {
  const e = g.ellipsoid;
  const towgs84 = g.towgs84 ? `,TOWGS84[${g.towgs84.map(num).join(',')}]` : '';
  const spheroid = `SPHEROID[${q(e.name)},${num(e.a)},${num(e.rf)}${authority(e.epsg)}]`;
  const datum = `DATUM[${q(g.datum)},${spheroid}${towgs84}${authority(g.datumEpsg)}]`;
  const pm = `PRIMEM[${q(g.primeMeridian.name)},${num(g.primeMeridian.lon)}${authority(g.primeMeridian.epsg)}]`;
  const axes = root ? ',AXIS["Latitude",NORTH],AXIS["Longitude",EAST]' : '';
  return `GEOGCS[${q(g.name)},${datum},${pm},UNIT["degree",${DEGREE},AUTHORITY["EPSG","9122"]]${axes}${authority(g.epsg)}]`;
}

type Axes = 'en' | 'ws' | 'north pole' | 'south pole';

/** Axes of the projected CS as GDAL writes them: polar aspects point towards the pole, south-oriented ones west and south. */
function axesOf(p: ProjectionModel): Axes {
  const id = p.method.id;
  if (id === 'tmso') return 'ws';
  const lat = id === 'polar_a' || id === 'polar_b' ? p.values.latitude_of_origin : id === 'laea' ? p.values.latitude_of_center : 0;
  if (id === 'polar_b' || Math.abs(lat) === 90) return lat > 0 ? 'north pole' : 'south pole';
  return 'en';
}

const WKT1_AXES: Record<Axes, string> = {
  en: 'AXIS["Easting",EAST],AXIS["Northing",NORTH]',
  ws: 'AXIS["Easting",WEST],AXIS["Northing",SOUTH]',
  'north pole': 'AXIS["Easting",SOUTH],AXIS["Northing",SOUTH]',
  'south pole': 'AXIS["Easting",NORTH],AXIS["Northing",NORTH]',
};

/** The axis directions the WKT1 and WKT2 writers give a CRS, e.g. ['EAST', 'NORTH']. */
export function modelAxisDirections(m: CrsModel): string[] {
  if (!m.projection) return ['NORTH', 'EAST'];
  return [...WKT1_AXES[axesOf(m.projection)].matchAll(/,(\w+)\]/g)].map((x) => x[1]);
}

function wkt2Axes(axes: Axes, unit: string): string {
  const meridian = (deg: number) => `MERIDIAN[${deg},${ANGLE2}],`;
  const [e, n, me, mn] =
    axes === 'en'
      ? ['east', 'north', '', '']
      : axes === 'ws'
        ? ['west', 'south', '', '']
        : axes === 'north pole'
          ? ['south', 'south', meridian(90), meridian(180)]
          : ['north', 'north', meridian(90), meridian(0)];
  return `AXIS["easting",${e},${me}ORDER[1],${unit}],AXIS["northing",${n},${mn}ORDER[2],${unit}]`;
}

/** WKT1 (OGC, as GDAL writes it) of a CRS. */
export function modelWkt1(m: CrsModel): string {
  if (!m.projection) return wkt1Geog(m.geog, true);
  const p = m.projection;
  const params = p.method.params.map((s) => `PARAMETER[${q(s.wkt1)},${num(p.values[s.wkt1])}]`).join(',');
  const unit = `UNIT[${q(m.unit.name)},${num(m.unit.metres)}${authority(m.unit.epsg)}]`;
  const axes = WKT1_AXES[axesOf(p)];
  return `PROJCS[${q(m.name)},${wkt1Geog(m.geog, false)},PROJECTION[${q(p.method.wkt1)}],${params},${unit},${axes}${authority(m.epsg)}]`;
}

const id2 = (code: number | undefined) => (code ? `,ID["EPSG",${code}]` : '');
const ANGLE2 = `ANGLEUNIT["degree",${DEGREE},ID["EPSG",9122]]`;

function wkt2Datum(g: GeogModel): string {
  const e = g.ellipsoid;
  const ellipsoid = `ELLIPSOID[${q(e.name)},${num(e.a)},${num(e.rf)},LENGTHUNIT["metre",1]${id2(e.epsg)}]`;
  const datum = `DATUM[${q(g.datum)},${ellipsoid}${id2(g.datumEpsg)}]`;
  return `${datum},PRIMEM[${q(g.primeMeridian.name)},${num(g.primeMeridian.lon)},${ANGLE2}${id2(g.primeMeridian.epsg)}]`;
}

/** WKT2 (ISO 19162:2015 / OGC 12-063r5, as the GeoPackage CRS WKT extension asks) of a CRS; its TOWGS84 as a BOUNDCRS. */
export function modelWkt2(m: CrsModel): string {
  const unit2 = `LENGTHUNIT[${q(m.unit.name)},${num(m.unit.metres)}${id2(m.unit.epsg)}]`;
  let crs: string;
  if (!m.projection) {
    const cs = `CS[ellipsoidal,2],AXIS["latitude",north,ORDER[1],${ANGLE2}],AXIS["longitude",east,ORDER[2],${ANGLE2}]`;
    crs = `GEODCRS[${q(m.geog.name)},${wkt2Datum(m.geog)},${cs}${id2(m.geog.epsg)}]`;
  } else {
    const p = m.projection;
    const method = p.method;
    const params = method.params
      .map((s) => {
        const value = num(p.values[s.wkt1]);
        const u = s.kind === 'angle' ? ANGLE2 : s.kind === 'scale' ? 'SCALEUNIT["unity",1]' : unit2;
        return `PARAMETER[${q(s.wkt2)},${value},${u}${id2(s.epsg)}]`;
      })
      .join(',');
    const conversion = `CONVERSION["unnamed",METHOD[${q(method.wkt2)}${id2(method.epsg)}],${params}]`;
    const base = `BASEGEODCRS[${q(m.geog.name)},${wkt2Datum(m.geog)}${id2(m.geog.epsg)}]`;
    const axes = wkt2Axes(axesOf(p), unit2);
    crs = `PROJCRS[${q(m.name)},${base},${conversion},CS[Cartesian,2],${axes}${id2(m.epsg)}]`;
  }
  const t = m.geog.towgs84;
  if (!t || m.geog.epsg === 4326) return crs;
  const wgs84 =
    'GEODCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],' +
    `PRIMEM["Greenwich",0,${ANGLE2}],CS[ellipsoidal,2],AXIS["latitude",north,ORDER[1],${ANGLE2}],` +
    `AXIS["longitude",east,ORDER[2],${ANGLE2}],ID["EPSG",4326]]`;
  // As PROJ writes an abridged transformation: no units (metres, arc-seconds) and the scale as a factor, 1 + ppm·1e-6.
  const names = ['X-axis translation', 'Y-axis translation', 'Z-axis translation', 'X-axis rotation', 'Y-axis rotation', 'Z-axis rotation'];
  const values = [...t, 0, 0, 0, 0, 0, 0, 0].slice(0, 7);
  const params = [...names, 'Scale difference'].map((name, i) => {
    const value = i === 6 ? 1 + values[6] * 1e-6 : values[i];
    return `PARAMETER[${q(name)},${num(value)},ID["EPSG",${8605 + i}]]`;
  });
  const method = 'METHOD["Position Vector transformation (geog2D domain)",ID["EPSG",9606]]';
  return `BOUNDCRS[SOURCECRS[${crs}],TARGETCRS[${wgs84}],ABRIDGEDTRANSFORMATION["Transformation to WGS84",${method},${params.join(',')}]]`;
}

export { methodById };

/**
 * A user-defined CRS from a GeoTIFF's GeoKeys as GDAL reads them (libgeotiff's GTIFGetDefn and GDAL's
 * gt_wkt_srs.cpp are the reference): the geographic CRS (an EPSG code, or datum, ellipsoid and prime meridian from
 * their keys), the projection (ProjCoordTransGeoKey and the parameter keys of methods.ts, or a UTM ProjectionGeoKey)
 * and the linear unit.
 */
import { lookupEpsg } from './epsg.js';
import { METHODS, UNSUPPORTED_CT, methodById, type MethodSpec } from './methods.js';
import { METRE, type CrsModel, type Ellipsoid, type GeogModel, type LinearUnit } from './model.js';

const USER_DEFINED = 32767;
const isCode = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < USER_DEFINED;
const numberKey = (keys: Record<string, unknown>, k: string): number | undefined => {
  const v = keys[k];
  const n = Array.isArray(v) ? v[0] : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** EPSG ellipsoids GDAL may name by code alone (the others come with their axes in the file). */
const ELLIPSOIDS: Record<number, [string, number, number]> = {
  7001: ['Airy 1830', 6377563.396, 299.3249646],
  7004: ['Bessel 1841', 6377397.155, 299.1528128],
  7008: ['Clarke 1866', 6378206.4, 294.978698213898],
  7012: ['Clarke 1880 (RGS)', 6378249.145, 293.465],
  7019: ['GRS 1980', 6378137, 298.257222101],
  7022: ['International 1924', 6378388, 297],
  7024: ['Krassowsky 1940', 6378245, 298.3],
  7030: ['WGS 84', 6378137, 298.257223563],
  7043: ['WGS 72', 6378135, 298.26],
};

const PRIME_MERIDIANS: Record<number, [string, number]> = {
  8901: ['Greenwich', 0],
  8902: ['Lisbon', -9.0754862],
  8903: ['Paris', 2.33722917],
  8904: ['Bogota', -74.08091667],
  8905: ['Madrid', -3.687938888888889],
  8906: ['Rome', 12.45233333333333],
  8907: ['Bern', 7.439583333333333],
  8908: ['Jakarta', 106.8077194444444],
  8909: ['Ferro', -17.66666666666667],
  8910: ['Brussels', 4.367975],
  8911: ['Stockholm', 18.05827777777778],
  8912: ['Athens', 23.7163375],
  8913: ['Oslo', 10.72291666666667],
};

const LINEAR_UNITS: Record<number, LinearUnit> = {
  9001: METRE,
  9002: { name: 'foot', metres: 0.3048, epsg: 9002 },
  9003: { name: 'US survey foot', metres: 0.304800609601219, epsg: 9003 },
  9005: { name: "Clarke's foot", metres: 0.3047972654, epsg: 9005 },
  9014: { name: 'fathom', metres: 1.8288, epsg: 9014 },
  9030: { name: 'nautical mile', metres: 1852, epsg: 9030 },
  9036: { name: 'kilometre', metres: 1000, epsg: 9036 },
  9037: { name: "Clarke's yard", metres: 0.9143917962, epsg: 9037 },
  9040: { name: 'British yard (Sears 1922)', metres: 0.914398414616029, epsg: 9040 },
  9042: { name: 'British chain (Sears 1922)', metres: 20.1167651215526, epsg: 9042 },
  9084: { name: 'Indian yard', metres: 0.914398530744441, epsg: 9084 },
  9093: { name: 'Statute mile', metres: 1609.344, epsg: 9093 },
};

/** Degrees per unit of GeogAngularUnitsGeoKey (GeoTIFF stores projection angles in it). */
function degreesPerAngleUnit(keys: Record<string, unknown>): number | null {
  const code = keys.GeogAngularUnitsGeoKey;
  if (code === undefined || code === 9102 || code === 9122 || code === USER_DEFINED) {
    const size = numberKey(keys, 'GeogAngularUnitSizeGeoKey');
    return code === USER_DEFINED && size ? (size * 180) / Math.PI : 1;
  }
  if (code === 9101) return 180 / Math.PI;
  if (code === 9105 || code === 9106) return 0.9;
  return null;
}

/** "GCS Name = X|Datum = Y|Ellipsoid = Z|Primem = W|" as GDAL packs GeogCitationGeoKey, or the plain text as the name. */
function geogCitation(keys: Record<string, unknown>): Record<string, string> {
  const text = typeof keys.GeogCitationGeoKey === 'string' ? keys.GeogCitationGeoKey : '';
  const out: Record<string, string> = {};
  if (!text.includes('=')) {
    if (text.trim()) out['GCS Name'] = text.replace(/\|+$/, '').trim();
    return out;
  }
  for (const part of text.split('|')) {
    const m = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The geographic CRS, from its EPSG code (the bundled index's WKT) or from the datum keys. */
function geogFromKeys(keys: Record<string, unknown>): { geog: GeogModel } | null {
  const gcs = keys.GeographicTypeGeoKey;
  const datumCode = keys.GeogGeodeticDatumGeoKey;
  // A user-defined GCS on an EPSG datum is that datum's GCS (EPSG numbers datum 6xxx's GCS 4xxx).
  const code = isCode(gcs) ? gcs : isCode(datumCode) && datumCode >= 6000 && datumCode < 7000 ? datumCode - 2000 : null;
  if (code !== null) {
    const entry = lookupEpsg(code);
    if (entry?.kind === 'CRS-GEOGCRS' && entry.proj4 && entry.wkt) {
      const parsed = geogFromEpsgWkt(entry.wkt, code);
      if (parsed && (code === gcs || entry.wkt.includes(`AUTHORITY["EPSG","${String(datumCode)}"]`))) {
        // The datum shift is PROJ's choice for the point (select.ts, by the geographic code), as for EPSG CRSs.
        delete parsed.towgs84;
        return { geog: parsed };
      }
    }
    if (code === gcs) return null;
  }
  const cite = geogCitation(keys);
  let a = numberKey(keys, 'GeogSemiMajorAxisGeoKey');
  let rf = numberKey(keys, 'GeogInvFlatteningGeoKey');
  const b = numberKey(keys, 'GeogSemiMinorAxisGeoKey');
  const ellCode = keys.GeogEllipsoidGeoKey;
  const known = isCode(ellCode) ? ELLIPSOIDS[ellCode] : undefined;
  let ellName = cite.Ellipsoid;
  if (a === undefined && known) [ellName, a, rf] = known;
  if (a === undefined || !(a > 0)) return null;
  if (rf === undefined) rf = b !== undefined && b > 0 ? (b === a ? 0 : a / (a - b)) : known ? known[2] : undefined;
  if (rf === undefined || !(rf >= 0)) return null;
  const ellipsoid: Ellipsoid = { name: ellName ?? known?.[0] ?? 'unknown', a, rf };
  if (isCode(ellCode) && known && known[1] === a) ellipsoid.epsg = ellCode;
  const pmCode = keys.GeogPrimeMeridianGeoKey;
  const pmLon = numberKey(keys, 'GeogPrimeMeridianLongGeoKey');
  const pmKnown = isCode(pmCode) ? PRIME_MERIDIANS[pmCode] : undefined;
  const lon = pmLon ?? pmKnown?.[1] ?? 0;
  const pmName = cite.Primem ?? pmKnown?.[0] ?? (lon === 0 ? 'Greenwich' : 'unknown');
  const geog: GeogModel = {
    name: cite['GCS Name'] ?? 'unknown',
    datum: cite.Datum ?? 'unknown',
    ellipsoid,
    primeMeridian: { name: pmName, lon },
  };
  const raw = keys.GeogTOWGS84GeoKey as ArrayLike<unknown> | undefined;
  const towgs84 = raw && typeof raw === 'object' ? Array.from(raw) : [];
  if ((towgs84.length === 3 || towgs84.length === 7) && towgs84.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    // GDAL reads three translations as the seven-parameter form with zero rotations and scale.
    geog.towgs84 = [...(towgs84 as number[]), 0, 0, 0, 0].slice(0, 7);
  }
  return { geog };
}

/** The parts of an EPSG index GEOGCS WKT1 (names, ellipsoid, prime meridian, TOWGS84), for writing WKT from them. */
function geogFromEpsgWkt(wkt: string, code: number): GeogModel | null {
  const name = /^GEOGCS\["([^"]*)"/.exec(wkt)?.[1];
  const datum = /DATUM\["([^"]*)"/.exec(wkt)?.[1];
  const sph = /SPHEROID\["([^"]*)",([-+0-9.eE]+),([-+0-9.eE]+)/.exec(wkt);
  const pm = /PRIMEM\["([^"]*)",([-+0-9.eE]+)/.exec(wkt);
  if (name === undefined || datum === undefined || !sph || !pm) return null;
  const geog: GeogModel = {
    name,
    datum,
    ellipsoid: { name: sph[1], a: Number(sph[2]), rf: Number(sph[3]) },
    primeMeridian: { name: pm[1], lon: Number(pm[2]) },
    epsg: code,
  };
  const datumCode = /DATUM\[.*?\]\],?(?:TOWGS84\[[^\]]*\],?)?(?:EXTENSION\[[^\]]*\],?)?AUTHORITY\["EPSG","(\d+)"\]/.exec(wkt)?.[1];
  if (datumCode) geog.datumEpsg = Number(datumCode);
  const t = /TOWGS84\[([^\]]*)\]/.exec(wkt)?.[1];
  if (t) geog.towgs84 = t.split(',').map(Number);
  return geog;
}

function linearUnit(keys: Record<string, unknown>): LinearUnit | null {
  const code = keys.ProjLinearUnitsGeoKey;
  if (code === undefined) return METRE;
  if (code === USER_DEFINED) {
    const size = numberKey(keys, 'ProjLinearUnitSizeGeoKey');
    return size && size > 0 ? { name: 'unknown', metres: size } : null;
  }
  return isCode(code) ? (LINEAR_UNITS[code] ?? null) : null;
}

export type GeoKeysReading = { model: CrsModel } | { problem: string } | null;

/**
 * The CRS of user-defined GeoKeys, a problem naming what cannot be read (an unknown projection method), or null
 * when these keys are outside this reader (an EPSG projection code other than UTM, an unknown unit or datum code):
 * the caller then uses its other reader.
 */
export function modelFromGeoKeys(keys: Record<string, unknown>, projected: boolean): GeoKeysReading {
  const g = geogFromKeys(keys);
  if (!g) return null;
  const citation = typeof keys.GTCitationGeoKey === 'string' ? keys.GTCitationGeoKey : undefined;
  if (!projected) {
    const model: CrsModel = { name: g.geog.name, geog: g.geog, projection: null, unit: METRE };
    return { model };
  }
  const unit = linearUnit(keys);
  const toDegrees = degreesPerAngleUnit(keys);
  if (!unit || toDegrees === null) return null;
  const pcsName = typeof keys.PCSCitationGeoKey === 'string' ? keys.PCSCitationGeoKey : citation;
  const name = pcsName && !pcsName.startsWith('ESRI PE') ? pcsName.replace(/\|+$/, '').trim() || 'unknown' : 'unknown';

  const projection = keys.ProjectionGeoKey;
  let method: MethodSpec | undefined;
  let values: Record<string, number>;
  if (isCode(projection)) {
    // UTM zones (EPSG conversions 16001–16060 north, 16101–16160 south); other EPSG conversions: the caller's reader.
    const zone =
      projection >= 16001 && projection <= 16060 ? projection - 16000 : projection >= 16101 && projection <= 16160 ? projection - 16100 : 0;
    if (!zone) return null;
    method = methodById('tm');
    values = {
      latitude_of_origin: 0,
      central_meridian: zone * 6 - 183,
      scale_factor: 0.9996,
      false_easting: 500000 / unit.metres,
      false_northing: (projection > 16100 ? 10000000 : 0) / unit.metres,
    };
  } else {
    const ct = keys.ProjCoordTransGeoKey;
    if (typeof ct !== 'number') return { problem: 'the GeoKeys name no projection method (ProjCoordTransGeoKey is missing)' };
    const unsupported = UNSUPPORTED_CT.get(ct);
    if (unsupported) return { problem: `projection method ${unsupported} is not supported` };
    const candidates = METHODS.filter((m) => m.ct === ct);
    if (candidates.length === 0) return { problem: `projection method ${ct} (ProjCoordTransGeoKey) is unknown` };
    if (ct === 7) method = methodById(keys.ProjStdParallel1GeoKey !== undefined ? 'merc_2sp' : 'merc_1sp');
    else if (ct === 15) {
      const lat = numberKey(keys, 'ProjNatOriginLatGeoKey') ?? 90;
      method = methodById(Math.abs(Math.abs(lat * toDegrees) - 90) < 1e-10 ? 'polar_a' : 'polar_b');
    } else method = candidates[0];
    values = {};
    for (const spec of method.params) {
      const key = spec.keys.find((k) => numberKey(keys, k) !== undefined);
      const raw = key === undefined ? spec.default : numberKey(keys, key)!;
      values[spec.wkt1] = spec.kind === 'angle' && key !== undefined ? raw * toDegrees : raw;
    }
  }
  return { model: { name, geog: g.geog, projection: { method, values }, unit } };
}

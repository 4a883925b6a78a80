/**
 * The one table of projection methods: how each is written in GeoTIFF GeoKeys (its ProjCoordTransGeoKey code and the
 * keys GDAL/libgeotiff read its parameters from, first found wins), in WKT1 (OGC names, as GDAL writes them), in WKT2
 * (the EPSG method and parameter names and codes, as PROJ writes them) and as a PROJ string (what proj4js is given).
 * GDAL's GeoKeys ↔ CRS mapping (frmts/gtiff/gt_wkt_srs.cpp, libgeotiff's geo_normalize.c) is the reference.
 *
 * A method proj4js cannot compute as PROJ does is listed with `refused`: it is read, so its WKT can be written, but
 * positions are refused in one line naming it rather than placed wrongly.
 */

export type ParamKind = 'angle' | 'scale' | 'length';

export interface ParamSpec {
  /** WKT1 (OGC) parameter name, as GDAL writes it; the key of `ProjectionModel.params`. */
  wkt1: string;
  /** WKT2 name and EPSG parameter code (0: none). */
  wkt2: string;
  epsg: number;
  kind: ParamKind;
  /** GeoKeys GDAL reads the value from, the first present one wins. */
  keys: readonly string[];
  /** The PROJ string key (null: not written, e.g. a parameter PROJ fixes). */
  proj: string | null;
  default: number;
}

export interface MethodSpec {
  id: string;
  /** ProjCoordTransGeoKey value (null: GDAL does not write it as GeoKeys). */
  ct: number | null;
  wkt1: string;
  /** Other WKT1 spellings read (ESRI's). */
  aliases?: readonly string[];
  wkt2: string;
  epsg: number;
  proj: string;
  /** Fixed PROJ string flags, e.g. '+no_uoff'. */
  projExtra?: string;
  params: readonly ParamSpec[];
  /** Why positions in this method are refused (proj4js cannot compute it as PROJ does), or undefined. */
  refused?: (model: { sphere: boolean }) => string | undefined;
}

// GeoKey fallbacks, as libgeotiff's GTIFFetchProjParms reads them.
const NAT_LAT = ['ProjNatOriginLatGeoKey', 'ProjFalseOriginLatGeoKey', 'ProjCenterLatGeoKey'];
const NAT_LON = ['ProjNatOriginLongGeoKey', 'ProjFalseOriginLongGeoKey', 'ProjCenterLongGeoKey'];
const CENTER_LAT = ['ProjCenterLatGeoKey', 'ProjNatOriginLatGeoKey', 'ProjFalseOriginLatGeoKey'];
const CENTER_LON = ['ProjCenterLongGeoKey', 'ProjNatOriginLongGeoKey', 'ProjFalseOriginLongGeoKey'];
const FALSE_LAT = ['ProjFalseOriginLatGeoKey', 'ProjNatOriginLatGeoKey', 'ProjCenterLatGeoKey'];
const FALSE_LON = ['ProjFalseOriginLongGeoKey', 'ProjNatOriginLongGeoKey', 'ProjCenterLongGeoKey'];
const POLE_LON = ['ProjStraightVertPoleLongGeoKey', 'ProjNatOriginLongGeoKey', 'ProjFalseOriginLongGeoKey', 'ProjCenterLongGeoKey'];
const NAT_K = ['ProjScaleAtNatOriginGeoKey', 'ProjScaleAtCenterGeoKey'];
const CENTER_K = ['ProjScaleAtCenterGeoKey', 'ProjScaleAtNatOriginGeoKey'];
const FE = ['ProjFalseEastingGeoKey', 'ProjFalseOriginEastingGeoKey', 'ProjCenterEastingGeoKey'];
const FN = ['ProjFalseNorthingGeoKey', 'ProjFalseOriginNorthingGeoKey', 'ProjCenterNorthingGeoKey'];
const FALSE_E = ['ProjFalseOriginEastingGeoKey', 'ProjFalseEastingGeoKey', 'ProjCenterEastingGeoKey'];
const FALSE_N = ['ProjFalseOriginNorthingGeoKey', 'ProjFalseNorthingGeoKey', 'ProjCenterNorthingGeoKey'];
const SP1 = ['ProjStdParallel1GeoKey'];
const SP2 = ['ProjStdParallel2GeoKey'];

function p(wkt1: string, wkt2: string, epsg: number, kind: ParamKind, keys: readonly string[], proj: string | null, def = 0): ParamSpec {
  return { wkt1, wkt2, epsg, kind, keys, proj, default: def };
}

const fe = (wkt2 = 'False easting', epsg = 8806) => p('false_easting', wkt2, epsg, 'length', FE, 'x_0');
const fn = (wkt2 = 'False northing', epsg = 8807) => p('false_northing', wkt2, epsg, 'length', FN, 'y_0');
const natLat = (wkt1 = 'latitude_of_origin', keys = NAT_LAT) => p(wkt1, 'Latitude of natural origin', 8801, 'angle', keys, 'lat_0');
const natLon = (wkt1 = 'central_meridian', keys = NAT_LON) => p(wkt1, 'Longitude of natural origin', 8802, 'angle', keys, 'lon_0');
const natK = (keys = NAT_K) => p('scale_factor', 'Scale factor at natural origin', 8805, 'scale', keys, 'k_0', 1);
/** Conic methods with a false origin (LCC 2SP, Albers, equidistant conic). */
const conic = (
  latKeys: readonly string[],
  lonKeys: readonly string[],
  e: readonly string[],
  n: readonly string[],
  lat = 'latitude_of_origin',
) => [
  p('standard_parallel_1', 'Latitude of 1st standard parallel', 8823, 'angle', SP1, 'lat_1'),
  p('standard_parallel_2', 'Latitude of 2nd standard parallel', 8824, 'angle', SP2, 'lat_2'),
  p(lat, 'Latitude of false origin', 8821, 'angle', latKeys, 'lat_0'),
  p(
    lat === 'latitude_of_origin' ? 'central_meridian' : 'longitude_of_center',
    'Longitude of false origin',
    8822,
    'angle',
    lonKeys,
    'lon_0',
  ),
  p('false_easting', 'Easting at false origin', 8826, 'length', e, 'x_0'),
  p('false_northing', 'Northing at false origin', 8827, 'length', n, 'y_0'),
];
const hotine = (variantB: boolean) => [
  p('latitude_of_center', 'Latitude of projection centre', 8811, 'angle', CENTER_LAT, 'lat_0'),
  p('longitude_of_center', 'Longitude of projection centre', 8812, 'angle', CENTER_LON, 'lonc'),
  p('azimuth', 'Azimuth of initial line', 8813, 'angle', ['ProjAzimuthAngleGeoKey'], 'alpha'),
  p('rectified_grid_angle', 'Angle from Rectified to Skew Grid', 8814, 'angle', ['ProjRectifiedGridAngleGeoKey'], 'gamma', 90),
  p('scale_factor', 'Scale factor on initial line', 8815, 'scale', CENTER_K, 'k', 1),
  variantB ? p('false_easting', 'Easting at projection centre', 8816, 'length', FE, 'x_0') : fe(),
  variantB ? p('false_northing', 'Northing at projection centre', 8817, 'length', FN, 'y_0') : fn(),
];
const ellipsoidalNotInProj4js = (name: string) => (m: { sphere: boolean }) =>
  m.sphere ? undefined : `${name} on an ellipsoid is not supported (proj4js computes it on a sphere only, PROJ on the ellipsoid)`;

export const METHODS: readonly MethodSpec[] = [
  {
    id: 'tm',
    ct: 1,
    wkt1: 'Transverse_Mercator',
    aliases: ['Gauss_Kruger'],
    wkt2: 'Transverse Mercator',
    epsg: 9807,
    proj: 'tmerc',
    params: [natLat(), natLon(), natK(), fe(), fn()],
  },
  {
    id: 'tmso',
    ct: 27,
    wkt1: 'Transverse_Mercator_South_Orientated',
    wkt2: 'Transverse Mercator (South Orientated)',
    epsg: 9808,
    proj: 'tmerc',
    projExtra: '+axis=wsu',
    params: [natLat(), natLon(), natK(), fe('False easting'), fn('False northing')],
  },
  {
    id: 'hom_a',
    ct: 3,
    wkt1: 'Hotine_Oblique_Mercator',
    wkt2: 'Hotine Oblique Mercator (variant A)',
    epsg: 9812,
    proj: 'omerc',
    projExtra: '+no_uoff',
    params: hotine(false),
  },
  {
    id: 'hom_b',
    ct: 9815,
    wkt1: 'Hotine_Oblique_Mercator_Azimuth_Center',
    wkt2: 'Hotine Oblique Mercator (variant B)',
    epsg: 9815,
    proj: 'omerc',
    params: hotine(true),
  },
  {
    id: 'laborde',
    ct: 4,
    wkt1: 'Laborde_Oblique_Mercator',
    wkt2: 'Laborde Oblique Mercator',
    epsg: 9813,
    proj: 'labrd',
    params: [
      p('latitude_of_center', 'Latitude of projection centre', 8811, 'angle', CENTER_LAT, 'lat_0'),
      p('longitude_of_center', 'Longitude of projection centre', 8812, 'angle', CENTER_LON, 'lon_0'),
      p('azimuth', 'Azimuth of initial line', 8813, 'angle', ['ProjAzimuthAngleGeoKey'], 'azi'),
      p('scale_factor', 'Scale factor on initial line', 8815, 'scale', CENTER_K, 'k', 1),
      fe(),
      fn(),
    ],
    refused: () => 'Laborde Oblique Mercator is not supported (proj4js has no labrd projection)',
  },
  {
    // Variant A's natural origin is on the equator (PROJ's merc has no lat_0).
    id: 'merc_1sp',
    ct: 7,
    wkt1: 'Mercator_1SP',
    aliases: ['Mercator'],
    wkt2: 'Mercator (variant A)',
    epsg: 9804,
    proj: 'merc',
    params: [{ ...natLat(), proj: null }, natLon(), natK(), fe(), fn()],
  },
  {
    id: 'merc_2sp',
    ct: 7,
    wkt1: 'Mercator_2SP',
    wkt2: 'Mercator (variant B)',
    epsg: 9805,
    proj: 'merc',
    params: [p('standard_parallel_1', 'Latitude of 1st standard parallel', 8823, 'angle', SP1, 'lat_ts'), natLon(), fe(), fn()],
  },
  {
    id: 'lcc_1sp',
    ct: 9,
    wkt1: 'Lambert_Conformal_Conic_1SP',
    wkt2: 'Lambert Conic Conformal (1SP)',
    epsg: 9801,
    proj: 'lcc',
    params: [natLat(), natLon(), natK(), fe(), fn()],
  },
  {
    id: 'lcc_2sp',
    ct: 8,
    wkt1: 'Lambert_Conformal_Conic_2SP',
    aliases: ['Lambert_Conformal_Conic'],
    wkt2: 'Lambert Conic Conformal (2SP)',
    epsg: 9802,
    proj: 'lcc',
    params: conic(FALSE_LAT, FALSE_LON, FALSE_E, FALSE_N),
  },
  {
    id: 'laea',
    ct: 10,
    wkt1: 'Lambert_Azimuthal_Equal_Area',
    wkt2: 'Lambert Azimuthal Equal Area',
    epsg: 9820,
    proj: 'laea',
    params: [natLat('latitude_of_center', CENTER_LAT), natLon('longitude_of_center', CENTER_LON), fe(), fn()],
  },
  {
    id: 'aea',
    ct: 11,
    wkt1: 'Albers_Conic_Equal_Area',
    aliases: ['Albers'],
    wkt2: 'Albers Equal Area',
    epsg: 9822,
    proj: 'aea',
    params: conic(NAT_LAT, NAT_LON, FE, FN, 'latitude_of_center'),
  },
  {
    // PROJ 9.1 (GDAL 3.6) names the ellipsoidal form EPSG's Modified Azimuthal Equidistant.
    id: 'aeqd',
    ct: 12,
    wkt1: 'Azimuthal_Equidistant',
    wkt2: 'Modified Azimuthal Equidistant',
    epsg: 9832,
    proj: 'aeqd',
    params: [natLat('latitude_of_center', CENTER_LAT), natLon('longitude_of_center', CENTER_LON), fe(), fn()],
  },
  {
    // PROJ 9.1 writes it with a natural origin and no EPSG code.
    id: 'eqdc',
    ct: 13,
    wkt1: 'Equidistant_Conic',
    wkt2: 'Equidistant Conic',
    epsg: 0,
    proj: 'eqdc',
    params: [
      p('standard_parallel_1', 'Latitude of 1st standard parallel', 8823, 'angle', SP1, 'lat_1'),
      p('standard_parallel_2', 'Latitude of 2nd standard parallel', 8824, 'angle', SP2, 'lat_2'),
      natLat('latitude_of_center'),
      natLon('longitude_of_center'),
      fe(),
      fn(),
    ],
  },
  {
    id: 'stere',
    ct: 14,
    wkt1: 'Stereographic',
    wkt2: 'Stereographic',
    epsg: 0,
    proj: 'stere',
    params: [natLat('latitude_of_origin', CENTER_LAT), natLon('central_meridian', CENTER_LON), natK(), fe(), fn()],
  },
  {
    // GeoTIFF has one code for both variants: a natural origin latitude of ±90 is variant A, any other is B's standard parallel.
    id: 'polar_a',
    ct: 15,
    wkt1: 'Polar_Stereographic',
    wkt2: 'Polar Stereographic (variant A)',
    epsg: 9810,
    proj: 'stere',
    params: [natLat(), natLon('central_meridian', POLE_LON), natK(), fe(), fn()],
  },
  {
    id: 'polar_b',
    ct: 15,
    wkt1: 'Polar_Stereographic',
    wkt2: 'Polar Stereographic (variant B)',
    epsg: 9829,
    proj: 'stere',
    params: [
      p('latitude_of_origin', 'Latitude of standard parallel', 8832, 'angle', NAT_LAT, 'lat_ts'),
      p('central_meridian', 'Longitude of origin', 8833, 'angle', POLE_LON, 'lon_0'),
      fe(),
      fn(),
    ],
  },
  {
    id: 'sterea',
    ct: 16,
    wkt1: 'Oblique_Stereographic',
    aliases: ['Double_Stereographic'],
    wkt2: 'Oblique Stereographic',
    epsg: 9809,
    proj: 'sterea',
    params: [natLat(), natLon(), natK(), fe(), fn()],
  },
  {
    id: 'eqc',
    ct: 17,
    wkt1: 'Equirectangular',
    aliases: ['Equidistant_Cylindrical', 'Plate_Carree'],
    wkt2: 'Equidistant Cylindrical',
    epsg: 1028,
    proj: 'eqc',
    params: [
      natLat('latitude_of_origin', CENTER_LAT),
      natLon('central_meridian', CENTER_LON),
      p('standard_parallel_1', 'Latitude of 1st standard parallel', 8823, 'angle', SP1, 'lat_ts'),
      fe(),
      fn(),
    ],
  },
  {
    id: 'cass',
    ct: 18,
    wkt1: 'Cassini_Soldner',
    aliases: ['Cassini'],
    wkt2: 'Cassini-Soldner',
    epsg: 9806,
    proj: 'cass',
    params: [natLat(), natLon(), fe(), fn()],
  },
  {
    id: 'gnom',
    ct: 19,
    wkt1: 'Gnomonic',
    wkt2: 'Gnomonic',
    epsg: 0,
    proj: 'gnom',
    params: [natLat('latitude_of_origin', CENTER_LAT), natLon('central_meridian', CENTER_LON), fe(), fn()],
  },
  {
    // PROJ's Miller (spherical) uses the authalic sphere of the ellipsoid, as GDAL's +R_A says.
    id: 'mill',
    ct: 20,
    wkt1: 'Miller_Cylindrical',
    wkt2: 'Miller Cylindrical',
    epsg: 0,
    proj: 'mill',
    projExtra: '+R_A',
    params: [natLon('longitude_of_center', CENTER_LON), fe(), fn()],
  },
  {
    id: 'ortho',
    ct: 21,
    wkt1: 'Orthographic',
    wkt2: 'Orthographic',
    epsg: 9840,
    proj: 'ortho',
    params: [natLat('latitude_of_origin', CENTER_LAT), natLon('central_meridian', CENTER_LON), fe(), fn()],
    refused: ellipsoidalNotInProj4js('Orthographic'),
  },
  {
    id: 'poly',
    ct: 22,
    wkt1: 'Polyconic',
    wkt2: 'American Polyconic',
    epsg: 9818,
    proj: 'poly',
    params: [natLat(), natLon(), fe(), fn()],
  },
  {
    id: 'robin',
    ct: 23,
    wkt1: 'Robinson',
    wkt2: 'Robinson',
    epsg: 0,
    proj: 'robin',
    params: [natLon('longitude_of_center', CENTER_LON), fe(), fn()],
  },
  {
    id: 'sinu',
    ct: 24,
    wkt1: 'Sinusoidal',
    wkt2: 'Sinusoidal',
    epsg: 0,
    proj: 'sinu',
    params: [natLon('longitude_of_center', CENTER_LON), fe(), fn()],
  },
  {
    id: 'vandg',
    ct: 25,
    wkt1: 'VanDerGrinten',
    aliases: ['Van_der_Grinten_I'],
    wkt2: 'Van Der Grinten',
    epsg: 0,
    proj: 'vandg',
    projExtra: '+R_A',
    params: [natLon('central_meridian', CENTER_LON), fe(), fn()],
  },
  {
    id: 'nzmg',
    ct: 26,
    wkt1: 'New_Zealand_Map_Grid',
    wkt2: 'New Zealand Map Grid',
    epsg: 9811,
    proj: 'nzmg',
    params: [natLat(), natLon(), fe(), fn()],
  },
  {
    id: 'cea',
    ct: 28,
    wkt1: 'Cylindrical_Equal_Area',
    aliases: ['Lambert_Cylindrical_Equal_Area'],
    wkt2: 'Lambert Cylindrical Equal Area',
    epsg: 9835,
    proj: 'cea',
    params: [p('standard_parallel_1', 'Latitude of 1st standard parallel', 8823, 'angle', SP1, 'lat_ts'), natLon(), fe(), fn()],
  },
  // Written by GDAL only as an ESRI PE string in a citation key (no CT code): read from its WKT.
  { id: 'moll', ct: null, wkt1: 'Mollweide', wkt2: 'Mollweide', epsg: 0, proj: 'moll', params: [natLon(), fe(), fn()] },
  {
    id: 'eck4',
    ct: null,
    wkt1: 'Eckert_IV',
    wkt2: 'Eckert IV',
    epsg: 0,
    proj: 'eck4',
    params: [natLon(), fe(), fn()],
    refused: () => 'Eckert IV is not supported (proj4js has no eck4 projection)',
  },
  {
    id: 'bonne',
    ct: null,
    wkt1: 'Bonne',
    wkt2: 'Bonne',
    epsg: 9827,
    proj: 'bonne',
    params: [p('standard_parallel_1', 'Latitude of natural origin', 8801, 'angle', [], 'lat_1'), natLon(), fe(), fn()],
  },
  { id: 'eck6', ct: null, wkt1: 'Eckert_VI', wkt2: 'Eckert VI', epsg: 0, proj: 'eck6', params: [natLon(), fe(), fn()] },
];

/** ProjCoordTransGeoKey codes of methods neither methods.ts nor proj4js has. */
export const UNSUPPORTED_CT: ReadonlyMap<number, string> = new Map([
  [2, 'Transverse Mercator (Modified Alaska)'],
  [5, 'Oblique Mercator (Rosenmund)'],
  [6, 'Oblique Mercator (Spherical)'],
]);

export function methodById(id: string): MethodSpec {
  const m = METHODS.find((x) => x.id === id);
  if (!m) throw new Error(`no projection method ${id}`);
  return m;
}

/** The method named by a WKT1 PROJECTION (OGC or ESRI spelling), or null. */
export function methodByWkt1(name: string): MethodSpec | null {
  const n = name.toLowerCase();
  return METHODS.find((m) => m.wkt1.toLowerCase() === n || m.aliases?.some((a) => a.toLowerCase() === n)) ?? null;
}

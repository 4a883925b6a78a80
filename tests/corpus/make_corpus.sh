#!/usr/bin/env bash
# make_corpus.sh - build a corpus of VALID but tricky GeoTIFF variants from one real file,
# using only GDAL command-line tools (gdal_translate, gdal_create, gdalwarp, gdaladdo,
# gdalbuildvrt, rgb2pct.py) plus sed for VRT geotransform edits.
#
#   usage: ./make_corpus.sh [SRC.tif] [OUTDIR]
#   default SRC = real/rasterio__RGB.byte.tif (Landsat 7 ETM+, 791x718x3 uint8, EPSG:32618,
#                 nodata=0, CC0-1.0, from rasterio tests/data)
#   default OUTDIR = ./corpus  (wiped and rebuilt; ~40 MB)
#
# Every output file gets one line in OUTDIR/DESCRIPTIONS.tsv (name <TAB> what is tricky).
# Then make_manifest.py writes OUTDIR/CORPUS.md (facts from GDAL + raw IFD walk) and
# OUTDIR/expected.json (GDAL's decode: per-band checksum/min/max/mean + probe pixels) so a
# reader under test can be compared with GDAL.  Tested with GDAL 3.6.2 (Debian bookworm).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$(readlink -f "${1:-$HERE/real/rasterio__RGB.byte.tif}")"
OUT="$(mkdir -p "${2:-$HERE/corpus}" && cd "${2:-$HERE/corpus}" && pwd)"
export GDAL_PAM_ENABLED=NO          # no .aux.xml sidecars: everything must live in the .tif
export GDAL_TIFF_INTERNAL_MASK=YES  # masks as an internal IFD, not a .msk sidecar
export CPL_LOG=/dev/null

rm -rf "$OUT"
mkdir -p "$OUT/tmp"
TMP="$OUT/tmp"
cd "$OUT"
: > DESCRIPTIONS.tsv
d() { printf '%s\t%s\n' "$1" "$2" >> DESCRIPTIONS.tsv; }
T() { gdal_translate -q "$@"; }
W() { gdalwarp -q -overwrite "$@"; }

TILE="-co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256"
# 320x320 window of real data (land, sea and a nodata corner) for the wider dtypes
WIN="-srcwin 100 60 320 320"

echo "source: $SRC"
# half-resolution copy (396x359, ~600 m pixels) for the georeferencing / nodata variants
T -outsize 396 359 -r nearest "$SRC" "$TMP/half.tif"
HALF="$TMP/half.tif"

# --------------------------------------------------------------------------------- compression
T -co COMPRESS=NONE "$SRC" cmp_none_striped.tif
d cmp_none_striped.tif "baseline: uncompressed, GDAL default strips (3 rows), pixel-interleaved"
T $TILE -co COMPRESS=DEFLATE "$SRC" cmp_deflate_tiled.tif
d cmp_deflate_tiled.tif "DEFLATE, 256x256 tiles (edge tiles padded: 791x718 not a multiple of 256)"
T $TILE -co COMPRESS=DEFLATE -co PREDICTOR=2 "$SRC" cmp_deflate_pred2_tiled.tif
d cmp_deflate_pred2_tiled.tif "DEFLATE + horizontal differencing predictor 2 on 3-sample pixels"
T -co COMPRESS=LZW "$SRC" cmp_lzw_striped.tif
d cmp_lzw_striped.tif "LZW, strips"
T $TILE -co COMPRESS=LZW -co PREDICTOR=2 "$SRC" cmp_lzw_pred2_tiled.tif
d cmp_lzw_pred2_tiled.tif "LZW + predictor 2, tiles"
T $TILE -co COMPRESS=ZSTD -co ZSTD_LEVEL=9 "$SRC" cmp_zstd_tiled.tif
d cmp_zstd_tiled.tif "ZSTD (compression tag 50000), tiles"
T -co COMPRESS=ZSTD -co PREDICTOR=2 "$SRC" cmp_zstd_pred2_striped.tif
d cmp_zstd_pred2_striped.tif "ZSTD + predictor 2, strips"
T -co COMPRESS=PACKBITS "$SRC" cmp_packbits_striped.tif
d cmp_packbits_striped.tif "PACKBITS (RLE), strips"
T $TILE -co COMPRESS=JPEG -co PHOTOMETRIC=RGB -co JPEG_QUALITY=90 "$SRC" cmp_jpeg_rgb_tiled.tif
d cmp_jpeg_rgb_tiled.tif "JPEG (lossy) with PhotometricInterpretation=RGB, JPEGTables tag"
T $TILE -co COMPRESS=JPEG -co PHOTOMETRIC=YCBCR -co JPEG_QUALITY=90 "$SRC" cmp_jpeg_ycbcr_tiled.tif
d cmp_jpeg_ycbcr_tiled.tif "JPEG in YCbCr 2x2 subsampling: reader must convert YCbCr->RGB"
T $TILE -co COMPRESS=LERC -co MAX_Z_ERROR=0 "$SRC" cmp_lerc_tiled.tif
d cmp_lerc_tiled.tif "LERC (tag 34887) lossless (MAX_Z_ERROR=0)"
T $TILE -co COMPRESS=LERC_DEFLATE -co MAX_Z_ERROR=0 "$SRC" cmp_lerc_deflate_tiled.tif
d cmp_lerc_deflate_tiled.tif "LERC wrapped in DEFLATE (LercParameters tag)"
T $TILE -co COMPRESS=LERC_ZSTD -co MAX_Z_ERROR=0 "$SRC" cmp_lerc_zstd_tiled.tif
d cmp_lerc_zstd_tiled.tif "LERC wrapped in ZSTD"
T $TILE -co COMPRESS=LZMA "$SRC" cmp_lzma_tiled.tif
d cmp_lzma_tiled.tif "LZMA (tag 34925): valid GDAL output that many JS readers do not support"
T $TILE -co COMPRESS=WEBP -co WEBP_LOSSLESS=YES "$SRC" cmp_webp_lossless_tiled.tif
d cmp_webp_lossless_tiled.tif "WEBP lossless (tag 50001)"

# --------------------------------------------------------------------------------- data types
# float32 reflectance-like copy with NaN nodata (warp turns nodata=0 into NaN), 512x512 window
T -of VRT $WIN "$SRC" "$TMP/win.vrt"
W -ot Float32 -srcnodata 0 -dstnodata nan "$TMP/win.vrt" "$TMP/f32_dn.tif"
T -scale 0 255 0 1 "$TMP/f32_dn.tif" "$TMP/f32.tif"          # NaN stays NaN
T $TILE -co COMPRESS=DEFLATE -co PREDICTOR=3 "$TMP/f32.tif" f32_nan_deflate_pred3_tiled.tif
d f32_nan_deflate_pred3_tiled.tif "float32 0..1, nodata=NaN, DEFLATE + floating-point predictor 3"
T -co COMPRESS=LZW -co PREDICTOR=3 "$TMP/f32.tif" f32_nan_lzw_pred3_striped.tif
d f32_nan_lzw_pred3_striped.tif "float32, LZW + predictor 3, strips"
T $TILE -co COMPRESS=ZSTD -co PREDICTOR=3 "$TMP/f32.tif" f32_nan_zstd_pred3_tiled.tif
d f32_nan_zstd_pred3_tiled.tif "float32, ZSTD + predictor 3"
# NB: LERC tiles containing NaN written by GDAL 3.6.2 + liblerc 4.0 cannot be read back by the same
# GDAL ("lerc_decode() failed"), so the LERC float variants use the -9999 nodata copy instead.
W -ot Float32 -srcnodata 0 -dstnodata -9999 "$TMP/win.vrt" "$TMP/f32_m9999.tif"
T $TILE -co COMPRESS=LERC -co MAX_Z_ERROR=0.01 "$TMP/f32_m9999.tif" f32_m9999_lerc_lossy_tiled.tif
d f32_m9999_lerc_lossy_tiled.tif "float32 DN, LERC lossy (MAX_Z_ERROR=0.01), nodata=-9999"
T -co COMPRESS=NONE "$TMP/f32.tif" f32_nan_none_striped.tif
d f32_nan_none_striped.tif "float32 uncompressed strips (reference for the float variants)"
T -co NBITS=16 -co COMPRESS=DEFLATE "$TMP/f32.tif" f16_half_deflate.tif
d f16_half_deflate.tif "IEEE half float (BitsPerSample=16, SampleFormat=3) via NBITS=16"
T -ot Float64 $TILE -co COMPRESS=DEFLATE -co PREDICTOR=3 "$TMP/f32.tif" f64_nan_deflate_pred3_tiled.tif
d f64_nan_deflate_pred3_tiled.tif "float64, DEFLATE + predictor 3, NaN nodata"
T -co COMPRESS=DEFLATE "$TMP/f32_m9999.tif" f32_nodata_m9999.tif
d f32_nodata_m9999.tif "float32 DN values, nodata=-9999"
W -ot Float32 -srcnodata 0 -dstnodata -3.4028234663852886e+38 "$TMP/win.vrt" "$TMP/f32_lowest.tif"
T -co COMPRESS=DEFLATE "$TMP/f32_lowest.tif" f32_nodata_lowest.tif
d f32_nodata_lowest.tif "float32, nodata=-FLT_MAX (-3.4028234663852886e+38, ESRI style): text round-trip matters"

T $WIN -ot UInt16 -scale 0 255 0 65280 $TILE -co COMPRESS=DEFLATE -co PREDICTOR=2 "$SRC" u16_deflate_pred2_tiled.tif
d u16_deflate_pred2_tiled.tif "uint16 (DN*256), nodata=0, DEFLATE + predictor 2 (16-bit differencing)"
T $WIN -ot Int16 -scale 0 255 -32768 32512 -a_nodata -32768 -co COMPRESS=LZW -co PREDICTOR=2 "$SRC" i16_nodata_m32768_lzw_pred2.tif
d i16_nodata_m32768_lzw_pred2.tif "int16 with negative values, nodata=-32768, LZW + predictor 2"
T $WIN -ot UInt32 -scale 0 255 0 4278190080 -co COMPRESS=DEFLATE "$SRC" u32_deflate.tif
d u32_deflate.tif "uint32 (values up to 4.28e9 > INT32_MAX)"
T $WIN -ot Int32 -scale 0 255 -2147483648 2139095040 -a_nodata -2147483648 -co COMPRESS=DEFLATE "$SRC" i32_deflate.tif
d i32_deflate.tif "int32 with negative values, nodata=INT32_MIN"
T $WIN -a_nodata none -co PIXELTYPE=SIGNEDBYTE -co COMPRESS=DEFLATE "$SRC" i8_signedbyte.tif
d i8_signedbyte.tif "int8 (SampleFormat=2, 8 bits): raw bytes >127 must read as negative"
T $WIN -ot UInt16 -scale 0 255 0 4095 -co NBITS=12 -co COMPRESS=NONE "$SRC" u12_nbits12.tif
d u12_nbits12.tif "12-bit unsigned (BitsPerSample=12), bit-packed rows"
T $WIN -b 1 -a_nodata none -scale 0 255 0 1 -co NBITS=1 -co COMPRESS=NONE "$SRC" b1_nbits1.tif
d b1_nbits1.tif "1-bit bilevel (BitsPerSample=1), 1 band"
T $WIN -ot UInt16 -scale 0 255 0 65280 -co ENDIANNESS=BIG -co COMPRESS=DEFLATE -co PREDICTOR=2 "$SRC" be_u16_deflate_pred2.tif
d be_u16_deflate_pred2.tif "big-endian (MM) uint16 + predictor 2: byte-swap after undifferencing"
T -co ENDIANNESS=BIG -co COMPRESS=LZW -co PREDICTOR=3 "$TMP/f32.tif" be_f32_lzw_pred3.tif
d be_f32_lzw_pred3.tif "big-endian float32 + floating-point predictor 3"
T $WIN -ot UInt16 -scale 0 255 7272 20000 -a_scale 0.0000275 -a_offset -0.2 -co COMPRESS=DEFLATE "$SRC" u16_scale_offset.tif
d u16_scale_offset.tif "uint16 with GDAL scale=2.75e-5/offset=-0.2 (Landsat C2 L2 style) in GDAL_METADATA tag"

# --------------------------------------------------------------------------------- layout
T -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE "$SRC" lay_tiles_16x16.tif
d lay_tiles_16x16.tif "2250 tiny 16x16 tiles (per-tile overhead, many fetches)"
T -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 -co COMPRESS=DEFLATE "$SRC" lay_tiles_512_partial.tif
d lay_tiles_512_partial.tif "512x512 tiles: right/bottom tiles mostly padding"
T -co BLOCKYSIZE=1 -co COMPRESS=DEFLATE "$SRC" lay_strips_1row.tif
d lay_strips_1row.tif "718 one-row strips"
T -co BLOCKYSIZE=718 -co COMPRESS=DEFLATE "$SRC" lay_single_strip.tif
d lay_single_strip.tif "whole image in one strip (RowsPerStrip = height)"
T -co INTERLEAVE=BAND -co COMPRESS=DEFLATE "$SRC" lay_band_interleave_striped.tif
d lay_band_interleave_striped.tif "PlanarConfiguration=2 (band-sequential), DEFLATE strips"
T $TILE -co INTERLEAVE=BAND -co COMPRESS=LZW -co PREDICTOR=2 "$SRC" lay_band_interleave_tiled_lzw.tif
d lay_band_interleave_tiled_lzw.tif "PlanarConfiguration=2, tiled, LZW + predictor 2 (tile index = band*tilesPerBand + i)"
T $TILE -co INTERLEAVE=PIXEL -co COMPRESS=DEFLATE "$SRC" lay_pixel_interleave_tiled.tif
d lay_pixel_interleave_tiled.tif "PlanarConfiguration=1 (chunky), tiled"
T -co TILED=YES -co BLOCKXSIZE=64 -co BLOCKYSIZE=64 -co SPARSE_OK=TRUE -co COMPRESS=DEFLATE "$SRC" lay_sparse_tiles.tif
d lay_sparse_tiles.tif "SPARSE_OK: all-nodata tiles omitted (TileOffsets=TileByteCounts=0) -> must read as nodata"
gdal_create -q -of GTiff -outsize 4096 4096 -bands 1 -ot UInt16 -a_srs EPSG:32618 \
  -a_ullr 101985 2826915 224865 2704035 -a_nodata 0 \
  -co TILED=YES -co SPARSE_OK=TRUE -co COMPRESS=DEFLATE lay_sparse_empty_4096.tif
d lay_sparse_empty_4096.tif "4096x4096 uint16 with NO tile data at all (every offset/bytecount 0), a few KB"
T $WIN -ot UInt16 -scale 0 255 0 65280 -b 1 -b 2 -b 3 -b 1 -b 2 -b 3 -b 1 -b 2 -b 3 -b 1 -b 2 -b 3 \
  $TILE -co COMPRESS=DEFLATE -co PREDICTOR=2 -co PHOTOMETRIC=MINISBLACK "$SRC" lay_12band_u16.tif
d lay_12band_u16.tif "12 bands uint16 (9 ExtraSamples), chunky, PhotometricInterpretation=MinIsBlack"
rgb2pct.py -n 64 "$SRC" "$TMP/pal.tif" >/dev/null
T -co COMPRESS=DEFLATE "$TMP/pal.tif" lay_palette_64.tif
d lay_palette_64.tif "1-band palette image (ColorMap tag, Photometric=Palette): indices, not radiance"

# --------------------------------------------------------------------------------- BigTIFF
T $TILE -co BIGTIFF=YES -co COMPRESS=DEFLATE "$SRC" big_tiled_deflate.tif
d big_tiled_deflate.tif "BigTIFF (version 43, 8-byte offsets, LONG8 TileOffsets), tiled DEFLATE"
T $WIN -co BIGTIFF=YES -co COMPRESS=NONE "$SRC" big_striped_none.tif
d big_striped_none.tif "BigTIFF, uncompressed strips (320x320 window)"
T $WIN -ot UInt16 -scale 0 255 0 65280 -co BIGTIFF=YES -co ENDIANNESS=BIG $TILE -co COMPRESS=ZSTD -co PREDICTOR=2 "$SRC" big_be_u16_zstd.tif
d big_be_u16_zstd.tif "big-endian BigTIFF, uint16, ZSTD + predictor 2"

# --------------------------------------------------------------------------------- COG / overviews / masks
T -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=256 -co OVERVIEWS=AUTO "$SRC" cog_deflate.tif
d cog_deflate.tif "Cloud-Optimized GeoTIFF, DEFLATE, internal overviews, ghost header"
T -of COG -co COMPRESS=JPEG -co QUALITY=85 -co BLOCKSIZE=256 "$SRC" cog_jpeg.tif
d cog_jpeg.tif "COG, JPEG, overviews; nodata=0 border is lossy (JPEG smears it)"
T -of COG -co COMPRESS=LERC_ZSTD -co MAX_Z_ERROR=0 -co BLOCKSIZE=128 "$TMP/f32_m9999.tif" cog_f32_lerc_zstd.tif
d cog_f32_lerc_zstd.tif "COG float32 LERC_ZSTD lossless, 128 blocks, overviews, nodata=-9999"
T -of COG -co TILING_SCHEME=GoogleMapsCompatible -co COMPRESS=DEFLATE -co RESAMPLING=NEAREST "$SRC" cog_webmercator.tif
d cog_webmercator.tif "COG warped to EPSG:3857 on the GoogleMapsCompatible tile grid"
T $TILE -co COMPRESS=DEFLATE "$SRC" ovr_internal.tif
gdaladdo -q -r average ovr_internal.tif 2 4 8
d ovr_internal.tif "non-COG tiled GeoTIFF + gdaladdo internal overviews (IFDs appended after data)"
T $TILE -co COMPRESS=DEFLATE "$SRC" ovr_external.tif
gdaladdo -q -ro -r nearest --config COMPRESS_OVERVIEW DEFLATE ovr_external.tif 2 4
d ovr_external.tif "overviews only in sidecar ovr_external.tif.ovr (reader may ignore it)"
d ovr_external.tif.ovr "the external overview file itself (a TIFF with reduced-resolution IFDs, no geokeys)"
W -srcnodata 0 -dstalpha -co TILED=YES -co COMPRESS=DEFLATE "$SRC" alpha_rgba_byte.tif
d alpha_rgba_byte.tif "RGBA: band 4 = alpha (ExtraSamples=2 unassociated), no nodata"
T -co ALPHA=PREMULTIPLIED -co TILED=YES -co COMPRESS=DEFLATE alpha_rgba_byte.tif alpha_rgba_premultiplied.tif
d alpha_rgba_premultiplied.tif "RGBA with ExtraSamples=1 (associated/premultiplied alpha)"
W -ot UInt16 -srcnodata 0 -dstalpha -co TILED=YES -co COMPRESS=DEFLATE -co PREDICTOR=2 "$TMP/win.vrt" alpha_rgba_u16.tif
d alpha_rgba_u16.tif "uint16 RGB + uint16 alpha band (0/65535)"
T -b 1 -b 2 -b 3 -mask 4 -co TILED=YES -co COMPRESS=DEFLATE alpha_rgba_byte.tif mask_internal.tif
d mask_internal.tif "RGB + internal 1-bit transparency mask IFD (NewSubfileType=4); not an alpha band"

# (this section and the next two use the 396x359 half-resolution copy $HALF)
# --------------------------------------------------------------------------------- nodata
T -co COMPRESS=DEFLATE "$HALF" nd_byte_0.tif
d nd_byte_0.tif "uint8 nodata=0 (GDAL_NODATA tag '0'), black collar"
T -a_nodata none -co COMPRESS=DEFLATE "$HALF" nd_none.tif
d nd_none.tif "same pixels, nodata removed: the black collar is now valid data"
W -ot UInt16 -srcnodata 0 -dstnodata 65535 -co COMPRESS=DEFLATE "$TMP/win.vrt" nd_u16_65535.tif
d nd_u16_65535.tif "uint16 nodata=65535 (max value)"
T -a_nodata 255 -co COMPRESS=DEFLATE "$HALF" nd_byte_255_but_data.tif
d nd_byte_255_but_data.tif "nodata=255 declared although 255 is also a legitimate bright value"

# --------------------------------------------------------------------------------- CRS
W -t_srs EPSG:4326 -r near -co COMPRESS=DEFLATE "$HALF" crs_epsg4326.tif
d crs_epsg4326.tif "geographic WGS84 (GeographicTypeGeoKey=4326), degrees"
W -t_srs EPSG:3857 -r near -co COMPRESS=DEFLATE "$HALF" crs_epsg3857.tif
d crs_epsg3857.tif "Web Mercator EPSG:3857"
T -co COMPRESS=DEFLATE -co GEOTIFF_VERSION=1.1 "$HALF" crs_utm18n_geotiff11.tif
d crs_utm18n_geotiff11.tif "source CRS EPSG:32618 written with GeoTIFF 1.1 key revision"
cat > "$TMP/custom_laea.wkt" <<'EOF'
PROJCS["Custom LAEA Bahamas",
  GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],
    PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],
  PROJECTION["Lambert_Azimuthal_Equal_Area"],
  PARAMETER["latitude_of_center",24.5],PARAMETER["longitude_of_center",-77.8],
  PARAMETER["false_easting",1000000],PARAMETER["false_northing",1000000],
  UNIT["metre",1]]
EOF
W -t_srs "$TMP/custom_laea.wkt" -r near -co COMPRESS=DEFLATE "$HALF" crs_custom_wkt_laea.tif
d crs_custom_wkt_laea.tif "custom WKT CRS (LAEA, no EPSG code: ProjectedCSTypeGeoKey=32767 user-defined)"
W -t_srs "+proj=tmerc +lat_0=0 +lon_0=-77 +k=0.9996 +x_0=500000 +y_0=0 +a=6378388 +rf=297 +towgs84=-87,-98,-121,0,0,0,0 +units=m +no_defs" \
  -r near -co COMPRESS=DEFLATE "$HALF" crs_custom_ellipsoid_tmerc.tif
d crs_custom_ellipsoid_tmerc.tif "user-defined Transverse Mercator on International 1924 ellipsoid with TOWGS84"
W -t_srs EPSG:2236 -r near -co COMPRESS=DEFLATE "$HALF" crs_ftus_epsg2236.tif
d crs_ftus_epsg2236.tif "NAD83 / Florida East in US survey feet (linear unit != metre)"
T -of VRT "$HALF" "$TMP/nocrs.vrt"
sed -i '/<SRS/d' "$TMP/nocrs.vrt"
T -co COMPRESS=DEFLATE "$TMP/nocrs.vrt" crs_none_with_gt.tif
d crs_none_with_gt.tif "geotransform (tiepoint+scale) but no CRS geokeys"
T -mo AREA_OR_POINT=Point -co COMPRESS=DEFLATE "$HALF" crs_pixel_is_point.tif
d crs_pixel_is_point.tif "GTRasterTypeGeoKey=PixelIsPoint: tiepoint refers to pixel centre (half-pixel shift)"

# --------------------------------------------------------------------------------- geotransform
gt_edit() { # $1 out.tif, $2 "gt0,gt1,gt2,gt3,gt4,gt5"
  T -of VRT "$HALF" "$TMP/gt.vrt"
  sed -i "s#<GeoTransform>.*</GeoTransform>#<GeoTransform>$2</GeoTransform>#" "$TMP/gt.vrt"
  T -co COMPRESS=DEFLATE "$TMP/gt.vrt" "$1"
}
# 15 degree rotation of the 600 m grid around the upper-left corner
gt_edit gt_rotated_15deg.tif "101985, 579.5555, 155.2914, 2826915, 155.2914, -579.5555"
d gt_rotated_15deg.tif "rotated geotransform -> ModelTransformationTag (no PixelScale/TiePoint)"
gt_edit gt_south_up.tif "101985, 599.3308, 0, 2611485, 0, 600.0836"
d gt_south_up.tif "south-up: positive pixel height (row 0 is the SOUTH edge)"
T -gcp 0 0 101985 2826915 -gcp 396 0 339315 2826915 -gcp 0 359 101985 2611485 \
  -gcp 396 359 339315 2611485 -gcp 198 180 220700 2719100 -a_srs EPSG:32618 -co COMPRESS=DEFLATE "$HALF" gt_gcps_only.tif
d gt_gcps_only.tif "5 GCPs (multiple ModelTiepoints, no ModelPixelScale, no geotransform)"
T -a_srs EPSG:4326 -a_ullr 179.5 1 180.5 -1 -co COMPRESS=DEFLATE "$HALF" gt_cross_antimeridian.tif
d gt_cross_antimeridian.tif "EPSG:4326 extent 179.5..180.5 E (crosses the antimeridian)"

# --------------------------------------------------------------------------------- size extremes
T -srcwin 400 300 1 1 "$SRC" px1_rgb.tif
d px1_rgb.tif "1x1 pixel, 3 bands, uncompressed"
T -srcwin 400 300 1 1 -ot Float32 -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE -co PREDICTOR=3 "$SRC" px1_f32_tiled.tif
d px1_f32_tiled.tif "1x1 pixel inside a 16x16 tile (255 padding pixels), float32 + predictor 3"
T -srcwin 400 0 1 718 "$SRC" col1_tall.tif
d col1_tall.tif "1 column x 718 rows"
T -outsize 131072 3 -r nearest -co COMPRESS=DEFLATE "$SRC" wide_131072x3.tif
d wide_131072x3.tif "very wide: 131072 px (> 65535 so ImageWidth is LONG), 1-row strips of 393 KB"
T -outsize 131072 3 -r nearest -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE "$SRC" wide_131072x3_tiled.tif
d wide_131072x3_tiled.tif "very wide, 256 tiles of 512x16 (13/16 rows padding)"
T -outsize 2 100000 -r nearest -co COMPRESS=DEFLATE "$SRC" tall_2x100000.tif
d tall_2x100000.tif "very tall: 2 x 100000 px, many strips"

rm -rf "$TMP"
cd "$HERE"
# (shared original: make_manifest.py writes CORPUS.md / expected.json here; this project's
# reference is gdal_ref.py, run by tests/engine/raster/corpus.test.ts, so that step is omitted)
: > "$OUT/COMPLETE"
echo "wrote $(ls "$OUT" | grep -vcE '\.(md|json|tsv)$') files, $(du -sh "$OUT" | cut -f1) in $OUT"

#!/usr/bin/env bash
# make_bad_inputs.sh OUTDIR - builds the bad-TIFF corpus into OUTDIR.
#
# 1. OUTDIR/corpus: the four valid GDAL files that make_bad.py truncates or
#    embeds (the same gdal_translate commands as the shared make_corpus.sh, but
#    only these four, so the test does not spend a minute on the full corpus).
# 2. OUTDIR/bad: make_bad.py's malformed files and BAD_MANIFEST.tsv.
# Needs GDAL's command-line tools and /usr/bin/python3 (standard library only).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:?usage: make_bad_inputs.sh OUTDIR}"
SRC="$HERE/real/rasterio__RGB.byte.tif"
export GDAL_PAM_ENABLED=NO CPL_LOG=/dev/null
rm -rf "$OUT/corpus"
mkdir -p "$OUT/corpus"
T() { gdal_translate -q "$@"; }
T -co COMPRESS=NONE "$SRC" "$OUT/corpus/cmp_none_striped.tif"
T -co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256 -co COMPRESS=DEFLATE "$SRC" "$OUT/corpus/cmp_deflate_tiled.tif"
T -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=256 -co OVERVIEWS=AUTO "$SRC" "$OUT/corpus/cog_deflate.tif"
T -srcwin 400 300 1 1 "$SRC" "$OUT/corpus/px1_rgb.tif"
/usr/bin/python3 "$HERE/make_bad.py" "$OUT/bad" "$OUT/corpus"

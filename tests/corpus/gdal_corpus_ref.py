#!/usr/bin/python3
"""gdal_corpus_ref.py CORPUSDIR OUTDIR - GDAL's view of every valid corpus file.

For each file listed in CORPUSDIR/DESCRIPTIONS.tsv writes
  OUTDIR/NAME.bin   every band's decoded values, band-major, in the band's own
                    data type, little-endian (GDAL ReadRaster, no resampling);
                    followed by the dataset mask (1 byte per pixel, 0 = masked)
                    when the mask comes from an alpha band or a mask IFD;
  OUTDIR/NAME.overviews.bin  for files with overviews (internal, or the .ovr file
                    GDAL finds next to it): every overview level in turn, every
                    band's values (band.GetOverview(i).ReadRaster()), band-major;
and one OUTDIR/ref.json: {NAME: {width, height, bands, dtype, gt (null when GDAL
has none), nodata (number, "nan" or null), epsg, mask ("none"|"nodata"|"alpha"|
"per_dataset"), overviews [[w,h]...], palette (entries or null), error}}.
Needs python3-gdal (GDAL 3.6); run with /usr/bin/python3."""
import json
import math
import os
import sys

from osgeo import gdal, osr

gdal.UseExceptions()
gdal.SetConfigOption('GDAL_PAM_ENABLED', 'NO')
gdal.PushErrorHandler('CPLQuietErrorHandler')

SRC, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
names = [l.split('\t')[0] for l in open(os.path.join(SRC, 'DESCRIPTIONS.tsv')) if l.strip()]


def epsg_of(ds):
    srs = ds.GetSpatialRef()
    if srs is None:
        return None
    code = srs.GetAuthorityCode(None)
    return int(code) if code and srs.GetAuthorityName(None) == 'EPSG' else None


def nodata_of(b):
    v = b.GetNoDataValue()
    if v is None:
        return None
    return 'nan' if math.isnan(v) else v


ref = {}
for name in names:
    path = os.path.join(SRC, name)
    try:
        ds = gdal.Open(path)
        b1 = ds.GetRasterBand(1)
        flags = b1.GetMaskFlags()
        if flags & gdal.GMF_NODATA:
            mask = 'nodata'
        elif flags & gdal.GMF_ALPHA:
            mask = 'alpha'
        elif flags & gdal.GMF_PER_DATASET:
            mask = 'per_dataset'
        else:
            mask = 'none'
        ct = b1.GetColorTable()
        row = dict(
            width=ds.RasterXSize, height=ds.RasterYSize, bands=ds.RasterCount,
            dtype=gdal.GetDataTypeName(b1.DataType), gt=ds.GetGeoTransform(can_return_null=True),
            nodata=nodata_of(b1), epsg=epsg_of(ds), mask=mask,
            overviews=[[b1.GetOverview(i).XSize, b1.GetOverview(i).YSize] for i in range(b1.GetOverviewCount())],
            palette=None if ct is None else [list(ct.GetColorEntry(i)) for i in range(ct.GetCount())],
            colorinterp=[gdal.GetColorInterpretationName(ds.GetRasterBand(i + 1).GetColorInterpretation())
                         for i in range(ds.RasterCount)],
        )
        with open(os.path.join(OUT, name + '.bin'), 'wb') as f:
            for i in range(ds.RasterCount):
                f.write(ds.GetRasterBand(i + 1).ReadRaster())
            if mask in ('alpha', 'per_dataset'):
                f.write(b1.GetMaskBand().ReadRaster(buf_type=gdal.GDT_Byte))
        if b1.GetOverviewCount() > 0:
            with open(os.path.join(OUT, name + '.overviews.bin'), 'wb') as f:
                for level in range(b1.GetOverviewCount()):
                    for i in range(ds.RasterCount):
                        f.write(ds.GetRasterBand(i + 1).GetOverview(level).ReadRaster())
        ref[name] = row
        ds = None
    except Exception as e:  # GDAL itself cannot read it
        ref[name] = {'error': str(e).splitlines()[0][:200]}
json.dump(ref, open(os.path.join(OUT, 'ref.json'), 'w'), indent=1)
print('gdal_corpus_ref: %d files' % len(ref), file=sys.stderr)

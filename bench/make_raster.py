"""Makes a synthetic reflectance-like GeoTIFF for the benchmark (GDAL + NumPy).

usage: make_raster.py OUT.tif WIDTH HEIGHT BANDS
UInt16 digital numbers 0..10000 (scale 1e-4 gives reflectance), smooth fields
plus noise so compression and activations look like imagery; tiled 256, DEFLATE.
"""
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
out, width, height, bands = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
ds = gdal.GetDriverByName('GTiff').Create(out, width, height, bands, gdal.GDT_UInt16,
                                          options=['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'COMPRESS=DEFLATE', 'INTERLEAVE=PIXEL', 'BIGTIFF=IF_SAFER'])
ds.SetGeoTransform([500000, 10, 0, 4000000, 0, -10])
srs = osr.SpatialReference()
srs.ImportFromEPSG(32633)
ds.SetProjection(srs.ExportToWkt())
yy, xx = np.mgrid[0:1024, 0:1024].astype(np.float32)
for b in range(bands):
    base = 3000 + 1500 * np.sin(xx / (37 + 5 * b)) * np.cos(yy / (53 + 3 * b))
    band = ds.GetRasterBand(b + 1)
    for y0 in range(0, height, 1024):
        for x0 in range(0, width, 1024):
            h, w = min(1024, height - y0), min(1024, width - x0)
            block = base[:h, :w] + rng.normal(0, 400, (h, w)).astype(np.float32)
            band.WriteArray(np.clip(block, 0, 10000).astype(np.uint16), x0, y0)
ds = None

"""Expected per-cell features, computed independently of the project's code.

GDAL decodes the raster; nodata (GDAL's mask: nodata value or NaN) becomes NaN;
bands are scaled as x*scale+offset; cells are N x N pixel squares from the
top-left pixel (partial edge cells dropped) or the whole raster; features come
from ref_rcf.rcf_features (float64). Prints JSON: one object per cell.

usage: rcf_cells.py RASTER WEIGHTS.npy BANDS(1-based, comma) SCALE OFFSET CELL(N|whole) POLICY CONVENTION BIAS
"""
import json
import sys

import numpy as np
from osgeo import gdal

import ref_rcf

gdal.UseExceptions()


def main():
    path, weights_path, bands, scale, offset, cell, policy, convention, bias = sys.argv[1:10]
    ds = gdal.Open(path)
    weights = np.load(weights_path)
    k = weights.shape[2]
    planes = []
    for b in (int(s) for s in bands.split(',')):
        band = ds.GetRasterBand(b)
        data = band.ReadAsArray().astype(np.float64)
        nodata = band.GetNoDataValue()
        if nodata is not None:
            data[(data == nodata) | np.isnan(data) if np.isnan(nodata) else (data == nodata)] = np.nan
        planes.append(data * float(scale) + float(offset))
    image = np.stack(planes).astype(np.float32)
    _, height, width = image.shape
    gt = ds.GetGeoTransform()
    size = None if cell == 'whole' else int(cell)
    cells = [(0, 0, 0, 0, width, height)] if size is None else [
        (r, c, c * size, r * size, size, size)
        for r in range(height // size) for c in range(width // size)]
    out = []
    for row, col, x0, y0, w, h in cells:
        x = image[:, y0:y0 + h, x0:x0 + w]
        finite_windows = ref_rcf.valid_window_mask(x, k).sum()
        feats = ref_rcf.rcf_features(x, weights, float(bias), convention, policy)
        cx, cy = x0 + w / 2, y0 + h / 2
        out.append({
            'row': row, 'col': col,
            'x': gt[0] + cx * gt[1] + cy * gt[2], 'y': gt[3] + cx * gt[4] + cy * gt[5],
            'valid_fraction': float(finite_windows) / ((h - k + 1) * (w - k + 1)),
            'features': [None if np.isnan(v) else float(v) for v in feats],
        })
    json.dump(out, sys.stdout)


main()

"""Independent truth for AOI cell selection, with GDAL/OGR (run with /usr/bin/python3).

usage: gdal_cells.py RASTER AOI CELL_W CELL_H EDGE [LAYER]
prints a JSON list of [row, col] of the cells that share area with the AOI
(OGR: cell.Intersects(aoi) and not cell.Touches(aoi)).

Grid: cells of CELL_W x CELL_H pixels from the top-left pixel; EDGE 'drop'
keeps full cells only, 'keep' adds the partial cells at the right/bottom.
Each cell polygon is its pixel rectangle mapped through the geotransform. The
AOI (union of its polygons) is segmentized finely in its own CRS (its edges
are straight there) and transformed with OSR into the raster's CRS.
"""
import json
import math
import sys

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

raster, aoi_path, cw, ch, edge = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
layer_name = sys.argv[6] if len(sys.argv) > 6 else None

ds = gdal.Open(raster)
gt = ds.GetGeoTransform()
W, H = ds.RasterXSize, ds.RasterYSize
rsrs = ds.GetSpatialRef().Clone()
rsrs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)

src = ogr.Open(aoi_path)
layer = src.GetLayerByName(layer_name) if layer_name else src.GetLayer(0)
asrs = layer.GetSpatialRef().Clone()
asrs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
union = None
for feature in layer:
    g = feature.GetGeometryRef()
    if g is None:
        continue
    parts = [g] if ogr.GT_Flatten(g.GetGeometryType()) == ogr.wkbPolygon else [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
    for p in parts:
        if ogr.GT_Flatten(p.GetGeometryType()) != ogr.wkbPolygon:
            continue
        union = p.Clone() if union is None else union.Union(p)

minx, maxx, miny, maxy = union.GetEnvelope()
union.Segmentize(math.hypot(maxx - minx, maxy - miny) / 4000)
if not asrs.IsSame(rsrs):
    union.Transform(osr.CoordinateTransformation(asrs, rsrs))

rows = (H + ch - 1) // ch if edge == 'keep' else H // ch
cols = (W + cw - 1) // cw if edge == 'keep' else W // cw
selected = []
for r in range(rows):
    for c in range(cols):
        x0, y0 = c * cw, r * ch
        x1, y1 = min(x0 + cw, W), min(y0 + ch, H)
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for px, py in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)):
            ring.AddPoint_2D(gt[0] + px * gt[1] + py * gt[2], gt[3] + px * gt[4] + py * gt[5])
        cell = ogr.Geometry(ogr.wkbPolygon)
        cell.AddGeometry(ring)
        if cell.Intersects(union) and not cell.Touches(union):
            selected.append([r, c])
print(json.dumps(selected))

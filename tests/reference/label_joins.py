"""Independent truth for label joins (tests/engine/labels): GDAL/OGR and OSR, not our code.

Reads a JSON job on stdin:
  {"grid": {"transform": [6], "epsg": N, "width": W, "height": H, "cw": .., "ch": .., "rows": R, "cols": C},
   "epsg": label EPSG, "points": [[x, y], ...]} -> for each point [row, col] of the cell whose polygon Contains it, or null;
  {..., "polygons": [GeoJSON geometry, ...], "segment": max edge length in label CRS units}
   -> for each polygon a list of [row, col, |cell ∩ polygon|] (areas in the raster CRS, edges segmentized before OSR).
Cells are polygons in the raster CRS built from the geotransform (edge 'drop': full cells only).
"""
import json
import sys

from osgeo import ogr, osr

ogr.UseExceptions()
job = json.load(sys.stdin)
g = job["grid"]
t = g["transform"]


def srs(code):
    s = osr.SpatialReference()
    s.ImportFromEPSG(code)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


to_raster = osr.CoordinateTransformation(srs(job["epsg"]), srs(g["epsg"]))


def cell_polygon(row, col):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    x0, y0, x1, y1 = col * g["cw"], row * g["ch"], (col + 1) * g["cw"], (row + 1) * g["ch"]
    for u, v in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]:
        ring.AddPoint_2D(t[0] + u * t[1] + v * t[2], t[3] + u * t[4] + v * t[5])
    p = ogr.Geometry(ogr.wkbPolygon)
    p.AddGeometry(ring)
    return p


cells = [(r, c, cell_polygon(r, c)) for r in range(g["rows"]) for c in range(g["cols"])]
out = []
if "points" in job:
    for x, y in job["points"]:
        pt = ogr.Geometry(ogr.wkbPoint)
        pt.AddPoint_2D(x, y)
        pt.Transform(to_raster)
        hit = [[r, c] for r, c, poly in cells if poly.Contains(pt)]
        out.append(hit[0] if hit else None)
else:
    for geometry in job["polygons"]:
        geom = ogr.CreateGeometryFromJson(json.dumps(geometry))
        geom.Segmentize(job["segment"])
        geom.Transform(to_raster)
        out.append([[r, c, poly.Intersection(geom).GetArea()] for r, c, poly in cells if poly.Intersects(geom)])
json.dump(out, sys.stdout)

"""One small GeoTIFF per projection method GDAL 3.6 writes into GeoKeys, each in a user-defined CRS
on a non-WGS84 ellipsoid at a realistic place, and what GDAL reads back from it: its PROJ string,
WKT, and the lon/lat (own datum and WGS 84) of the centre, the four corners and a few cells.

usage: python3 projection_corpus.py OUT_DIR  (writes OUT_DIR/*.tif and prints the JSON on stdout)
"""
import json
import sys

from osgeo import gdal, osr

gdal.UseExceptions()
osr.UseExceptions()

# (name, method as GDAL names it, PROJ definition, centre lon, lat, pixel size in CRS units)
CASES = [
    ('tm', 'Transverse_Mercator', '+proj=tmerc +lat_0=0 +lon_0=9 +k=0.9996 +x_0=500000 +y_0=0 +ellps=intl +units=m', 9.5, 47.2, 1000),
    ('tm_south', 'Transverse_Mercator_South_Orientated',
     '+proj=tmerc +axis=wsu +lat_0=0 +lon_0=25 +k=1 +x_0=0 +y_0=0 +ellps=WGS72 +units=m', 25.3, -28.5, 1000),
    ('hotine_a', 'Hotine_Oblique_Mercator',
     '+proj=omerc +no_uoff +lat_0=4 +lonc=115 +alpha=53.31582047222222 +gamma=53.13010236111111 +k=0.99984 '
     '+x_0=590476.87 +y_0=442857.65 +ellps=evrstSS +units=m', 116.0, 5.0, 1000),
    ('hotine_b', 'Hotine_Oblique_Mercator_Azimuth_Center (Alaska zone 1)',
     '+proj=omerc +lat_0=57 +lonc=-133.6666666666667 +alpha=323.1301023611111 +gamma=323.1301023611111 +k=0.9999 '
     '+x_0=5000000 +y_0=-5000000 +ellps=clrk66 +units=m', -134.5, 57.5, 1000),
    ('laborde', 'Laborde_Oblique_Mercator',
     '+proj=labrd +lat_0=-18.9 +lon_0=46.43722916666667 +azi=18.9 +k=0.9995 +x_0=400000 +y_0=800000 +ellps=intl +units=m',
     46.8, -19.2, 1000),
    ('merc_1sp', 'Mercator_1SP', '+proj=merc +lon_0=110 +k=0.997 +x_0=3900000 +y_0=900000 +ellps=bessel +units=m', 108.0, -6.5, 1000),
    ('merc_2sp', 'Mercator_2SP', '+proj=merc +lon_0=51 +lat_ts=42 +x_0=0 +y_0=0 +ellps=krass +units=m', 50.0, 40.2, 1000),
    ('lcc_1sp', 'Lambert_Conformal_Conic_1SP',
     '+proj=lcc +lat_1=18 +lat_0=18 +lon_0=-77 +k_0=1 +x_0=250000 +y_0=150000 +ellps=clrk66 +units=m', -77.3, 18.1, 1000),
    ('lcc_2sp', 'Lambert_Conformal_Conic_2SP',
     '+proj=lcc +lat_0=46.8 +lon_0=2.337229166666667 +lat_1=45.89891888888889 +lat_2=47.69601444444444 '
     '+x_0=600000 +y_0=2200000 +ellps=clrk80ign +pm=paris +units=m', 2.5, 46.5, 1000),
    ('lcc_2sp_ft', 'Lambert_Conformal_Conic_2SP (US survey feet)',
     '+proj=lcc +lat_0=37.66666666666666 +lon_0=-122 +lat_1=38.43333333333333 +lat_2=37.06666666666667 '
     '+x_0=609601.2192024384 +y_0=0 +ellps=clrk66 +units=us-ft', -121.9, 37.9, 3000),
    ('laea', 'Lambert_Azimuthal_Equal_Area', '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m',
     12.0, 50.0, 1000),
    ('laea_polar', 'Lambert_Azimuthal_Equal_Area (polar)', '+proj=laea +lat_0=90 +lon_0=0 +x_0=0 +y_0=0 +ellps=intl +units=m',
     30.0, 75.0, 2000),
    ('aea', 'Albers_Conic_Equal_Area',
     '+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +ellps=clrk66 +units=m', -100.0, 40.0, 1000),
    ('aeqd', 'Azimuthal_Equidistant', '+proj=aeqd +lat_0=13.47246635277778 +lon_0=144.7487507055556 +x_0=50000 +y_0=50000 '
     '+ellps=clrk66 +units=m', 144.8, 13.45, 200),
    ('eqdc', 'Equidistant_Conic', '+proj=eqdc +lat_0=40 +lon_0=-96 +lat_1=33 +lat_2=45 +x_0=0 +y_0=0 +ellps=GRS80 +units=m',
     -95.0, 41.0, 1000),
    ('stere', 'Stereographic', '+proj=stere +lat_0=40 +lon_0=-75 +k=0.9999 +x_0=100000 +y_0=200000 +ellps=clrk66 +units=m',
     -74.5, 40.5, 1000),
    ('polar_a', 'Polar_Stereographic (variant A)',
     '+proj=stere +lat_0=90 +lon_0=-45 +k=0.994 +x_0=2000000 +y_0=2000000 +ellps=intl +units=m', -40.0, 75.0, 2000),
    ('polar_b_south', 'Polar_Stereographic (variant B, south: NSIDC)',
     '+proj=stere +lat_0=-90 +lat_ts=-70 +lon_0=0 +x_0=0 +y_0=0 +a=6378273 +rf=298.279411123064 +units=m', 20.0, -70.0, 25000),
    ('polar_b_north', 'Polar_Stereographic (variant B, north)',
     '+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +x_0=0 +y_0=0 +a=6378273 +rf=298.279411123064 +units=m', -30.0, 72.0, 25000),
    ('sterea', 'Oblique_Stereographic',
     '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel '
     '+units=m', 5.5, 52.0, 1000),
    ('eqc', 'Equirectangular', '+proj=eqc +lat_ts=30 +lat_0=0 +lon_0=-60 +x_0=0 +y_0=0 +ellps=intl +units=m', -58.0, -20.0, 2000),
    ('cass', 'Cassini_Soldner',
     '+proj=cass +lat_0=10.44166666666667 +lon_0=-61.33333333333334 +x_0=86501.46392052001 +y_0=65379.0134283 '
     '+a=6378293.645208759 +b=6356617.987679838 +units=m', -61.3, 10.5, 500),
    ('gnom', 'Gnomonic', '+proj=gnom +lat_0=60 +lon_0=25 +x_0=0 +y_0=0 +ellps=intl +units=m', 26.0, 61.0, 1000),
    ('mill', 'Miller_Cylindrical', '+proj=mill +lat_0=0 +lon_0=20 +x_0=0 +y_0=0 +R_A +ellps=intl +units=m', 22.0, 10.0, 2000),
    ('ortho', 'Orthographic', '+proj=ortho +lat_0=45 +lon_0=10 +x_0=0 +y_0=0 +ellps=intl +units=m', 11.0, 46.0, 1000),
    ('poly', 'Polyconic', '+proj=poly +lat_0=0 +lon_0=-54 +x_0=5000000 +y_0=10000000 +ellps=aust_SA +units=m', -52.0, -12.0, 1000),
    ('robin', 'Robinson', '+proj=robin +lon_0=0 +x_0=0 +y_0=0 +ellps=intl +units=m', 15.0, 30.0, 5000),
    ('sinu', 'Sinusoidal', '+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R=6371007.181 +units=m', 10.0, 45.0, 463.3127165),
    ('vandg', 'VanDerGrinten', '+proj=vandg +lon_0=0 +x_0=0 +y_0=0 +R=6371000 +units=m', -20.0, 15.0, 5000),
    ('nzmg', 'New_Zealand_Map_Grid', '+proj=nzmg +lat_0=-41 +lon_0=173 +x_0=2510000 +y_0=6023150 +ellps=intl +units=m',
     174.8, -41.3, 1000),
    ('cea', 'Cylindrical_Equal_Area', '+proj=cea +lon_0=-117.333333333333 +lat_ts=33.75 +x_0=0 +y_0=0 +ellps=clrk66 +units=m',
     -117.0, 33.5, 1000),
    ('somerc', 'Swiss_Oblique_Cylindrical',
     '+proj=somerc +lat_0=46.95240555555556 +lon_0=7.439583333333333 +k_0=1 +x_0=600000 +y_0=200000 +ellps=bessel +units=m',
     7.8, 46.6, 1000),
    ('geographic', 'geographic (longlat)', '+proj=longlat +ellps=bessel +no_defs', 13.0, 52.0, 0.01),
    ('eck4', 'Eckert_IV', '+proj=eck4 +lon_0=0 +x_0=0 +y_0=0 +ellps=intl +units=m', 10.0, 20.0, 5000),
    ('eck6', 'Eckert_VI', '+proj=eck6 +lon_0=0 +x_0=0 +y_0=0 +ellps=intl +units=m', 10.0, 20.0, 5000),
    ('moll', 'Mollweide', '+proj=moll +lon_0=0 +x_0=0 +y_0=0 +ellps=intl +units=m', 10.0, 20.0, 5000),
    ('krovak', 'Krovak', '+proj=krovak +lat_0=49.5 +lon_0=24.83333333333333 +alpha=30.28813972222222 +k=0.9999 '
     '+x_0=0 +y_0=0 +ellps=bessel +units=m', 15.0, 50.0, 1000),
    ('bonne', 'Bonne', '+proj=bonne +lat_1=45 +lon_0=0 +x_0=0 +y_0=0 +ellps=intl +units=m', 5.0, 46.0, 1000),
    # A user-defined projection on an EPSG geographic CRS (ED50, NAD27: PROJ's datum shifts), and on a datum with TOWGS84.
    ('tm_ed50', 'Transverse_Mercator on EPSG:4230', 'EPSG:4230 +proj=tmerc +lat_0=0 +lon_0=15 +k=0.9996 +x_0=500000 +y_0=0',
     14.5, 41.5, 1000),
    ('lcc_nad27', 'Lambert_Conformal_Conic_2SP on EPSG:4267',
     'EPSG:4267 +proj=lcc +lat_0=32.66666666666666 +lon_0=-97.5 +lat_1=33.96666666666667 +lat_2=32.13333333333333 '
     '+x_0=609601.2192024384 +y_0=0', -97.0, 33.0, 1000),
    ('aea_towgs84', 'Albers_Conic_Equal_Area, datum with TOWGS84',
     '+proj=aea +lat_0=0 +lon_0=25 +lat_1=20 +lat_2=-23 +x_0=0 +y_0=0 +ellps=clrk80 +towgs84=-166,-15,204,0,0,0,0 +units=m',
     27.0, -5.0, 1000),
    ('ortho_sphere', 'Orthographic (sphere)', '+proj=ortho +lat_0=45 +lon_0=10 +x_0=0 +y_0=0 +R=6371000 +units=m', 11.0, 46.0, 1000),
    ('sinu_ellps', 'Sinusoidal (ellipsoid)', '+proj=sinu +lon_0=15 +x_0=0 +y_0=0 +ellps=intl +units=m', 20.0, -10.0, 1000),
    ('merc_ft', 'Mercator_1SP (feet)', '+proj=merc +lon_0=-80 +k=1 +x_0=0 +y_0=0 +ellps=clrk66 +units=ft', -81.0, 25.0, 3000),
    # Equal Earth is not here: GDAL 3.6 writes its CRS only to a .aux.xml beside the file, not into GeoKeys.
]

WIDTH, HEIGHT = 12, 10
# Cells whose centres are checked besides the corners: (col, row) in pixels.
CELLS = [(0.5, 0.5), (3.5, 7.5), (11.5, 9.5), (6, 5)]


def main(out_dir):
    wgs84 = osr.SpatialReference()
    wgs84.SetWellKnownGeogCS('WGS84')
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    results = []
    for name, method, proj, lon, lat, size in CASES:
        srs = osr.SpatialReference()
        if proj.startswith('EPSG:'):
            code, proj = proj.split(' ', 1)
            base = osr.SpatialReference()
            base.ImportFromEPSG(int(code[5:]))
            srs.ImportFromProj4(proj + ' ' + base.ExportToProj4())
            srs.CopyGeogCSFrom(base)
        else:
            srs.ImportFromProj4(proj)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        geog = srs.CloneGeogCS()
        geog.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        cx, cy, _ = osr.CoordinateTransformation(geog, srs).TransformPoint(lon, lat)
        x0, y0 = cx - size * WIDTH / 2, cy + size * HEIGHT / 2
        path = f'{out_dir}/{name}.tif'
        ds = gdal.GetDriverByName('GTiff').Create(path, WIDTH, HEIGHT, 1, gdal.GDT_Byte)
        ds.SetGeoTransform((x0, size, 0, y0, 0, -size))
        ds.SetSpatialRef(srs)
        ds.GetRasterBand(1).Fill(7)
        ds = None
        # What GDAL reads back is the truth.
        ds = gdal.Open(path)
        read = ds.GetSpatialRef()
        read.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        gt = ds.GetGeoTransform()
        ds = None
        own = read.CloneGeogCS()
        own.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        to_own = osr.CoordinateTransformation(read, own)
        to_wgs = osr.CoordinateTransformation(read, wgs84)
        points = {
            'centre': (WIDTH / 2, HEIGHT / 2),
            'upper_left': (0, 0),
            'upper_right': (WIDTH, 0),
            'lower_left': (0, HEIGHT),
            'lower_right': (WIDTH, HEIGHT),
        }
        for i, cell in enumerate(CELLS):
            points[f'cell{i}'] = cell
        expected = []
        for label, (col, row) in points.items():
            x = gt[0] + col * gt[1] + row * gt[2]
            y = gt[3] + col * gt[4] + row * gt[5]
            o = to_own.TransformPoint(x, y)
            w = to_wgs.TransformPoint(x, y)
            expected.append({'label': label, 'x': x, 'y': y, 'own': [o[0], o[1]], 'wgs84': [w[0], w[1]]})
        results.append({
            'name': name,
            'method': method,
            'file': path,
            'asked': proj,
            'proj4': read.ExportToProj4(),
            'wkt1': read.ExportToWkt(),
            'method_read': read.GetAttrValue('PROJECTION') or 'longlat',
            'same_as_asked': bool(read.IsSame(srs)),
            'points': expected,
        })
    json.dump(results, sys.stdout, indent=1)


if __name__ == '__main__':
    main(sys.argv[1])

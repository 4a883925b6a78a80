import { describe, it, expect } from 'vitest';
import { crsFromEpsg, crsUnits, epsgFromName, sameCrs } from '../../../electron/engine/crs/index.js';
import { resolveCellSize } from '../../../shared/grid/resolve.js';
import { parseCellSize } from '../../../shared/grid/cells.js';
import { georef, LANDSAT, REPO_ROOT, TERRA } from '../aoi/gdal.js';
import { join } from 'node:path';

describe('CRS helpers', () => {
  it('reads the units of raster CRSs', async () => {
    expect(crsUnits((await georef(LANDSAT)).crs)).toEqual({ kind: 'projected', metresPerUnit: 1 });
    expect(crsUnits((await georef(TERRA)).crs)).toEqual({ kind: 'geographic' });
    const feet = crsUnits(crsFromEpsg(2227));
    expect(feet?.kind === 'projected' && feet.metresPerUnit).toBeCloseTo(1200 / 3937, 12);
    expect(crsUnits(null)).toBeNull();
    expect(crsUnits({ epsg: null, proj4: null })).toBeNull();
    // WKT only (as GeoPackages without an EPSG code give it).
    expect(crsUnits({ epsg: null, proj4: null, wkt: crsFromEpsg(4326)!.wkt })).toEqual({ kind: 'geographic' });
  });

  it('resolves 1000m on a US-survey-foot raster through its units', async () => {
    const g = await georef(join(REPO_ROOT, 'tests', 'fixtures', 'rasters', 'synthetic__epsg2227_ftus.tif'));
    const r = resolveCellSize(parseCellSize('1000m'), g.transform, crsUnits(g.crs));
    // 1000 m = 3280.8 US ft = 32.8 pixels of 100 ft → 33 px = 3300 ft = 1005.8 m.
    expect(r.cellSize).toEqual({ kind: 'pixels', size: 33 });
    expect(r.effective?.x).toBeCloseTo(3300 * (1200 / 3937), 6);
  });

  it('names EPSG codes from GeoJSON crs names', () => {
    expect(epsgFromName('EPSG:3857')).toBe(3857);
    expect(epsgFromName('epsg:4326')).toBe(4326);
    expect(epsgFromName('urn:ogc:def:crs:EPSG::32616')).toBe(32616);
    expect(epsgFromName('urn:ogc:def:crs:EPSG:6.18.3:3857')).toBe(3857);
    expect(epsgFromName('http://www.opengis.net/def/crs/EPSG/0/2154')).toBe(2154);
    expect(epsgFromName('urn:ogc:def:crs:OGC:1.3:CRS84')).toBe(4326);
    expect(epsgFromName('WGS84')).toBeNull();
  });

  it('tells identical CRSs apart from different ones', () => {
    expect(sameCrs(crsFromEpsg(4326)!, crsFromEpsg(4326)!)).toBe(true);
    expect(sameCrs(crsFromEpsg(4326)!, crsFromEpsg(3857)!)).toBe(false);
  });
});

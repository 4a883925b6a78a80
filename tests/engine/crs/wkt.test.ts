/** WKT for outputs (crsWkt, crsWkt2): for EPSG CRSs from the bundled index, the WKT2 must be the CRS OSR knows by the code. */
import { describe, it, expect } from 'vitest';
import { crsFromEpsg, crsWkt, crsWkt2 } from '../../../electron/engine/crs/index.js';
import { runPython } from '../../helpers/python.js';

// Projected CRSs in many methods, geographic ones, one with a TOWGS84, and ones the WKT2 writer must leave alone.
const CODES = [4326, 4267, 4230, 32616, 32733, 27700, 2056, 3413, 3031, 3035, 5070, 2154, 3395, 3857, 31467, 2193, 28992, 3577, 26911];

const NO_WKT2 = [3413, 3031, 3035, 3857, 31467, 2193];

function osrSame(items: { code: number; wkt: string }[]): Record<number, boolean> {
  const script = `import json, sys
from osgeo import osr
osr.UseExceptions()
out = {}
for item in json.loads(sys.argv[1]):
    a = osr.SpatialReference(); a.ImportFromEPSG(item["code"])
    b = osr.SpatialReference(); b.SetFromUserInput(item["wkt"])
    out[item["code"]] = bool(a.IsSame(b, ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]))
print(json.dumps(out))`;
  return JSON.parse(runPython(script, [JSON.stringify(items)])) as Record<number, boolean>;
}

describe('crsWkt2', () => {
  it('writes the WKT2 of EPSG CRSs as OSR knows them, or none where the WKT1 does not say it all', () => {
    const written = CODES.map((code) => ({ code, wkt: crsWkt2(crsFromEpsg(code)!) }));
    // Pseudo-Mercator is a PROJ4 extension in WKT1; the index's WKT1 has no axes where EPSG's are not easting, northing.
    expect(written.filter((w) => w.wkt === null).map((w) => w.code)).toEqual(NO_WKT2);
    const same = osrSame(written.filter((w): w is { code: number; wkt: string } => w.wkt !== null));
    expect(Object.entries(same).filter(([, ok]) => !ok)).toEqual([]);
  });

  it('crsWkt is the CRS WKT1 (the index`s for EPSG codes), null without one', () => {
    expect(crsWkt(crsFromEpsg(32616)!)).toMatch(/^PROJCS\["WGS 84 \/ UTM zone 16N"/);
    expect(crsWkt({ epsg: null, proj4: '+proj=longlat +ellps=intl' })).toBeNull();
    expect(crsWkt2({ epsg: null, proj4: '+proj=longlat +ellps=intl' })).toBeNull();
  });
});

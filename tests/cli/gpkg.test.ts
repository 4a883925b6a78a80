// `rcf featurize … --out OUT.gpkg` against GDAL: the validator, OGR's reading of the
// cells and features, and the same numbers as the CSV export of the same run.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, tempDir, readCsv, ROOT } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';
import { parseNpy } from '../../shared/rcf/npy.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');

/** GDAL's view of a GeoPackage: validator verdict, SRS, and per cell the centroid and features. */
function gdalView(path: string): {
  valid: boolean;
  messages: string;
  epsg: string;
  cells: Record<string, { cx: number; cy: number; valid_fraction: number; features: (number | null)[] }>;
  metadata: string;
  weights: { shape: number[]; data: number[] };
} {
  return JSON.parse(
    runPython(
      `
import json, sys, io, contextlib, sqlite3
import numpy as np
from osgeo import ogr, gdal
from osgeo_utils.samples import validate_gpkg
gdal.UseExceptions()
path = sys.argv[1]
buf = io.StringIO()
try:
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        validate_gpkg.check(path)
    valid = True
except Exception as e:
    valid = False
    buf.write(str(e))
ds = ogr.Open(path)
layer = ds.GetLayerByName('cells')
srs = layer.GetSpatialRef()
defn = layer.GetLayerDefn()
names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
cells = {}
for f in layer:
    c = f.GetGeometryRef().Centroid()
    if 'features' in names:
        b = f.GetFieldAsBinary('features')
        feats = [None if np.isnan(v) else float(v) for v in np.frombuffer(b, dtype='<f4')]
    else:
        feats = [f.GetField(n) if f.IsFieldSetAndNotNull(n) else None for n in names if n.startswith('f') and n[1:].isdigit()]
    cells[f.GetField('cell_id')] = {'cx': c.GetX(), 'cy': c.GetY(), 'valid_fraction': f.GetField('valid_fraction'), 'features': feats}
con = sqlite3.connect(path)
metadata = con.execute('SELECT metadata FROM gpkg_metadata').fetchone()[0]
shape, blob = con.execute('SELECT shape, data FROM rcf_weights').fetchone()
print(json.dumps({'valid': valid, 'messages': buf.getvalue(), 'epsg': srs.GetAuthorityCode(None), 'cells': cells, 'metadata': metadata,
                  'weights': {'shape': json.loads(shape), 'data': np.frombuffer(blob, dtype='<f4').tolist()}}))
`,
      [path],
    ),
  );
}

function expectSameAsCsv(view: ReturnType<typeof gdalView>, csvPath: string) {
  const { rows } = readCsv(csvPath);
  expect(Object.keys(view.cells)).toHaveLength(rows.length);
  for (const r of rows) {
    const cell = view.cells[r[0]];
    expect(cell).toBeDefined();
    expect(cell.cx).toBeCloseTo(Number(r[4]), 6);
    expect(cell.cy).toBeCloseTo(Number(r[5]), 6);
    expect(cell.valid_fraction).toBeCloseTo(Number(r[8]), 6);
    // Both hold float32 values: they must agree exactly.
    r.slice(9).forEach((v, f) => expect(cell.features[f]).toBe(v === '' ? null : Math.fround(Number(v))));
  }
}

describe('rcf featurize to GeoPackage', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it('writes a valid GeoPackage with the CSV export’s cells, provenance and weights', () => {
    const args = ['featurize', SAMPLE, '--features', '64', '--seed', '3', '--scale', '0.0001', '--cell-size', '128'];
    const gpkg = join(dir, 'cells.gpkg');
    const csv = join(dir, 'cells.csv');
    const r = rcf([...args, '--out', gpkg]);
    expect(r.stderr).not.toMatch(/Warning/);
    expect(r.code).toBe(0);
    expect(rcf([...args, '--out', csv]).code).toBe(0);
    const view = gdalView(gpkg);
    expect(view.messages).toBe('');
    expect(view.valid).toBe(true);
    expect(view.epsg).toBe('32616');
    expectSameAsCsv(view, csv);
    const prov = JSON.parse(view.metadata);
    const sidecar = JSON.parse(readFileSync(`${csv}.json`, 'utf8'));
    expect(prov.rcf).toEqual(sidecar.rcf);
    expect(prov.inputs).toEqual(sidecar.inputs);
    expect(prov.run).toEqual(sidecar.run);
    // The file carries the very filters `rcf weights` makes for the same settings.
    const npy = join(dir, 'w.npy');
    expect(rcf(['weights', '--mode', 'gaussian', '--channels', '4', '--features', '64', '--seed', '3', '--out', npy]).code).toBe(0);
    const w = parseNpy(readFileSync(npy));
    expect(view.weights.shape).toEqual(w.shape);
    expect(view.weights.data).toEqual(Array.from(w.data));
  });

  it('stores K = 4096 features so that GDAL opens the file and they decode exactly', () => {
    const args = ['featurize', SAMPLE, '--features', '4096', '--scale', '0.0001', '--cell-size', '256'];
    const gpkg = join(dir, 'wide.gpkg');
    const csv = join(dir, 'wide.csv');
    expect(rcf([...args, '--out', gpkg]).code).toBe(0);
    expect(rcf([...args, '--out', csv]).code).toBe(0);
    const view = gdalView(gpkg);
    expect(view.valid).toBe(true);
    expectSameAsCsv(view, csv);
  });

  it('refuses to replace a finished GeoPackage unless told', () => {
    const gpkg = join(dir, 'cells.gpkg');
    const r = rcf(['featurize', SAMPLE, '--features', '64', '--seed', '3', '--scale', '0.0001', '--cell-size', '128', '--out', gpkg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists; use --overwrite/);
  });
});

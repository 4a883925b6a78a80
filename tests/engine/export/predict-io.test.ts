// Feature files read back as model input, and predictions written as CSV, GeoPackage and GeoTIFF, against GDAL/OGR and
// Python's csv and sqlite3 as independent readers. The feature files are made by the CLI on a fixture raster with NaN
// holes (cells with NaN features), at K = 8 (CSV and GeoPackage f-columns) and K = 2048 (the GeoPackage blob).
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFeatureFile, type FeatureFile } from '../../../electron/engine/export/read-features.js';
import {
  writePrediction,
  writePredictionGeoTiff,
  writePredictionGpkg,
  type PredictionTable,
} from '../../../electron/engine/export/prediction/index.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { ROOT, rcf, tempDir } from '../../helpers/cli.js';
import { runPython } from '../../helpers/python.js';

const RASTER = join(ROOT, 'tests/fixtures/featurize/l8_300_nan_f32.tif');
const ARGS = ['featurize', RASTER, '--seed', '1', '--cell-size', '24', '--nodata', 'propagate', '--backend', 'cpu', '--progress', 'none'];

let dir: string;
const files = { csv: '', gpkg: '', wide: '' };

beforeAll(() => {
  dir = tempDir('rcf-predict-io-');
  files.csv = join(dir, 'f.csv');
  files.gpkg = join(dir, 'f.gpkg');
  files.wide = join(dir, 'wide.gpkg');
  for (const [out, k] of [
    [files.csv, '8'],
    [files.gpkg, '8'],
    [files.wide, '2048'],
  ]) {
    const r = rcf([...ARGS, '--features', k, '--out', out]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}, 120_000);

/** Python's reading of a feature file: per row the cell id and the K features (null for NaN). */
function pythonMatrix(path: string): { ids: string[]; rows: (number | null)[][] } {
  return JSON.parse(
    runPython(
      `
import csv, json, sqlite3, sys, math
import numpy as np
path = sys.argv[1]
ids, rows = [], []
if path.endswith('.csv'):
    with open(path, newline='') as f:
        r = csv.reader(f)
        header = next(r)
        for row in r:
            ids.append(row[0])
            rows.append([float(np.float32(v)) if v != '' else None for v in row[9:]])
else:
    con = sqlite3.connect(path)
    cols = [c[1] for c in con.execute('PRAGMA table_info(cells)')]
    fcols = cols[7:]
    for row in con.execute('SELECT cell_id, %s FROM cells ORDER BY fid' % ', '.join(fcols)):
        ids.append(row[0])
        if fcols == ['features']:
            v = np.frombuffer(row[1], '<f4')
            rows.append([None if math.isnan(x) else float(x) for x in v])
        else:
            rows.append([None if x is None else float(x) for x in row[1:]])
print(json.dumps({'ids': ids, 'rows': rows}))
`,
      [path],
    ),
  );
}

async function allUsable(file: FeatureFile): Promise<number[][]> {
  const out: number[][] = [];
  for await (const chunk of file.usable.chunks()) {
    expect(chunk).toBeInstanceOf(Float32Array);
    for (let r = 0; r < chunk.length / file.columns; r++) out.push(Array.from(chunk.subarray(r * file.columns, (r + 1) * file.columns)));
  }
  return out;
}

describe('openFeatureFile', () => {
  for (const which of ['csv', 'gpkg', 'wide'] as const) {
    it(`reads the matrix Python reads from the ${which} output, pass after pass`, async () => {
      const path = files[which];
      const file = await openFeatureFile(path);
      const truth = pythonMatrix(path);
      expect(file.format).toBe(which === 'csv' ? 'csv' : 'gpkg');
      expect(file.columns).toBe(which === 'wide' ? 2048 : 8);
      expect(file.cells.map((c) => c.cellId)).toEqual(truth.ids);
      const usable = truth.rows.map((r) => r.every((v) => v !== null));
      expect(file.cells.map((c) => c.usable)).toEqual(usable);
      expect(usable.filter((u) => !u).length).toBeGreaterThan(0); // the holes make cells without features
      expect(file.usable.rows).toBe(usable.filter(Boolean).length);
      const expected = truth.rows.filter((_, i) => usable[i]);
      expect(await allUsable(file)).toEqual(expected);
      expect(await allUsable(file)).toEqual(expected); // a second pass reads the same
      const unusable = usable.indexOf(false);
      const picked = [5, 0, unusable, 5];
      const rows = await file.rowsOf(picked);
      picked.forEach((i, j) =>
        expect(Array.from(rows.subarray(j * file.columns, (j + 1) * file.columns))).toEqual(truth.rows[i].map((v) => v ?? NaN)),
      );
      const { means, weights } = await file.weightedMeans([
        [
          { index: 0, weight: 1 },
          { index: 1, weight: 3 },
          { index: unusable, weight: 5 },
        ],
        [{ index: unusable, weight: 1 }],
      ]);
      expect(Array.from(weights)).toEqual([4, 0]);
      for (let f = 0; f < file.columns; f++) expect(means[f]).toBeCloseTo((truth.rows[0][f]! + 3 * truth.rows[1][f]!) / 4, 12);
      expect(means[file.columns]).toBeNaN();
    });
  }

  it('refuses what is not a finished featurize output, in one line naming the file', async () => {
    const foreign = join(dir, 'labels.csv');
    writeFileSync(foreign, 'id,value\n1,2\n');
    await expect(openFeatureFile(foreign)).rejects.toThrow(/labels\.csv is not an rcf featurize output/);
    const orphan = join(dir, 'orphan.csv');
    copyFileSync(files.csv, orphan);
    await expect(openFeatureFile(orphan)).rejects.toThrow(`${orphan} has no provenance ${orphan}.json beside it`);
    const partial = join(dir, 'x.csv.partial');
    copyFileSync(files.csv, partial);
    await expect(openFeatureFile(partial)).rejects.toThrow(/is an unfinished rcf featurize output; finish the run with resume/i);
    await expect(openFeatureFile(join(dir, 'x.csv'))).rejects.toThrow(/x\.csv is not finished \(its rows are still in/);
    const edited = join(dir, 'edited.csv');
    writeFileSync(edited, readFileSync(files.csv, 'utf8').replace(/\n[^\n]*\n$/, '\n'));
    copyFileSync(`${files.csv}.json`, `${edited}.json`);
    await expect(openFeatureFile(edited)).rejects.toThrow(/does not match the checksum/);
    const notGpkg = join(dir, 'fake.gpkg');
    writeFileSync(notGpkg, 'hello');
    await expect(openFeatureFile(notGpkg)).rejects.toThrow(/fake\.gpkg is not a GeoPackage/);
    for (const p of [foreign, orphan, edited, notGpkg]) {
      const e = await openFeatureFile(p).catch((err: Error) => err);
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
  });
});

/** A prediction for every cell: T columns from the cell's row and col, NaN where it has no usable features. */
function prediction(file: FeatureFile, names = ['prediction', 'second']): PredictionTable {
  const T = names.length;
  const values = new Float64Array(file.cells.length * T);
  file.cells.forEach((c, i) => {
    for (let t = 0; t < T; t++) values[i * T + t] = c.usable ? c.row * 1000 + c.col + t / 4 + 0.125 : NaN;
  });
  return { provenance: file.provenance, cells: file.cells, values, names };
}

describe('prediction writers', () => {
  it('writes a GeoTIFF on the cell grid that GDAL reads: geotransform, EPSG, nodata, band names, pixel (r, c) = cell (r, c)', async () => {
    const file = await openFeatureFile(files.gpkg);
    const table = prediction(file);
    const out = join(dir, 'p.tif');
    expect((await writePredictionGeoTiff(out, table)).notes).toEqual([]);
    const view = JSON.parse(
      runPython(
        `
import json, sys, math
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.Open(sys.argv[1])
srs = ds.GetSpatialRef()
bands = [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
print(json.dumps({'gt': ds.GetGeoTransform(), 'epsg': srs.GetAuthorityCode(None), 'size': [ds.RasterXSize, ds.RasterYSize],
  'nodata': [str(b.GetNoDataValue()) for b in bands], 'desc': [b.GetDescription() for b in bands],
  'type': [gdal.GetDataTypeName(b.DataType) for b in bands],
  'data': [[[None if math.isnan(v) else v for v in row] for row in b.ReadAsArray().tolist()] for b in bands]}))
`,
        [out],
      ),
    );
    const t = file.provenance.inputs[0].transform;
    expect(view.gt).toEqual([t[0], t[1] * 24, 0, t[3], 0, t[5] * 24]);
    expect(view.epsg).toBe('32616');
    expect(view.size).toEqual([12, 12]);
    expect(view.nodata).toEqual(['nan', 'nan']);
    expect(view.desc).toEqual(['prediction', 'second']);
    expect(view.type).toEqual(['Float32', 'Float32']);
    file.cells.forEach((c, i) =>
      [0, 1].forEach((b) => expect(view.data[b][c.row][c.col]).toBe(c.usable ? Math.fround(table.values[i * 2 + b]) : null)),
    );
  });

  it('writes a CRS without an EPSG code as its WKT, which GDAL reads as the raster’s (an ESRI WKT, user-defined GeoKeys)', async () => {
    // Since issue 17 every CRS read from GeoKeys has a WKT; the "only a proj4 string" note is for CRSs made otherwise.
    for (const [name, carried] of [
      ['rasterio__test_esri_wkt.tif', true],
      ['rgdal__cea.tif', true],
    ] as const) {
      const raster = join(ROOT, 'tests/fixtures/rasters', name);
      const features = join(dir, `${name}.gpkg`);
      const r = rcf(['featurize', raster, '--features', '4', '--kernel', '1', '--cell-size', '1', '--backend', 'cpu', '--out', features]);
      expect(r.code, r.stderr).toBe(0);
      const file = await openFeatureFile(features);
      const out = join(dir, `${name}.pred.tif`);
      const { notes } = await writePredictionGeoTiff(out, prediction(file, ['prediction']));
      expect(notes).toEqual(
        carried ? [] : [`${out}: the CRS has no EPSG code or WKT (only a proj4 string), so the GeoTIFF carries no CRS`],
      );
      const same = runPython(
        `
import sys
from osgeo import gdal
a, b = gdal.Open(sys.argv[1]), gdal.Open(sys.argv[2])
print(a.GetSpatialRef() is not None and bool(a.GetSpatialRef().IsSame(b.GetSpatialRef())), a.GetGeoTransform() == b.GetGeoTransform())
`,
        [out, raster],
      );
      expect(same.trim()).toBe(`${carried ? 'True' : 'False'} True`);
    }
  });

  it('writes a GeoPackage layer that OGR reads with the features’ SRS and cell geometries, the values and the metadata', async () => {
    const file = await openFeatureFile(files.gpkg);
    const table = { ...prediction(file, ['class', 'p_a', 'p_b']), classes: ['a', 'b'] };
    table.values.forEach((v, i) => (table.values[i] = i % 3 === 0 && !Number.isNaN(v) ? file.cells[i / 3].row % 2 : v));
    const out = join(dir, 'p.gpkg');
    await writePredictionGpkg(out, table, { metadata: { model: 'ridge', lambda: 0.5 } });
    const view = JSON.parse(
      runPython(
        `
import json, sys, sqlite3
from osgeo import ogr
fds = ogr.Open(sys.argv[1])  # kept: a layer dies with its dataset
feat = fds.GetLayerByName('cells')
geoms = {f.GetField('cell_id'): f.GetGeometryRef().ExportToWkt() for f in feat}
ds = ogr.Open(sys.argv[2])
layer = ds.GetLayerByName('prediction')
rows = {}
same = True
for f in layer:
    cid = f.GetField('cell_id')
    same = same and f.GetGeometryRef().ExportToWkt() == geoms[cid]
    rows[cid] = [f.GetField('class'), f.GetField('p_a'), f.GetField('p_b')]
defn = layer.GetLayerDefn()
types = [defn.GetFieldDefn(i).GetTypeName() for i in range(defn.GetFieldCount())]
md = sqlite3.connect(sys.argv[2]).execute('SELECT md_standard_uri, metadata FROM gpkg_metadata').fetchone()
print(json.dumps({'epsg': layer.GetSpatialRef().GetAuthorityCode(None), 'count': layer.GetFeatureCount(), 'same': same,
  'rows': rows, 'types': types, 'md': md, 'extent': layer.GetExtent(), 'fextent': feat.GetExtent()}))
`,
        [files.gpkg, out],
      ),
    );
    expect(view.epsg).toBe('32616');
    expect(view.count).toBe(file.cells.length);
    expect(view.same).toBe(true);
    expect(view.extent).toEqual(view.fextent);
    expect(view.types).toEqual(['String', 'String', 'Integer64', 'Integer64', 'String', 'Real', 'Real']);
    file.cells.forEach((c, i) => {
      const v = table.values.subarray(i * 3, i * 3 + 3);
      expect(view.rows[c.cellId]).toEqual(c.usable ? [table.classes[v[0]], v[1], v[2]] : [null, null, null]);
    });
    expect(view.md[0]).toBe('urn:rcf-desktop:prediction');
    expect(JSON.parse(view.md[1])).toEqual({ model: 'ridge', lambda: 0.5 });
    const valid = runPython(
      `
import sys, io, contextlib
from osgeo_utils.samples import validate_gpkg
buf = io.StringIO()
with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
    validate_gpkg.check(sys.argv[1])
print(buf.getvalue() or 'valid')
`,
      [out],
    );
    expect(valid.trim()).toBe('valid');
  });

  it('writes a CSV whose cells, centres and values round-trip', async () => {
    const file = await openFeatureFile(files.csv);
    const table = prediction(file);
    const out = join(dir, 'p.csv');
    await writePrediction(out, table);
    const rows = JSON.parse(
      runPython(
        `
import csv, json, sys
print(json.dumps([list(csv.reader(open(p, newline=''))) for p in sys.argv[1:]]))
`,
        [out, files.csv],
      ),
    ) as string[][][];
    const [pred, feats] = rows;
    expect(pred[0]).toEqual(['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', 'prediction', 'second']);
    expect(pred.length).toBe(feats.length);
    pred.slice(1).forEach((r, i) => {
      expect(r.slice(0, 8)).toEqual(feats[i + 1].slice(0, 8));
      expect(r.slice(8).map((v) => (v === '' ? NaN : Number(v)))).toEqual(Array.from(table.values.subarray(i * 2, i * 2 + 2)));
    });
  });

  it('stops when cancelled, leaving no file behind', async () => {
    const file = await openFeatureFile(files.csv);
    const sub = tempDir('rcf-predict-cancel-');
    const signal = AbortSignal.abort();
    for (const name of ['c.gpkg', 'c.tif'])
      await expect(writePrediction(join(sub, name), prediction(file), { signal })).rejects.toThrow('cancelled');
    await expect(openFeatureFile(files.csv, { signal })).rejects.toThrow('cancelled');
    expect(readdirSync(sub)).toEqual([]);
  });

  it('refuses to replace a file unless told, and inputs on other grids in one GeoTIFF, leaving nothing behind', async () => {
    const file = await openFeatureFile(files.csv);
    const table = prediction(file);
    const sub = join(tempDir('rcf-predict-refuse-'));
    for (const name of ['r.csv', 'r.gpkg', 'r.tif']) {
      const out = join(sub, name);
      await writePrediction(out, table);
      const before = readFileSync(out);
      await expect(writePrediction(out, table)).rejects.toThrow(`${out} already exists; use Overwrite to replace it`);
      expect(readFileSync(out)).toEqual(before);
      await writePrediction(out, table, { overwrite: true });
    }
    expect(readdirSync(sub).sort()).toEqual(['r.csv', 'r.gpkg', 'r.tif']);
    // A second input half a cell off the first: its cells are on another grid.
    const p = structuredClone(file.provenance) as Provenance;
    const other = { ...p.inputs[0], name: 'other.tif', transform: [...p.inputs[0].transform] as Provenance['inputs'][0]['transform'] };
    other.transform[0] += 12 * other.transform[1];
    p.inputs.push(other);
    p.grid.per_input.push({ ...p.grid.per_input[0], name: 'other.tif' });
    const cells = [...file.cells, { ...file.cells[0], source: 'other.tif', cellId: 'other.tif:r0c0' }];
    const values = new Float64Array(cells.length * 2);
    const mixed = { provenance: p, cells, values, names: ['prediction', 'second'] };
    const tif = join(sub, 'mixed.tif');
    const err = await writePredictionGeoTiff(tif, mixed).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `${tif}: one GeoTIFF holds one grid of cells, but ${file.cells[0].source} and other.tif have cells that are not aligned; ` +
        'write the prediction to CSV (.csv) or GeoPackage (.gpkg) instead',
    );
    // One cell off: on the same grid, but two cells fall on one pixel.
    other.transform[0] += 12 * other.transform[1];
    await expect(writePredictionGeoTiff(tif, mixed)).rejects.toThrow(
      `${tif}: cells ${file.cells[1].cellId} and other.tif:r0c0 fall on the same pixel of the cell grid (their inputs overlap); `,
    );
    // Twelve cells off, beside the first: one grid, the union of both.
    other.transform[0] += 11 * 24 * other.transform[1];
    const joined = join(sub, 'joined.tif');
    await writePredictionGeoTiff(joined, mixed);
    expect(existsSync(joined)).toBe(true);
    expect(readdirSync(sub).sort()).toEqual(['joined.tif', 'r.csv', 'r.gpkg', 'r.tif']);
  });
});

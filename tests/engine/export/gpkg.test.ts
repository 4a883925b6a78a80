// The GeoPackage export, checked against GDAL (validate_gpkg, ogrinfo, the
// Python bindings) and numpy as independent readers.
import { afterAll, describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { GpkgOutput, OutputError, hashRow, type GpkgLayout } from '../../../electron/engine/export/gpkg.js';
import { lookupEpsg, type CrsInfo } from '../../../electron/engine/crs/index.js';
import type { CellResult } from '../../../electron/engine/rcf/featurize.js';
import { ROOT } from '../../helpers/cli.js';
import { currentProvenance, firstVersionDocument } from '../../helpers/provenance.js';
import { SYSTEM_PYTHON, runPython } from '../../helpers/python.js';

function utm(code: number): CrsInfo {
  const e = lookupEpsg(code);
  if (!e) throw new Error(`EPSG:${code} missing from the index`);
  return { epsg: code, proj4: e.proj4, wkt: e.wkt ?? undefined, name: e.name };
}

const UTM16 = utm(32616);
// A north-up geotransform: origin (500000, 4000000), 10 m pixels, 16-pixel cells.
const ORIGIN_X = 500_000;
const ORIGIN_Y = 4_000_000;
const CELL = 160;

function makeCell(source: string, row: number, col: number, features: number, nan: 'none' | 'all' | 'some' = 'none'): CellResult {
  const x0 = ORIGIN_X + col * CELL;
  const y0 = ORIGIN_Y - row * CELL;
  const f = new Float64Array(features);
  for (let i = 0; i < features; i++)
    f[i] = nan === 'all' || (nan === 'some' && i % 3 === 1) ? NaN : Math.sin(row * 100 + col * 10 + i) * 1.2345;
  return {
    cellId: `${source}:r${row}c${col}`,
    source,
    row,
    col,
    x: x0 + CELL / 2,
    y: y0 - CELL / 2,
    lon: NaN,
    lat: NaN,
    validFraction: nan === 'all' ? 0 : 0.75,
    features: f,
    ring: [
      [x0, y0],
      [x0 + CELL, y0],
      [x0 + CELL, y0 - CELL],
      [x0, y0 - CELL],
      [x0, y0],
    ],
  };
}

const dirs: string[] = [];
const tempDir = () => {
  dirs.push(mkdtempSync(join(tmpdir(), 'rcf-gpkg-')));
  return dirs[dirs.length - 1];
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const layout = (features: number, crs: CrsInfo | null = UTM16): GpkgLayout => ({ features, sources: [{ name: 'a.tif', crs }] });
// Only a resume reads the run's cells (the rows it keeps must be their first, in order).
const fresh = { resume: false, overwrite: false, cells: () => [] };
const BACKEND = { name: 'cpu', device: 'CPU (test)' };

/** GDAL's validator: exit 0 and nothing printed when the file conforms. */
function validate(file: string): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-m', 'osgeo_utils.samples.validate_gpkg', '-k', '--extra', file], { encoding: 'utf8' });
  return `${r.status} ${r.stdout}${r.stderr}`.trim();
}

/** What GDAL's OGR sees: SRS, count, extent, fields and geometries of a layer. */
function ogrRead(
  file: string,
  layer = 'cells',
): {
  epsg: string | null;
  count: number;
  extent: number[];
  geomType: string;
  fields: { name: string; type: string }[];
  features: { fid: number; wkt: string; values: Record<string, unknown> }[];
  metadata: Record<string, string>;
} {
  const out = runPython(
    `
import json, sys
from osgeo import ogr
ogr.UseExceptions()
ds = ogr.Open(sys.argv[1])
lyr = ds.GetLayerByName(sys.argv[2])
srs = lyr.GetSpatialRef()
if srs is not None: srs.AutoIdentifyEPSG()
defn = lyr.GetLayerDefn()
fields = [{'name': defn.GetFieldDefn(i).GetName(), 'type': defn.GetFieldDefn(i).GetTypeName()} for i in range(defn.GetFieldCount())]
feats = []
for f in lyr:
    vals = {}
    for i, fd in enumerate(fields):
        if not f.IsFieldSetAndNotNull(i): vals[fd['name']] = None
        elif fd['type'] == 'Binary': vals[fd['name']] = f.GetFieldAsBinary(i).hex()
        else: vals[fd['name']] = f.GetField(i)
    feats.append({'fid': f.GetFID(), 'wkt': f.GetGeometryRef().ExportToIsoWkt(), 'values': vals})
print(json.dumps({'epsg': srs.GetAuthorityCode(None) if srs else None, 'count': lyr.GetFeatureCount(), 'extent': list(lyr.GetExtent()),
  'geomType': ogr.GeometryTypeToName(lyr.GetGeomType()), 'fields': fields, 'features': feats, 'metadata': ds.GetMetadata()}))
`,
    [file, layer],
  );
  return JSON.parse(out);
}

function rows(file: string, sql: string): Record<string, unknown>[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('GpkgOutput', () => {
  it('writes a GeoPackage that GDAL validates and reads back exactly', async () => {
    const dir = tempDir();
    const file = join(dir, 'out.gpkg');
    const K = 8;
    const cells = [
      makeCell('a.tif', 0, 0, K),
      makeCell('a.tif', 0, 1, K, 'some'),
      makeCell('a.tif', 1, 0, K, 'all'),
      makeCell('a.tif', 1, 1, K),
    ];
    const out = await GpkgOutput.open(file, layout(K), { k: K, seed: 1 }, fresh);
    for (const c of cells) await out.write(c);
    const weights = Float32Array.from({ length: 4 * 2 * 3 * 3 }, (_, i) => Math.fround(i / 7 - 2));
    out.setWeights([4, 2, 3, 3], weights);
    await out.finish({ tool: 'rcf', features: K, inputs: ['a.tif'] });
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.partial`)).toBe(false);

    expect(validate(file)).toBe('0');
    const header = JSON.parse(
      runPython(
        'import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]); ' +
          "print(json.dumps([c.execute('PRAGMA application_id').fetchone()[0], c.execute('PRAGMA user_version').fetchone()[0]]))",
        [file],
      ),
    );
    expect(header).toEqual([0x47504b47, 10300]);

    const ogr = ogrRead(file);
    expect(ogr.epsg).toBe('32616');
    expect(ogr.geomType).toBe('Polygon');
    expect(ogr.count).toBe(4);
    // OGR's extent is [minx, maxx, miny, maxy].
    expect(ogr.extent).toEqual([ORIGIN_X, ORIGIN_X + 2 * CELL, ORIGIN_Y - 2 * CELL, ORIGIN_Y]);
    expect(ogr.fields.map((f) => f.name)).toEqual([
      'cell_id',
      'source',
      'row',
      'col',
      'valid_fraction',
      ...Array.from({ length: K }, (_, i) => `f${i}`),
    ]);
    ogr.features.forEach((f, n) => {
      const c = cells[n];
      expect(f.fid).toBe(n + 1);
      expect(f.values.cell_id).toBe(c.cellId);
      expect(f.values.source).toBe('a.tif');
      expect([f.values.row, f.values.col]).toEqual([c.row, c.col]);
      expect(f.values.valid_fraction).toBe(Math.fround(c.validFraction));
      for (let i = 0; i < K; i++) expect(f.values[`f${i}`]).toBe(Number.isNaN(c.features[i]) ? null : Math.fround(c.features[i]));
      expect(f.wkt).toBe(`POLYGON ((${c.ring.map(([x, y]) => `${x} ${y}`).join(',')}))`);
    });
    const contents = rows(file, "SELECT min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = 'cells'")[0];
    expect(contents).toEqual({ min_x: ORIGIN_X, min_y: ORIGIN_Y - 2 * CELL, max_x: ORIGIN_X + 2 * CELL, max_y: ORIGIN_Y, srs_id: 32616 });
    expect(rows(file, 'SELECT count(*) AS n FROM rtree_cells_geom')[0].n).toBe(4);
    expect(rows(file, "SELECT name FROM sqlite_master WHERE name = 'rcf_run'")).toEqual([]);

    // Provenance: JSON in gpkg_metadata, which GDAL also reports as dataset metadata.
    const md = rows(file, 'SELECT md_scope, mime_type, metadata FROM gpkg_metadata')[0];
    expect(md.md_scope).toBe('dataset');
    expect(md.mime_type).toBe('application/json');
    const { output, ...provenance } = JSON.parse(String(md.metadata));
    expect(provenance).toEqual({ tool: 'rcf', features: K, inputs: ['a.tif'], run: { k: K, seed: 1 } });
    // The rows checksum is that of the rows as SQLite gives them back.
    const hash = createHash('sha256');
    for (const r of rows(file, 'SELECT * FROM cells ORDER BY fid'))
      hashRow(hash, Object.values(r) as (number | string | Uint8Array | null)[]);
    expect(output).toEqual({ rows: 4, sha256: hash.digest('hex') });
    expect(rows(file, 'SELECT reference_scope, md_file_id FROM gpkg_metadata_reference')).toEqual([
      { reference_scope: 'geopackage', md_file_id: 1 },
    ]);
    expect(Object.values(ogr.metadata).some((v) => v.includes('"tool": "rcf"'))).toBe(true);

    // The weights round-trip through numpy.
    const w = JSON.parse(
      runPython(
        `import sqlite3, sys, json, numpy as np
shape, data = sqlite3.connect(sys.argv[1]).execute('SELECT shape, data FROM rcf_weights').fetchone()
print(json.dumps({'shape': json.loads(shape), 'data': np.frombuffer(data, dtype='<f4').reshape(json.loads(shape)).ravel().tolist()}))`,
        [file],
      ),
    );
    expect(w.shape).toEqual([4, 2, 3, 3]);
    expect(w.data).toEqual(Array.from(weights));
    expect(rows(file, "SELECT data_type FROM gpkg_contents WHERE table_name = 'rcf_weights'")).toEqual([{ data_type: 'attributes' }]);

    // GDAL can edit the file afterwards (its ST_* functions run our triggers) and it still validates.
    runPython(
      `
import sys
from osgeo import ogr
ogr.UseExceptions()
ds = ogr.Open(sys.argv[1], 1)
lyr = ds.GetLayerByName('cells')
f = lyr.GetFeature(1)
f.SetGeometry(ogr.CreateGeometryFromWkt('POLYGON ((0 0,10 0,10 -10,0 -10,0 0))'))
lyr.SetFeature(f)
g = ogr.Feature(lyr.GetLayerDefn())
g.SetField('cell_id', 'extra')
g.SetField('source', 'x')
g.SetField('row', 9)
g.SetField('col', 9)
g.SetGeometry(ogr.CreateGeometryFromWkt('POLYGON ((1 1,2 1,2 0,1 0,1 1))'))
lyr.CreateFeature(g)
ds = None
`,
      [file],
    );
    expect(validate(file)).toBe('0');
    expect(rows(file, 'SELECT id, minx, maxx FROM rtree_cells_geom WHERE id IN (1, 5) ORDER BY id')).toEqual([
      { id: 1, minx: 0, maxx: 10 },
      { id: 5, minx: 1, maxx: 2 },
    ]);
  });

  it('stores K > 1990 features as a float32 BLOB that GDAL opens and numpy decodes', async () => {
    const dir = tempDir();
    const file = join(dir, 'wide.gpkg');
    const K = 4096;
    const cells = [makeCell('a.tif', 0, 0, K), makeCell('a.tif', 0, 1, K, 'some'), makeCell('a.tif', 0, 2, K, 'all')];
    const out = await GpkgOutput.open(file, layout(K), { k: K }, fresh);
    for (const c of cells) await out.write(c);
    await out.finish({ tool: 'rcf' });

    expect(validate(file)).toBe('0');
    const info = spawnSync('ogrinfo', ['-ro', '-so', file, 'cells'], { encoding: 'utf8' });
    expect(info.status).toBe(0);
    expect(info.stdout).toContain('Feature Count: 3');
    expect(info.stdout).toMatch(/features: Binary/);
    expect(info.stdout).toContain('32616');

    const ogr = ogrRead(file);
    expect(ogr.count).toBe(3);
    expect(ogr.fields.map((f) => [f.name, f.type])).toContainEqual(['features', 'Binary']);
    const decoded = JSON.parse(
      runPython(
        `import sqlite3, sys, json, numpy as np
rows = sqlite3.connect(sys.argv[1]).execute('SELECT cell_id, features FROM cells ORDER BY fid').fetchall()
X = np.stack([np.frombuffer(b, dtype='<f4') for _, b in rows])
print(json.dumps({'ids': [r[0] for r in rows], 'shape': list(X.shape), \
'X': [[None if np.isnan(v) else float(v) for v in row] for row in X]}))`,
        [file],
      ),
    );
    expect(decoded.ids).toEqual(cells.map((c) => c.cellId));
    expect(decoded.shape).toEqual([3, K]);
    cells.forEach((c, n) => expect(decoded.X[n]).toEqual(Array.from(c.features, (v) => (Number.isNaN(v) ? null : Math.fround(v)))));
    // GDAL's binary field carries the same bytes.
    expect(ogr.features[0].values.features).toBe(Buffer.from(Float32Array.from(cells[0].features).buffer).toString('hex'));
  });

  it('writes CRSs without an EPSG code, and none, as the spec asks; refuses mixed CRSs', async () => {
    const dir = tempDir();
    const custom = join(dir, 'custom.gpkg');
    const out = await GpkgOutput.open(custom, layout(2, { epsg: null, proj4: UTM16.proj4, wkt: UTM16.wkt, name: 'my UTM' }), 1, fresh);
    await out.write(makeCell('a.tif', 0, 0, 2));
    await out.finish({});
    expect(validate(custom)).toBe('0');
    expect(rows(custom, 'SELECT srs_id, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id >= 100000')).toEqual([
      { srs_id: 100000, organization: 'NONE', organization_coordsys_id: 100000 },
    ]);
    expect(
      runPython(
        `import sys
from osgeo import ogr, osr
ds = ogr.Open(sys.argv[1])  # kept: the layer's SRS belongs to it
s = ds.GetLayer(0).GetSpatialRef()
e = osr.SpatialReference(); e.ImportFromEPSG(32616)
print(s.IsSame(e))`,
        [custom],
      ).trim(),
    ).toBe('1');

    const none = join(dir, 'none.gpkg');
    const out2 = await GpkgOutput.open(none, layout(2, null), 1, fresh);
    await out2.write(makeCell('a.tif', 0, 0, 2));
    await out2.finish({});
    expect(validate(none)).toBe('0');
    expect(rows(none, 'SELECT srs_id FROM gpkg_geometry_columns')).toEqual([{ srs_id: -1 }]);
    expect(ogrRead(none).epsg).toBe(null);

    const mixed: GpkgLayout = {
      features: 2,
      sources: [
        { name: 'a.tif', crs: UTM16 },
        { name: 'b.tif', crs: utm(32617) },
      ],
    };
    await expect(GpkgOutput.open(join(dir, 'mixed.gpkg'), mixed, 1, fresh)).rejects.toThrow(
      /a\.tif is in EPSG:32616 and b\.tif in EPSG:32617/,
    );
    await expect(GpkgOutput.open(join(dir, 'mixed.gpkg'), mixed, 1, fresh)).rejects.toBeInstanceOf(OutputError);
  });

  it('resumes an unfinished output and follows the CSV rules for finished ones', async () => {
    const dir = tempDir();
    const file = join(dir, 'r.gpkg');
    const K = 4;
    // Finished outputs are recognised by the run identity in their provenance, which must be one RCF Desktop can read.
    const KEY = firstVersionDocument().run;
    const OTHER_KEY = { ...KEY, bias: 0 };
    const all = [0, 1, 2, 3, 4].map((c) => makeCell('a.tif', 0, c, K));
    const resume = { resume: true, overwrite: false, cells: () => all.map((c) => c.cellId) };
    const first = await GpkgOutput.open(file, layout(K), KEY, fresh);
    await first.useBackend(BACKEND);
    for (const c of all.slice(0, 3)) await first.write(c);
    await first.close();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(true);

    await expect(GpkgOutput.open(file, layout(K), KEY, fresh)).rejects.toThrow(/r\.gpkg\.partial holds an unfinished run/);
    await expect(GpkgOutput.open(file, layout(K), OTHER_KEY, resume)).rejects.toThrow(/other settings or inputs/);
    await expect(GpkgOutput.open(file, layout(K + 1), KEY, resume)).rejects.toThrow(/other columns/);
    const second = await GpkgOutput.open(file, layout(K), KEY, resume);
    expect(second.alreadyFinished).toBe(false);
    await second.useBackend(BACKEND);
    expect([...second.doneCells]).toEqual(all.slice(0, 3).map((c) => c.cellId));
    for (const c of all.slice(3)) await second.write(c);
    await second.finish(currentProvenance());
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(rows(file, 'SELECT fid, cell_id FROM cells ORDER BY fid').map((r) => r.cell_id)).toEqual(all.map((c) => c.cellId));
    expect(validate(file)).toBe('0');

    await expect(GpkgOutput.open(file, layout(K), KEY, fresh)).rejects.toThrow(/r\.gpkg already exists/);
    await expect(GpkgOutput.open(file, layout(K), OTHER_KEY, resume)).rejects.toThrow(/r\.gpkg was made with other settings/);
    const again = await GpkgOutput.open(file, layout(K), KEY, resume);
    expect(again.alreadyFinished).toBe(true);
    expect(again.doneCells.size).toBe(0);
    await again.finish({}); // a no-op: the file stays as it was
    expect(rows(file, 'SELECT count(*) AS n FROM cells')[0].n).toBe(5);

    const over = await GpkgOutput.open(file, layout(K), OTHER_KEY, { ...resume, resume: false, overwrite: true });
    expect(over.alreadyFinished).toBe(false);
    expect(over.doneCells.size).toBe(0);
    expect(existsSync(file)).toBe(false);
    await over.close();
  });

  it('a partial left by a killed process resumes to the same rows as an uninterrupted run', async () => {
    const built = join(ROOT, 'dist/electron/engine/export/gpkg.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
    const dir = tempDir();
    const K = 16;
    const N = 1300;
    // The cells, as a module both this test and the child import.
    const cellsModule = join(dir, 'cells.mjs');
    writeFileSync(
      cellsModule,
      `export function cell(i, K) {
  const row = Math.floor(i / 50), col = i % 50, x0 = ${ORIGIN_X} + col * 160, y0 = ${ORIGIN_Y} - row * 160;
  const features = new Float64Array(K).map((_, k) => (i % 7 === 3 ? NaN : Math.cos(i * 31 + k)));
  return { cellId: 'a.tif:r' + row + 'c' + col, source: 'a.tif', row, col, x: x0 + 80, y: y0 - 80, lon: NaN, lat: NaN, \
validFraction: (i % 5) / 4, features,
    ring: [[x0, y0], [x0 + 160, y0], [x0 + 160, y0 - 160], [x0, y0 - 160], [x0, y0]] };
}
`,
    );
    const { cell } = (await import(pathToFileURL(cellsModule).href)) as { cell: (i: number, K: number) => CellResult };
    const killed = join(dir, 'killed.gpkg');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { GpkgOutput } from ${JSON.stringify(pathToFileURL(built).href)};
import { cell } from ${JSON.stringify(pathToFileURL(cellsModule).href)};
const out = await GpkgOutput.open(${JSON.stringify(killed)}, ${JSON.stringify(layout(K))}, { run: 'kill' }, \
{ resume: false, overwrite: false });
await out.useBackend(${JSON.stringify(BACKEND)});
for (let i = 0; i < 1234; i++) await out.write(cell(i, ${K}));
process.stdout.write('written\\n');
setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('written') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before writing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(`${killed}.partial`)).toBe(true);
    expect(existsSync(killed)).toBe(false);

    const ids = () => Array.from({ length: N }, (_, i) => cell(i, K).cellId);
    const resumed = await GpkgOutput.open(killed, layout(K), { run: 'kill' }, { resume: true, overwrite: false, cells: ids });
    await resumed.useBackend(BACKEND);
    const done = resumed.doneCells.size;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(1234); // the last batch was never committed
    expect([...resumed.doneCells]).toEqual(Array.from({ length: done }, (_, i) => cell(i, K).cellId));
    for (let i = 0; i < N; i++) if (!resumed.doneCells.has(cell(i, K).cellId)) await resumed.write(cell(i, K));
    await resumed.finish({ tool: 'rcf' });

    const straight = join(dir, 'straight.gpkg');
    const ref = await GpkgOutput.open(straight, layout(K), { run: 'kill' }, fresh);
    await ref.useBackend(BACKEND);
    for (let i = 0; i < N; i++) await ref.write(cell(i, K));
    await ref.finish({ tool: 'rcf' });

    expect(validate(killed)).toBe('0');
    const dump = (f: string) => rows(f, 'SELECT * FROM cells ORDER BY fid');
    const a = dump(killed);
    expect(a.length).toBe(N);
    expect(a).toEqual(dump(straight));
    const rtree = (f: string) => rows(f, 'SELECT * FROM rtree_cells_geom ORDER BY id');
    expect(rtree(killed)).toEqual(rtree(straight));
    expect(rows(killed, "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'cells'")).toEqual(
      rows(straight, "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'cells'"),
    );
  });
});

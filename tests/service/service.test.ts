// The featurizer service behind the IPC contract (electron/service), called as the
// utility process calls it, against independent truths: gdalinfo and OSR for the
// header and footprint, the `rcf` command line for the cells and the CSV bytes, OGR
// for the GeoPackage, and the contract's own schemas for every answer.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createService, type Service as RealService } from '../../electron/service/service.js';
import { RunStore } from '../../electron/service/runs.js';
import { isCancelled, kindOf } from '../../shared/errors/index.js';
import { connectRpc, serveRpc, type PortLike } from '../../shared/ipc/rpc.js';
import {
  RunSettings,
  serviceCalls,
  serviceEvents,
  type EventPayload,
  type RunRecord,
  type RunSettingsInput,
  type ServiceEventName,
  type ServiceHandlers,
} from '../../shared/ipc/contract.js';
import { argvFromSettings } from '../../shared/run/index.js';
import { rcf, readCsv, tempDir, ROOT } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const AOI = join(ROOT, 'tests/fixtures/aoi/landsat_hole_4326.geojson');

type Events = { [E in ServiceEventName]: EventPayload<E>[] };

/** The handlers called directly: serveRpc passes each call's signal; here it is one nobody aborts, unless a test passes its own. */
type Handlers = {
  [N in keyof ServiceHandlers]: (request: Parameters<ServiceHandlers[N]>[0], signal?: AbortSignal) => ReturnType<ServiceHandlers[N]>;
};
interface Service {
  handlers: Handlers;
  grantExport: RealService['grantExport'];
  close(): Promise<void>;
}

/** A service on its own data folder, recording (and validating) every event it emits. */
function startService(dataDir: string): { service: Service; events: Events } {
  const events: Events = { progress: [], notice: [], ended: [], fitProgress: [], fitEnded: [] };
  const service = createService({
    dataDir,
    emit: (event, payload) => {
      serviceEvents[event].parse(payload);
      (events[event] as unknown[]).push(payload);
    },
  });
  type Untyped = (request: never, signal: AbortSignal) => unknown;
  const withSignal =
    (handler: Untyped) =>
    (request: never, signal = new AbortController().signal) =>
      handler(request, signal);
  const handlers = Object.fromEntries(Object.entries(service.handlers).map(([name, handler]) => [name, withSignal(handler)])) as Handlers;
  return { service: { handlers, grantExport: (grant) => service.grantExport(grant), close: () => service.close() }, events };
}

let tokens = 0;
/** As Electron main does after its save dialog: grants `path` (replacing only if `replace`), then the renderer's exportRun. */
function exportTo(service: Service, runId: string, format: 'csv' | 'gpkg', path: string, replace = false) {
  const token = `test-export-token-${++tokens}`;
  service.grantExport({ kind: 'grant-export', token, path, format, replace });
  return service.handlers.exportRun({ runId, format, token });
}

function settings(over: Partial<RunSettingsInput> = {}): RunSettings {
  return RunSettings.parse({
    inputs: [SAMPLE],
    mode: 'gaussian',
    features: 32,
    kernel: 3,
    seed: 7,
    scale: 0.0001,
    offset: 0,
    cellSize: '64',
    edge: 'drop',
    area: { kind: 'file', path: AOI },
    nodata: 'mask',
    convention: 'torchgeo',
    backend: 'cpu',
    threads: 2,
    ...over,
  });
}

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const endedOf = (events: Events, runId: string) => () => events.ended.find((e) => e.id === runId);

/** GDAL/OGR: each cell polygon of a GeoPackage (layer 'cells'), its distinct vertices transformed to WGS84 (lon, lat). */
function gpkgCellsLonLat(path: string): { row: number; col: number; corners: [number, number][] }[] {
  return JSON.parse(
    runPython(
      `
import json, sys
from osgeo import ogr, osr
ogr.UseExceptions()
ds = ogr.Open(sys.argv[1])
layer = ds.GetLayerByName('cells')
wgs84 = osr.SpatialReference(); wgs84.ImportFromEPSG(4326); wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to = osr.CoordinateTransformation(layer.GetSpatialRef(), wgs84)
out = []
for f in layer:
    g = f.GetGeometryRef().Clone()
    g.Transform(to)
    ring = g.GetGeometryRef(0)
    pts = [list(ring.GetPoint_2D(i)) for i in range(ring.GetPointCount() - 1)]
    out.append({'row': f.GetField('row'), 'col': f.GetField('col'), 'corners': pts})
out.sort(key=lambda c: (c['row'], c['col']))
print(json.dumps(out))
`,
      [path],
    ),
  );
}

function ogrFeatureCount(path: string): number {
  return Number(
    runPython(`import sys\nfrom osgeo import ogr\nds = ogr.Open(sys.argv[1])\nprint(ds.GetLayerByName('cells').GetFeatureCount())`, [
      path,
    ]).trim(),
  );
}

/** Every corner of `got` is within tol of some corner of `want`, and the counts agree. */
function expectSameCorners(got: [number, number][], want: [number, number][], tol: number): void {
  expect(got.length).toBe(want.length);
  for (const [lon, lat] of got) {
    const d = Math.min(...want.map(([x, y]) => Math.max(Math.abs(x - lon), Math.abs(y - lat))));
    expect(d).toBeLessThan(tol);
  }
}

describe('service: inspect', () => {
  let service: Service;
  let dir: string;
  beforeAll(() => {
    dir = tempDir('rcf-service-');
    service = startService(dir).service;
  });
  afterAll(() => service.close());

  it("answers gdalinfo's size, bands, data type and geotransform", async () => {
    const view = serviceCalls.inspect.response.parse(await service.handlers.inspect({ path: SAMPLE }));
    const gdal = JSON.parse(execFileSync('gdalinfo', ['-json', SAMPLE], { encoding: 'utf8' }));
    expect([view.width, view.height]).toEqual(gdal.size);
    expect(view.bands).toBe(gdal.bands.length);
    expect(new Set(gdal.bands.map((b: { type: string }) => b.type.toLowerCase()))).toEqual(new Set([view.dtype.toLowerCase()]));
    expect(view.transform).toEqual(gdal.geoTransform);
    expect(view.crs?.epsg).toBe(Number(gdal.stac['proj:epsg']));
    expect(view.name).toBe('landsat8_b2-b5.tif');
  });

  it("has a footprint whose corners are GDAL's transform of the pixel corners to EPSG:4326 (1e-6°)", async () => {
    const view = await service.handlers.inspect({ path: SAMPLE });
    const ring = view.footprint!;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    const truth: [number, number][] = JSON.parse(
      runPython(
        `
import json, sys
from osgeo import gdal, osr
ds = gdal.Open(sys.argv[1])
t = ds.GetGeoTransform(); w, h = ds.RasterXSize, ds.RasterYSize
wgs84 = osr.SpatialReference(); wgs84.ImportFromEPSG(4326); wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to = osr.CoordinateTransformation(ds.GetSpatialRef(), wgs84)
pts = []
for c, r in [(0, 0), (w, 0), (w, h), (0, h)]:
    x, y, _ = to.TransformPoint(t[0] + c * t[1] + r * t[2], t[3] + c * t[4] + r * t[5])
    pts.append([x, y])
print(json.dumps(pts))
`,
        [SAMPLE],
      ),
    );
    // The ring walks the edges clockwise from the top-left corner, so the corners are where each side starts.
    const side = (ring.length - 1) / 4;
    expect(Number.isInteger(side)).toBe(true);
    truth.forEach(([lon, lat], i) => {
      expect(Math.abs(ring[i * side][0] - lon)).toBeLessThan(1e-6);
      expect(Math.abs(ring[i * side][1] - lat)).toBeLessThan(1e-6);
    });
  });

  it('names the file in a one-line error for a truncated raster', async () => {
    const bytes = readFileSync(SAMPLE);
    for (const [name, length] of [
      ['cut-header.tif', 6],
      ['cut-middle.tif', Math.floor(bytes.length / 2)],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes.subarray(0, length));
      const error = await service.handlers.inspect({ path }).then(
        () => null,
        (e: Error) => e,
      );
      expect(error, name).toBeInstanceOf(Error);
      expect(error!.message).toContain(name);
      expect(error!.message).not.toContain('\n');
    }
  });
});

describe('service: a run against the rcf command line', () => {
  let dir: string;
  let service: Service;
  let events: Events;
  let cliCsv: string;
  let cliGpkg: string;
  let runId: string;
  let record: RunRecord;
  const s = settings();

  beforeAll(async () => {
    dir = tempDir('rcf-service-');
    ({ service, events } = startService(join(dir, 'data')));
    cliCsv = join(dir, 'cli.csv');
    cliGpkg = join(dir, 'cli.gpkg');
    for (const out of [cliCsv, cliGpkg]) {
      const r = rcf(['featurize', ...argvFromSettings(s, out), '--progress', 'none']);
      expect(r.stderr).toMatch(/wrote/);
      expect(r.code).toBe(0);
    }
    runId = (await service.handlers.startRun({ settings: s })).runId;
    record = await waitFor('the run to end', endedOf(events, runId));
  });
  afterAll(() => service.close());

  it('counts in gridPreview the cells the CLI writes for the same area, with the GeoPackage cells as rings', async () => {
    const preview = serviceCalls.gridPreview.response.parse(await service.handlers.gridPreview({ settings: s, limit: 20_000 }));
    const rows = readCsv(cliCsv).rows;
    expect(rows.length).toBeGreaterThan(3);
    expect(preview.count).toBe(rows.length);
    expect(preview.perInput).toEqual([{ name: 'landsat8_b2-b5.tif', cells: rows.length, cellPixels: '64' }]);
    expect(preview.truncated).toBe(false);
    const gpkg = gpkgCellsLonLat(cliGpkg);
    expect(gpkg.map((c) => [c.row, c.col])).toEqual(rows.map((r) => [Number(r[2]), Number(r[3])]));
    expect(preview.cells.length).toBe(gpkg.length);
    preview.cells.forEach((ring, i) => {
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      expectSameCorners(ring.slice(0, -1), gpkg[i].corners, 1e-7);
    });
  });

  it('truncates the rings at the limit and still counts every cell', async () => {
    const preview = await service.handlers.gridPreview({ settings: s, limit: 2 });
    expect(preview.cells.length).toBe(2);
    expect(preview.count).toBe(readCsv(cliCsv).rows.length);
    expect(preview.truncated).toBe(true);
  });

  it("sends progress and then 'ended' (finished), and the run's CSV is the CLI's byte for byte", async () => {
    expect(record.state).toBe('finished');
    expect(record.message).toBeNull();
    const progress = events.progress.filter((p) => p.runId === runId);
    expect(progress.length).toBeGreaterThan(0);
    const last = progress[progress.length - 1];
    expect(last.cellsDone).toBe(last.cellsTotal);
    expect(last.cellsTotal).toBe(readCsv(cliCsv).rows.length);
    expect(record.cells).toBe(last.cellsTotal);
    const runDir = join(dir, 'data', 'runs', runId);
    expect(readFileSync(join(runDir, 'features.csv')).equals(readFileSync(cliCsv))).toBe(true);
    expect(existsSync(join(runDir, 'features.csv.json'))).toBe(true);
    expect(ogrFeatureCount(join(runDir, 'features.gpkg'))).toBe(readCsv(cliCsv).rows.length);
    // The record on disk says the same as the event.
    expect(JSON.parse(readFileSync(join(runDir, 'record.json'), 'utf8'))).toEqual(record);
  });

  it('exports CSV (with its sidecar) and GeoPackage as exactly the run files, leaving no .partial', async () => {
    const out = join(dir, 'exports');
    mkdirSync(out);
    const runDir = join(dir, 'data', 'runs', runId);
    const csv = serviceCalls.exportRun.response.parse(await exportTo(service, runId, 'csv', join(out, 'mine.csv')));
    expect(csv).toEqual({ path: join(out, 'mine.csv'), bytes: readFileSync(cliCsv).length });
    expect(readFileSync(join(out, 'mine.csv')).equals(readFileSync(join(runDir, 'features.csv')))).toBe(true);
    expect(readFileSync(join(out, 'mine.csv.json')).equals(readFileSync(join(runDir, 'features.csv.json')))).toBe(true);
    const gpkg = await exportTo(service, runId, 'gpkg', join(out, 'mine.gpkg'));
    expect(readFileSync(gpkg.path).equals(readFileSync(join(runDir, 'features.gpkg')))).toBe(true);
    expect(gpkg.bytes).toBe(readFileSync(join(runDir, 'features.gpkg')).length);
    expect(ogrFeatureCount(gpkg.path)).toBe(readCsv(cliCsv).rows.length);
    expect(readdirSync(out).sort()).toEqual(['mine.csv', 'mine.csv.json', 'mine.gpkg']);
  });

  it('refuses an export to a folder that does not exist, leaving nothing behind', async () => {
    const path = join(dir, 'missing', 'x.csv');
    await expect(exportTo(service, runId, 'csv', path)).rejects.toThrow(/cannot write .*missing/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('colours every cell with finite features from PCA; the explained shares are ≤ 1 in all and decreasing', async () => {
    const results = serviceCalls.results.response.parse(await service.handlers.results({ runId }));
    const { header, rows } = readCsv(cliCsv);
    expect(results.features).toBe(header.length - 9);
    expect(results.cells.map((c) => c.cellId)).toEqual(rows.map((r) => r[0]));
    results.cells.forEach((cell, i) => {
      const finite = rows[i].slice(9).every((v) => v !== '' && Number.isFinite(Number(v)));
      if (finite) {
        expect(cell.rgb).not.toBeNull();
        for (const c of cell.rgb!) expect(c >= 0 && c <= 255).toBe(true);
      } else expect(cell.rgb).toBeNull();
      expect(cell.validFraction).toBe(Number(rows[i][8]));
    });
    // Not all one colour: the components separate the cells.
    expect(new Set(results.cells.map((c) => c.rgb!.join(','))).size).toBeGreaterThan(1);
    const shares = results.explained;
    expect(shares.length).toBe(3);
    for (const v of shares) expect(v).toBeGreaterThanOrEqual(0);
    expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeLessThanOrEqual(shares[i - 1] + 1e-12);
    // The result rings are the grid preview's.
    const preview = await service.handlers.gridPreview({ settings: s, limit: 20_000 });
    results.cells.forEach((cell, i) => expectSameCorners(cell.ring.slice(0, -1), preview.cells[i].slice(0, -1), 1e-9));
  });

  it("returns a cell's values as the CSV row has them", async () => {
    const { rows } = readCsv(cliCsv);
    for (const row of [rows[0], rows[Math.floor(rows.length / 2)], rows[rows.length - 1]]) {
      const values = serviceCalls.cellValues.response.parse(await service.handlers.cellValues({ runId, cellId: row[0] }));
      expect(values).toEqual({
        cellId: row[0],
        source: row[1],
        row: Number(row[2]),
        col: Number(row[3]),
        validFraction: Number(row[8]),
        features: row.slice(9).map((v) => (v === '' ? null : Math.fround(Number(v)))),
      });
    }
    await expect(service.handlers.cellValues({ runId, cellId: 'no-such-cell' })).rejects.toThrow(/no cell no-such-cell/);
  });

  it('estimates the same cells as the preview, a positive time and a plausible memory', async () => {
    const estimate = serviceCalls.estimate.response.parse(await service.handlers.estimate({ settings: s }));
    const preview = await service.handlers.gridPreview({ settings: s, limit: 1 });
    expect(estimate.cells).toBe(preview.count);
    expect(estimate.seconds).toBeGreaterThan(0);
    expect(estimate.gflopsPerSecond).toBeGreaterThan(0);
    expect(estimate.backend).toMatch(/cpu/i);
    // 62×62 windows of a 64-px cell (3×3 kernel), 16 filters of 4×3×3, two flops each.
    expect(estimate.windows).toBe(preview.count * 62 * 62);
    expect(estimate.flops).toBe(estimate.windows * 16 * 4 * 9 * 2);
    expect(estimate.bytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(estimate.bytes).toBeLessThan(2 * 1024 ** 3);
  });
});

describe('service: cancel, refusals and the history', () => {
  let dir: string;
  let service: Service;
  let events: Events;
  const long = settings({ mode: 'gaussian', features: 4096, kernel: 3, seed: 0, cellSize: '16', area: null });
  const small = settings({ mode: 'gaussian', features: 16, kernel: 3, seed: 0, cellSize: '128', area: null });

  beforeAll(() => {
    dir = tempDir('rcf-service-');
    ({ service, events } = startService(dir));
  });
  afterAll(() => service.close());

  let cancelledId: string;
  it('cancels a long run within seconds; the record says cancelled and nothing can be exported', async () => {
    const { runId } = await service.handlers.startRun({ settings: long });
    cancelledId = runId;
    const running = await service.handlers.history({});
    expect(running.runs.find((r) => r.id === runId)?.state).toBe('running');
    await waitFor('progress', () => events.progress.find((p) => p.runId === runId && p.cellsDone > 0));
    const started = performance.now();
    expect(await service.handlers.cancelRun({ runId })).toEqual({ cancelled: true });
    expect(performance.now() - started).toBeLessThan(10_000);
    const ended = events.ended.find((e) => e.id === runId)!;
    expect(ended.state).toBe('cancelled');
    expect(ended.message).toBe('stopped by the user; the cells done are kept (Resume continues the run)');
    expect(ended.ended).not.toBeNull();
    const last = events.progress.filter((p) => p.runId === runId).pop()!;
    expect(last.cellsDone).toBeLessThan(last.cellsTotal);
    // The record counts the cells it keeps.
    expect(ended.cells).toBe(last.cellsDone);
    await expect(new RunStore(dir).load(runId)).resolves.toMatchObject({ state: 'cancelled' });
    // Cancelling it again does nothing.
    expect(await service.handlers.cancelRun({ runId })).toEqual({ cancelled: false });
    await expect(exportTo(service, runId, 'csv', join(dir, 'x.csv'))).rejects.toThrow(
      `run ${runId} is cancelled; only finished runs can be exported`,
    );
    await expect(service.handlers.results({ runId })).rejects.toThrow(/is cancelled/);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
    expect(existsSync(join(dir, 'x.csv.partial'))).toBe(false);
  });

  it('resumes a cancelled run, keeping its cells, to exactly the CSV an uninterrupted run writes', async () => {
    const s = settings({ mode: 'gaussian', features: 64, kernel: 3, seed: 0, cellSize: '16', area: null, backend: 'cpu', threads: 1 });
    const { runId } = await service.handlers.startRun({ settings: s });
    await waitFor('progress', () => events.progress.find((p) => p.runId === runId && p.cellsDone > 0));
    await service.handlers.cancelRun({ runId });
    const cancelled = events.ended.find((e) => e.id === runId)!;
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.cells).toBeGreaterThan(0);
    // Only a stopped run resumes.
    const finishedRun = (await service.handlers.history({})).runs.find((r) => r.state === 'finished');
    if (finishedRun)
      await expect(service.handlers.resumeRun({ runId: finishedRun.id })).rejects.toThrow(/only a cancelled or interrupted run/);

    const before = events.ended.length;
    expect(await service.handlers.resumeRun({ runId })).toEqual({ runId, queuePosition: null });
    const resumed = await waitFor('the resumed run to end', () => events.ended.slice(before).find((e) => e.id === runId));
    expect(resumed.state).toBe('finished');
    const cli = join(dir, 'uninterrupted.csv');
    expect(rcf(['featurize', ...argvFromSettings(s, cli), '--progress', 'none']).code).toBe(0);
    const store = new RunStore(dir);
    expect(readFileSync(store.csvPath(runId), 'utf8')).toBe(readFileSync(cli, 'utf8'));
    expect(readCsv(store.csvPath(runId)).rows).toHaveLength(resumed.cells);
  });

  it('refuses to export a run that is still running', async () => {
    const { runId } = await service.handlers.startRun({ settings: long });
    await expect(exportTo(service, runId, 'gpkg', join(dir, 'y.gpkg'))).rejects.toThrow(
      `run ${runId} is running; only finished runs can be exported`,
    );
    await service.handlers.cancelRun({ runId });
    await expect(exportTo(service, 'nope', 'csv', join(dir, 'y.csv'))).rejects.toThrow('run nope does not exist');
  });

  it('lists runs newest first, across a new service on the same folder, skipping a damaged record', async () => {
    const ids = [cancelledId];
    for (let i = 0; i < 3; i++) ids.push((await service.handlers.startRun({ settings: small })).runId);
    for (const id of ids.slice(1)) expect((await waitFor('the run to end', endedOf(events, id))).state).toBe('finished');
    const listed = (await service.handlers.history({})).runs.map((r) => r.id);
    // Every run started here, in reverse order of starting (the one cancelled unexported in between included).
    const mine = listed.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    // And the resumed one and the one refused export while running.
    expect(listed.length).toBe(ids.length + 2);

    // A damaged record is left out, the rest survive a restart.
    writeFileSync(join(dir, 'runs', ids[2], 'record.json'), '{"id": "truncat');
    const again = startService(dir).service;
    try {
      const after = serviceCalls.history.response.parse(await again.handlers.history({}));
      expect(after.runs.map((r) => r.id)).toEqual(listed.filter((id) => id !== ids[2]));
      expect(after.runs.find((r) => r.id === ids[3])).toMatchObject({ state: 'finished', settings: small });
      // A run left 'running' by a service that stopped without ending it (a crash) is reported, and kept, as failed.
      const store = new RunStore(dir);
      const crashed = await store.create();
      await store.save({
        id: crashed,
        settings: small,
        state: 'running',
        started: new Date().toISOString(),
        ended: null,
        message: null,
        cells: 0,
        provenance: null,
      });
      const withCrash = (await again.handlers.history({})).runs;
      expect(withCrash[0]).toMatchObject({ id: crashed, state: 'failed', message: expect.stringMatching(/^interrupted/) });
      expect(await store.load(crashed)).toMatchObject({ state: 'failed' });
      await expect(again.handlers.results({ runId: crashed })).rejects.toThrow(`run ${crashed} is failed; it has no results`);
      const csv = await again.handlers.cellValues({ runId: ids[3], cellId: readCsv(join(dir, 'runs', ids[3], 'features.csv')).rows[0][0] });
      expect(csv.features.length).toBe(16);
    } finally {
      await again.close();
    }
  });
});

describe('service: cancelled and superseded previews and estimates', () => {
  let dir: string;
  let service: Service;
  const s = settings({ cellSize: '64' });

  beforeAll(() => {
    dir = tempDir('rcf-service-');
    service = startService(dir).service;
  });
  afterAll(() => service.close());

  it('gridPreview, estimate and preview stop with a cancelled error when their signal aborts while they work', async () => {
    const calls: [string, (signal: AbortSignal) => Promise<unknown>][] = [
      ['gridPreview', (signal) => service.handlers.gridPreview({ settings: s, limit: 10 }, signal)],
      ['estimate', (signal) => service.handlers.estimate({ settings: s }, signal)],
      ['preview', (signal) => service.handlers.preview({ path: SAMPLE, bands: [3, 2, 1], maxSize: 64 }, signal)],
    ];
    for (const [name, call] of calls) {
      const controller = new AbortController();
      const outcome = call(controller.signal).then(
        () => 'answered',
        (error: unknown) => error,
      );
      // Aborted while the raster is still being opened: the handler stops at its next step.
      controller.abort();
      const error = await outcome;
      expect(isCancelled(error), `${name}: ${String(error)}`).toBe(true);
      expect(kindOf(error)).toBe('cancelled');
    }
    // Left alone, the same calls answer.
    expect((await service.handlers.gridPreview({ settings: s, limit: 10 })).count).toBeGreaterThan(0);
    expect((await service.handlers.estimate({ settings: s })).cells).toBeGreaterThan(0);
  });

  it('over the RPC, a newer gridPreview or estimate supersedes the older: only the newest is answered', async () => {
    // An in-memory port pair, as the utility process's MessagePort (no close needed here).
    const ends = [[], []] as ((message: unknown) => void)[][];
    const port = (me: 0 | 1): PortLike => ({
      post: (message) => setTimeout(() => ends[1 - me].forEach((listen) => listen(structuredClone(message))), 0),
      listen: (onMessage) => ends[me].push(onMessage),
      onClose: () => {},
    });
    const answers: { id: number; ok: boolean; errorKind?: string }[] = [];
    ends[0].push((message) => answers.push(message as (typeof answers)[number]));
    const real = createService({ dataDir: dir, emit: () => {} });
    serveRpc(port(1), real.handlers);
    const client = connectRpc(port(0));
    try {
      const first = client.call('gridPreview', { settings: s, limit: 10 });
      const second = client.call('gridPreview', { settings: settings({ cellSize: '128' }), limit: 10 });
      const firstEstimate = client.call('estimate', { settings: s });
      const secondEstimate = client.call('estimate', { settings: settings({ cellSize: '128' }) });
      for (const older of [first, firstEstimate]) expect(kindOf(await older.catch((e: unknown) => e))).toBe('cancelled');
      expect((await second).perInput[0].cellPixels).toBe('128');
      expect((await secondEstimate).cells).toBe((await second).count);
      // The server aborted the older calls' signals and answered them (ids 1 and 3) as cancelled.
      const older = () => answers.filter((a) => a.id === 1 || a.id === 3);
      await waitFor('the answers to the older calls', () => (older().length === 2 ? true : undefined));
      expect(older()).toEqual([
        expect.objectContaining({ ok: false, errorKind: 'cancelled' }),
        expect.objectContaining({ ok: false, errorKind: 'cancelled' }),
      ]);
    } finally {
      await real.close();
    }
  });
});

describe('service: the run queue', () => {
  let dir: string;
  let service: Service;
  let events: Events;
  const long = settings({ features: 4096, kernel: 3, seed: 0, cellSize: '16', area: null });
  const small = settings({ features: 16, kernel: 3, seed: 0, cellSize: '128', area: null });

  beforeAll(() => {
    dir = tempDir('rcf-service-');
    ({ service, events } = startService(dir));
  });
  afterAll(() => service.close());

  it('runs one at a time; the others wait with their place, told again as it changes; a queued run cancels before it starts', async () => {
    const first = await service.handlers.startRun({ settings: long });
    const second = await service.handlers.startRun({ settings: small });
    const third = await service.handlers.startRun({ settings: small });
    expect([first.queuePosition, second.queuePosition, third.queuePosition]).toEqual([null, 1, 2]);
    const states = (await service.handlers.history({})).runs.map((r) => [r.id, r.state]);
    expect(states).toEqual([
      [third.runId, 'queued'],
      [second.runId, 'queued'],
      [first.runId, 'running'],
    ]);

    // The second leaves the queue: the third is next, and is told so.
    expect(await service.handlers.cancelRun({ runId: second.runId })).toEqual({ cancelled: true });
    expect(events.ended.find((e) => e.id === second.runId)).toMatchObject({
      state: 'cancelled',
      message: 'cancelled by the user before it started',
      cells: 0,
    });
    expect(events.progress.filter((p) => p.runId === third.runId).map((p) => p.queuePosition)).toEqual([1]);
    expect(events.progress.some((p) => p.runId === third.runId && p.cellsDone > 0)).toBe(false);

    // The first ends (cancelled); then the third runs to its end, its progress no longer queued.
    await service.handlers.cancelRun({ runId: first.runId });
    expect((await waitFor('the third run', endedOf(events, third.runId))).state).toBe('finished');
    const progress = events.progress.filter((p) => p.runId === third.runId);
    expect(progress.at(-1)).toMatchObject({ queuePosition: null });
    expect(progress.at(-1)!.cellsDone).toBe(progress.at(-1)!.cellsTotal);
    expect(await new RunStore(dir).load(second.runId)).toMatchObject({ state: 'cancelled' });
  });

  it('refuses a run beyond the queue in one line, and takes runs again once there is room', async () => {
    const started = [];
    for (let i = 0; i < 17; i++) started.push(await service.handlers.startRun({ settings: long }));
    await expect(service.handlers.startRun({ settings: small })).rejects.toThrow(
      'the run queue is full (16 runs are waiting); cancel one or wait for one to finish',
    );
    await service.handlers.cancelRun({ runId: started[16].runId });
    const again = await service.handlers.startRun({ settings: small });
    expect(again.queuePosition).toBe(16);
    for (const { runId } of [...started, again].reverse()) await service.handlers.cancelRun({ runId });
    expect((await service.handlers.history({})).runs.filter((r) => r.state === 'queued' || r.state === 'running')).toEqual([]);
  });
});

describe('service: exports only where the save dialog said', () => {
  let dir: string;
  let service: Service;
  let events: Events;
  let runId: string;
  const small = settings({ features: 16, kernel: 3, seed: 0, cellSize: '128', area: null });

  beforeAll(async () => {
    dir = tempDir('rcf-service-');
    ({ service, events } = startService(join(dir, 'data')));
    runId = (await service.handlers.startRun({ settings: small })).runId;
    await waitFor('the run to end', endedOf(events, runId));
  });
  afterAll(() => service.close());

  const features = () => readFileSync(join(dir, 'data', 'runs', runId, 'features.csv'));

  it('does not replace an existing file (or its sidecar) unless the dialog confirmed it, and then replaces both', async () => {
    const path = join(dir, 'kept.csv');
    writeFileSync(path, 'mine');
    await expect(exportTo(service, runId, 'csv', path)).rejects.toThrow(
      'kept.csv already exists and was not replaced; choose another name or confirm replacing it',
    );
    expect(readFileSync(path, 'utf8')).toBe('mine');
    expect(existsSync(`${path}.json`)).toBe(false);

    const lone = join(dir, 'lone.csv');
    writeFileSync(`${lone}.json`, 'my sidecar');
    await expect(exportTo(service, runId, 'csv', lone)).rejects.toThrow(/^lone\.csv\.json already exists and was not replaced/);
    expect([existsSync(lone), readFileSync(`${lone}.json`, 'utf8')]).toEqual([false, 'my sidecar']);

    await exportTo(service, runId, 'csv', path, true);
    expect(readFileSync(path).equals(features())).toBe(true);
    expect(existsSync(`${path}.json`)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('replaces a planted link itself, never the file it points to', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'linked.csv');
    symlinkSync(victim, path);
    await expect(exportTo(service, runId, 'csv', path)).rejects.toThrow(/^linked\.csv already exists/);
    await exportTo(service, runId, 'csv', path, true);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path).equals(features())).toBe(true);
  });

  it('takes a grant once, for its format, and only absolute paths as the dialog gives them', async () => {
    const path = join(dir, 'once.csv');
    const token = 'a-single-use-export-token';
    service.grantExport({ kind: 'grant-export', token, path, format: 'csv', replace: false });
    await service.handlers.exportRun({ runId, format: 'csv', token });
    await expect(service.handlers.exportRun({ runId, format: 'csv', token })).rejects.toThrow(
      'this export location is no longer valid (the service restarted or it was used); choose it again',
    );
    await expect(exportTo(service, runId, 'csv', join(dir, 'g.gpkg')).then(() => 'ok')).resolves.toBe('ok');
    service.grantExport({
      kind: 'grant-export',
      token: 'a-token-chosen-for-csv',
      path: join(dir, 'x.gpkg'),
      format: 'csv',
      replace: false,
    });
    await expect(service.handlers.exportRun({ runId, format: 'gpkg', token: 'a-token-chosen-for-csv' })).rejects.toThrow(
      'this export location was chosen for csv, not gpkg',
    );
    for (const bad of ['relative.csv', `${dir}/sub/../x.csv`])
      expect(() =>
        service.grantExport({ kind: 'grant-export', token: 'another-export-token', path: bad, format: 'csv', replace: true }),
      ).toThrow(/an export path must be absolute, as the save dialog gives it$/);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });
});

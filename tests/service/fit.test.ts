// The Model step behind the IPC contract (electron/service): labels read for the map, folds on the cells, a fit
// with progress, its results and exports, against the `rcf fit` / `rcf predict` command line on the same files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createService, type Service } from '../../electron/service/service.js';
import { fitCommandLine } from '../../shared/model/index.js';
import {
  RunSettings,
  serviceCalls,
  serviceEvents,
  type EventPayload,
  type FitRecord,
  type ServiceEventName,
} from '../../shared/ipc/contract.js';
import { FitSettings, type FitSettings as FitSettingsType } from '../../shared/model/index.js';
import { rcf, readCsv, tempDir, ROOT } from '../helpers/cli.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
type Events = { [E in ServiceEventName]: EventPayload<E>[] };

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Points at every cell's centre, with a value that is a known linear function of the cell's features (so R² is near 1). */
export function labelsFromFeatures(featuresCsv: string, out: string): void {
  const { header, rows } = readCsv(featuresCsv);
  const at = (name: string) => header.indexOf(name);
  const lines = ['id,lon,lat,value,half'];
  rows.forEach((row, i) => {
    const f = (k: number) => Number(row[at(`f${k}`)]);
    const value = 10 * f(0) - 4 * f(1) + 2;
    lines.push(`${i},${row[at('lon')]},${row[at('lat')]},${value},${Number(row[at('col')]) < 4 ? 'west' : 'east'}`);
  });
  writeFileSync(out, lines.join('\n') + '\n');
}

const r2 = (observed: number[], predicted: (number | null)[]) => {
  const rows = observed.map((o, i) => [o, predicted[i]] as const).filter(([, p]) => p !== null) as [number, number][];
  const mean = rows.reduce((s, [o]) => s + o, 0) / rows.length;
  const ss = rows.reduce((s, [o, p]) => s + (o - p) ** 2, 0);
  const st = rows.reduce((s, [o]) => s + (o - mean) ** 2, 0);
  return 1 - ss / st;
};

describe('service: a fit against rcf fit and rcf predict', () => {
  const dir = tempDir('rcf-service-fit-');
  const events: Events = { progress: [], notice: [], ended: [], fitProgress: [], fitEnded: [] };
  let service: Service;
  let features: string;
  const labels = join(dir, 'labels.csv');
  let runId: string;
  let settings: FitSettingsType;
  let fit: FitRecord;
  let tokens = 0;
  const exportTo = (fitId: string, format: 'csv' | 'gpkg' | 'tif' | 'json', path: string) => {
    const token = `test-fit-export-token-${++tokens}`;
    service.grantExport({ kind: 'grant-export', token, path, format, replace: false });
    return service.handlers.exportFit({ fitId, format, token }, new AbortController().signal);
  };
  const signal = new AbortController().signal;

  beforeAll(async () => {
    service = createService({
      dataDir: join(dir, 'data'),
      emit: (event, payload) => {
        serviceEvents[event].parse(payload);
        (events[event] as unknown[]).push(payload);
      },
    });
    const run = RunSettings.parse({ inputs: [SAMPLE], features: 16, seed: 3, scale: 0.0001, cellSize: '64', backend: 'cpu' });
    runId = (await service.handlers.startRun({ settings: run }, signal)).runId;
    const ended = await waitFor('the run', () => events.ended.find((e) => e.id === runId));
    expect(ended.state).toBe('finished');
    features = join(dir, 'data', 'runs', runId, 'features.csv');
    labelsFromFeatures(features, labels);
    settings = FitSettings.parse({ labels, target: 'value', cv: 'blocks', blockSize: '6 km', folds: 3 });
    const { fitId } = await service.handlers.startFit({ runId, settings }, signal);
    fit = await waitFor('the fit', () => events.fitEnded.find((e) => e.id === fitId));
  }, 180_000);
  afterAll(() => service?.close());

  it('reads the labels: the columns to choose from, then the points at their cells, in WGS84', async () => {
    const columns = await service.handlers.readLabels({ path: labels }, signal);
    expect(columns.columns).toEqual(['id', 'value', 'half']);
    expect(columns.features).toEqual([]);
    const view = serviceCalls.readLabels.response.parse(await service.handlers.readLabels({ path: labels, target: 'value' }, signal));
    const { rows, header } = readCsv(features);
    expect(view.geometry).toBe('points');
    expect(view.numeric).toBe(true);
    expect(view.features).toHaveLength(rows.length);
    expect(view.features[5].points![0][0]).toBeCloseTo(Number(rows[5][header.indexOf('lon')]), 9);
    expect(view.summary).toBe(`${rows.length} points of ${rows.length} read`);
    const classes = await service.handlers.readLabels({ path: labels, target: 'half' }, signal);
    expect(classes.classes).toEqual(['east', 'west']);
  });

  it("draws the folds the fit uses: every training row's cell, in one of the blocks' folds", async () => {
    const folds = serviceCalls.foldsPreview.response.parse(await service.handlers.foldsPreview({ runId, settings }, signal));
    expect(folds.rows).toBe(readCsv(features).rows.length);
    expect(folds.cells).toHaveLength(folds.rows);
    expect(folds.folds).toBe(3);
    expect(new Set(folds.cells.map((c) => c.fold))).toEqual(new Set([0, 1, 2]));
  });

  it('fits with progress, and writes the model file `rcf fit` writes for the same files and settings', () => {
    expect(fit.state).toBe('finished');
    expect(events.fitProgress.some((p) => p.fitId === fit.id && p.stage === 'solving')).toBe(true);
    const model = join(dir, 'data', 'fits', fit.id, 'model.json');
    expect(fit.command).toBe(fitCommandLine(features, settings, model));
    const cli = join(dir, 'cli.json');
    const r = rcf([
      'fit',
      features,
      '--labels',
      labels,
      '--target',
      'value',
      '--cv',
      'blocks',
      '--block-size',
      '6 km',
      '--folds',
      '3',
      '--out',
      cli,
    ]);
    expect(r.code).toBe(0);
    const strip = (m: { created?: string }) => ({ ...m, created: null });
    const app = JSON.parse(readFileSync(model, 'utf8'));
    const line = JSON.parse(readFileSync(cli, 'utf8'));
    expect(strip(app)).toEqual(strip(line));
    // The history's score is the model file's pooled out-of-fold R², at its λ.
    expect(fit.score).toEqual({ name: 'r2', value: app.validation.pooled[0].r2, penalty: app.model.penalty[0], scheme: 'blocks' });
    expect(app.validation.pooled[0].r2).toBeGreaterThan(0.9);
  });

  it('answers the charts: out-of-fold predictions whose R² is the pooled R², and a prediction on every cell', async () => {
    const results = serviceCalls.fitResults.response.parse(await service.handlers.fitResults({ fitId: fit.id }, signal));
    const { observed, predicted } = results.scatter!;
    expect(r2(observed, predicted)).toBeCloseTo(results.model.validation.pooled[0].r2!, 10);
    const { rows } = readCsv(features);
    expect(results.cells).toHaveLength(rows.length);
    expect(results.cells.every((c) => c.value !== null)).toBe(true);
    expect(results.classes).toBeNull();
    // A clicked cell shows the label it was trained on: the labels file's value at its centre.
    const labelled = readCsv(labels).rows;
    results.cells.forEach((cell, i) => expect(cell.observed).toBe(Number(labelled[i][3])));
  });

  it('exports the prediction byte for byte as `rcf predict` writes it from the exported model', async () => {
    const model = join(dir, 'exported.json');
    await exportTo(fit.id, 'json', model);
    for (const format of ['csv', 'tif'] as const) {
      const out = join(dir, `exported.${format}`);
      const written = await exportTo(fit.id, format, out);
      expect(written.bytes).toBeGreaterThan(0);
      const cli = join(dir, `cli-prediction.${format}`);
      expect(rcf(['predict', features, '--model', model, '--out', cli]).code).toBe(0);
      if (format === 'csv') expect(readFileSync(out, 'utf8')).toBe(readFileSync(cli, 'utf8'));
      else expect(readFileSync(out).length).toBe(readFileSync(cli).length);
    }
  });

  it('lists the fit in the history, and refuses results of a fit that does not exist', async () => {
    const { fits } = await service.handlers.fitHistory({}, signal);
    expect(fits.map((f) => f.id)).toEqual([fit.id]);
    // A new service on the same folder lists it too; one cut off while running is said to be interrupted.
    const again = createService({ dataDir: join(dir, 'data'), emit: () => {} });
    const cut = { ...fit, id: '20000101-000000-abcdef', state: 'running' as const, started: '2000-01-01T00:00:00.000Z', score: null };
    mkdirSync(join(dir, 'data', 'fits', cut.id), { recursive: true });
    writeFileSync(join(dir, 'data', 'fits', cut.id, 'record.json'), JSON.stringify(cut));
    const listed = (await again.handlers.fitHistory({}, signal)).fits;
    expect(listed.map((f) => [f.id, f.state])).toEqual([
      [fit.id, 'finished'],
      [cut.id, 'failed'],
    ]);
    expect(listed[1].message).toBe('interrupted: the app stopped during the fit');
    await again.close();
    rmSync(join(dir, 'data', 'fits', cut.id), { recursive: true });
    await expect(service.handlers.fitResults({ fitId: 'nope' }, signal)).rejects.toThrow('fit nope does not exist');
  });

  it('cancels a fit: the record says so, and no model file is left', async () => {
    const { fitId } = await service.handlers.startFit({ runId, settings }, signal);
    expect(await service.handlers.cancelFit({ fitId }, signal)).toEqual({ cancelled: true });
    const ended = events.fitEnded.find((e) => e.id === fitId)!;
    expect(ended.state).toBe('cancelled');
    expect(existsSync(join(dir, 'data', 'fits', fitId, 'model.json'))).toBe(false);
    await expect(service.handlers.fitResults({ fitId }, signal)).rejects.toThrow(`fit ${fitId} is cancelled; it has no results`);
    expect(await service.handlers.cancelFit({ fitId }, signal)).toEqual({ cancelled: false });
  });

  it('fails a fit on a target that is not in the file, in one line naming the columns', async () => {
    const bad = FitSettings.parse({ labels, target: 'yield' });
    const { fitId } = await service.handlers.startFit({ runId, settings: bad }, signal);
    const ended = await waitFor('the bad fit', () => events.fitEnded.find((e) => e.id === fitId));
    expect(ended.state).toBe('failed');
    expect(ended.message).toBe("labels.csv: no column 'yield' (columns: id, lon, lat, value, half)");
  });
});

/**
 * The featurizer service: the engine behind the contract's service calls.
 * It has no Electron imports, so the same code runs in Electron's utility
 * process (service/main.ts), in the end-to-end tests and in unit tests.
 *
 * The heavy work (tasks.ts) runs in worker threads (offload.ts); this thread
 * keeps the history, the run queue and the export grants, so it answers
 * `history` and `cancelRun` at once whatever else is going on.
 *
 * Runs queue: one runs at a time, at most SERVICE_LIMITS.queuedRuns wait
 * (each told its place in the queue), a startRun beyond is refused. Each run
 * has an AbortController: `cancelRun` aborts it (the engine stops within one
 * strip of cells) or takes it off the queue. Previews and estimates stop when
 * their call's signal aborts (a newer request superseded them).
 *
 * Exports go only where the user chose in main's save dialog: main grants the
 * path (`grantExport`) and the renderer passes the grant's token.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { fileLabel, fileProblem, throwIfCancelled, UserError } from '../../shared/errors/index.js';
import {
  ExportGrant,
  type EventPayload,
  type FitRecord,
  type SaveFormat,
  type RunRecord,
  type ServiceEventName,
  type ServiceHandlers,
} from '../../shared/ipc/contract.js';
import { drawnAreaGeoJson } from '../engine/aoi/index.js';
import type { FeaturizeJobSpec } from '../engine/jobs/featurize-job.js';
import type { Provenance } from '../../shared/provenance/index.js';
import { readCsvProvenance } from '../engine/export/read-csv.js';
import { pathExists } from '../engine/export/output.js';
import { SERVICE_LIMITS } from './limits.js';
import { createTaskRunner, type TaskRunner } from './offload.js';
import { RunStore } from './runs.js';
import { FitStore } from './fits.js';
import type { FitCharts } from './model-tasks.js';
import { fitCommandLine, parseModelFile } from '../../shared/model/index.js';

export interface ServiceOptions {
  /** Where runs are kept (Electron: the user data folder). */
  dataDir: string;
  /** Delivers events to the renderer. */
  emit<E extends ServiceEventName>(event: E, payload: EventPayload<E>): void;
  /** Where heavy work runs (default: worker threads when built, else this thread). */
  tasks?: TaskRunner;
}

export interface Service {
  handlers: ServiceHandlers;
  /** Lets one exportRun write to a path the user chose in the save dialog (Electron main calls this). */
  grantExport(grant: ExportGrant): void;
  /** Cancels queued and running jobs and waits for them to end. */
  close(): Promise<void>;
}

/** A run this service knows: waiting in the queue or running. */
interface LiveRun {
  record: RunRecord;
  controller: AbortController;
  /** Its folder and first record are written. */
  saved: Promise<void>;
  /** Settles when the run has ended (its record and 'ended' event written). */
  done: Promise<void>;
  finish(): void;
  /** The position last announced to the renderer. */
  announced: number | null;
  /** Continue the run's kept output (resumeRun) rather than start it afresh. */
  resume: boolean;
  /** Cells done as last reported: what a cancelled run keeps. */
  cellsDone: number;
}

/** A fit going on: how to stop it, and when it has ended. */
interface LiveFit {
  record: FitRecord;
  controller: AbortController;
  done: Promise<void>;
}

/** A grant nobody used is forgotten after this long. */
const GRANT_MS = 15 * 60 * 1000;
/** A fit's out-of-fold predictions and training labels per cell (FitCharts), in its folder. */
const CHARTS = 'charts.json';
const MAX_GRANTS = 32;

export function createService(options: ServiceOptions): Service {
  const store = new RunStore(options.dataDir);
  const tasks = options.tasks ?? createTaskRunner();
  const live = new Map<string, LiveRun>();
  const waiting: LiveRun[] = [];
  let active: LiveRun | null = null;
  let lastStarted = 0;
  const grants = new Map<string, ExportGrant & { expires: number }>();
  const fitStore = new FitStore(options.dataDir);
  const fits = new Map<string, LiveFit>();

  const handlers: ServiceHandlers = {
    async inspect(request, signal) {
      return tasks.run('inspect', request, { signal, lane: 'call' });
    },

    async preview(request, signal) {
      return tasks.run('preview', request, { signal, lane: 'call' });
    },

    async readArea(request, signal) {
      return tasks.run('readArea', request, { signal, lane: 'call' });
    },

    async gridPreview(request, signal) {
      return tasks.run('gridPreview', request, { signal, lane: 'call' });
    },

    async estimate(request, signal) {
      return tasks.run('estimate', request, { signal, lane: 'call' });
    },

    async startRun({ settings }) {
      const id = RunStore.newId();
      // Strictly increasing start times, so the history orders runs started within one millisecond too.
      lastStarted = Math.max(Date.now(), lastStarted + 1);
      const record: RunRecord = {
        id,
        settings,
        state: 'queued',
        started: new Date(lastStarted).toISOString(),
        ended: null,
        message: null,
        cells: 0,
        provenance: null,
      };
      return enqueue(record, false);
    },

    async resumeRun({ runId }) {
      if (live.has(runId)) throw new UserError(`run ${runId} is still going; it can be resumed once it has stopped`);
      const record = await store.load(runId);
      if (record.state !== 'cancelled' && record.state !== 'failed') {
        throw new UserError(`run ${runId} is ${record.state}; only a cancelled or interrupted run can be resumed`);
      }
      return enqueue({ ...record, state: 'queued', ended: null, message: null }, true);
    },

    async cancelRun({ runId }) {
      const run = live.get(runId);
      if (!run) return { cancelled: false };
      run.controller.abort();
      const queued = waiting.indexOf(run);
      if (queued >= 0) {
        waiting.splice(queued, 1);
        await run.saved.catch(() => {});
        await end({ ...run.record, state: 'cancelled', message: 'cancelled by the user before it started' });
        forget(run);
        announcePositions();
      }
      await run.done;
      return { cancelled: true };
    },

    async history() {
      // A run still 'running' or 'queued' on disk that this service does not know was cut off (the app quit or crashed): say so, once.
      const runs = await store.list();
      return {
        runs: await Promise.all(
          runs.map(async (r) => {
            if (r.state !== 'running' && r.state !== 'queued') return r;
            const known = live.get(r.id);
            if (known) return known.record;
            const failed: RunRecord = {
              ...r,
              state: 'failed',
              message: 'interrupted: the app stopped during the run; its unfinished output was kept, not presented as finished',
            };
            await store.save(failed).catch(() => {});
            return failed;
          }),
        ),
      };
    },

    async results({ runId }, signal) {
      const { csv, provenance } = await finishedRun(runId);
      return { runId, ...(await tasks.run('results', { csv, provenance }, { signal, lane: 'call' })) };
    },

    async cellValues({ runId, cellId }, signal) {
      const { csv } = await finishedRun(runId);
      const values = await tasks.run('cellValues', { csv, cellId }, { signal, lane: 'call' });
      if (!values) throw new UserError(`run ${runId} has no cell ${cellId}`);
      return { cellId, ...values };
    },

    async exportRun({ runId, format, token }) {
      const record = await recordOf(runId);
      if (record.state !== 'finished') throw new UserError(`run ${runId} is ${record.state}; only finished runs can be exported`);
      const grant = takeGrant(token, format);
      const path = grant.path;
      if (format === 'gpkg') {
        const gpkg = store.gpkgPath(runId);
        if (!(await pathExists(gpkg)))
          throw new UserError(
            'GeoPackage export needs all rasters of the run in one CRS (a layer has one); export this run to CSV instead',
          );
        await refuseExisting([path], grant.replace);
        await copyInto(gpkg, path, grant.replace);
      } else {
        // The sidecar belongs to the CSV: replaced when the user confirmed replacing the CSV, never otherwise.
        await refuseExisting([path, `${path}.json`], grant.replace);
        // The provenance sidecar first, then the rows: a CSV without its sidecar is never presented as finished.
        await copyInto(`${store.csvPath(runId)}.json`, `${path}.json`, grant.replace);
        await copyInto(store.csvPath(runId), path, grant.replace);
      }
      return { path, bytes: (await stat(path)).size };
    },

    async readLabels(request, signal) {
      return tasks.run('readLabels', request, { signal, lane: 'call' });
    },

    async foldsPreview({ runId, settings }, signal) {
      const { csv } = await finishedRun(runId);
      return tasks.run('foldsPreview', { features: csv, settings }, { signal, lane: 'call' });
    },

    async startFit({ runId, settings }) {
      const { csv } = await finishedRun(runId);
      const id = RunStore.newId();
      lastStarted = Math.max(Date.now(), lastStarted + 1);
      const record: FitRecord = {
        id,
        runId,
        settings,
        state: 'running',
        started: new Date(lastStarted).toISOString(),
        ended: null,
        message: null,
        command: fitCommandLine(csv, settings, fitStore.modelPath(id)),
        score: null,
      };
      await fitStore.makeDir(id);
      await fitStore.save(record);
      const controller = new AbortController();
      const fit: LiveFit = { record, controller, done: Promise.resolve() };
      fits.set(id, fit);
      fit.done = executeFit(fit, csv).finally(() => fits.delete(id));
      return { fitId: id };
    },

    async cancelFit({ fitId }) {
      const fit = fits.get(fitId);
      if (!fit) return { cancelled: false };
      fit.controller.abort();
      await fit.done;
      return { cancelled: true };
    },

    async fitHistory() {
      const records = await fitStore.list();
      return {
        fits: await Promise.all(
          records.map(async (r) => {
            if (r.state !== 'running') return r;
            const known = fits.get(r.id);
            if (known) return known.record;
            const failed: FitRecord = { ...r, state: 'failed', message: 'interrupted: the app stopped during the fit' };
            await fitStore.save(failed).catch(() => {});
            return failed;
          }),
        ),
      };
    },

    async fitResults({ fitId }, signal) {
      const { record, dir, features } = await finishedFit(fitId);
      const modelPath = fitStore.modelPath(fitId);
      const model = parseModelFile(await readFile(modelPath, 'utf8'), modelPath);
      const charts = JSON.parse(await readFile(join(dir, CHARTS), 'utf8')) as FitCharts;
      const layer = await tasks.run('predictionLayer', { features, dir, observed: charts.observed }, { signal, lane: 'call' });
      return { fitId: record.id, model, scatter: charts.scatter, ...layer };
    },

    async exportFit({ fitId, format, token }, signal) {
      const { dir, features } = await finishedFit(fitId);
      const grant = takeGrant(token, format);
      const from =
        format === 'json'
          ? fitStore.modelPath(fitId)
          : (await tasks.run('predict', { features, dir, format }, { signal, lane: 'call' })).path;
      await refuseExisting([grant.path], grant.replace);
      await copyInto(from, grant.path, grant.replace);
      return { path: grant.path, bytes: (await stat(grant.path)).size };
    },
  };

  /** Fits, writes the chart's data and the prediction on the run's cells, keeping the record and the renderer up to date. */
  async function executeFit(fit: LiveFit, features: string): Promise<void> {
    const id = fit.record.id;
    const dir = fitStore.dir(id);
    const signal = fit.controller.signal;
    const end = async (change: Partial<FitRecord>) => {
      fit.record = { ...fit.record, ...change, ended: new Date().toISOString() };
      await fitStore.save(fit.record).catch(() => {});
      options.emit('fitEnded', fit.record);
    };
    try {
      const { model, charts } = await tasks.run(
        'fit',
        { features, settings: fit.record.settings, dir },
        {
          signal,
          lane: 'run',
          onEvent: (event) => {
            if (event.kind === 'fitProgress')
              options.emit('fitProgress', { fitId: id, stage: event.stage, done: event.done, total: event.total });
          },
        },
      );
      await writeFile(join(dir, CHARTS), JSON.stringify(charts));
      options.emit('fitProgress', { fitId: id, stage: 'predicting the map', done: 0, total: 1 });
      await tasks.run('predict', { features, dir, format: 'csv' }, { signal, lane: 'run' });
      const v = model.validation;
      const value = v.pooled[0][v.score] ?? null;
      await end({ state: 'finished', score: { name: v.score, value, penalty: v.grid[v.best[0]], scheme: v.scheme } });
    } catch (error) {
      if (signal.aborted) await end({ state: 'cancelled', message: 'stopped by the user' });
      else await end({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  async function finishedFit(fitId: string): Promise<{ record: FitRecord; dir: string; features: string }> {
    const record = fits.get(fitId)?.record ?? (await fitStore.load(fitId));
    if (record.state !== 'finished') throw new UserError(`fit ${fitId} is ${record.state}; it has no results`);
    return { record, dir: fitStore.dir(fitId), features: store.csvPath(record.runId) };
  }

  /** Puts a run in the queue (a new one, or one to resume) and answers with its place. */
  async function enqueue(record: RunRecord, resume: boolean): Promise<{ runId: string; queuePosition: number | null }> {
    // Counted before anything is awaited, so that any number of calls at once finds the queue's bound.
    if (waiting.length >= SERVICE_LIMITS.queuedRuns)
      throw new UserError(`the run queue is full (${waiting.length} runs are waiting); cancel one or wait for one to finish`);
    const id = record.id;
    let finish = () => {};
    const run: LiveRun = {
      record,
      controller: new AbortController(),
      saved: (resume ? Promise.resolve() : store.makeDir(id)).then(() => store.save(record)),
      done: new Promise<void>((resolve) => (finish = resolve)),
      finish: () => finish(),
      announced: null,
      resume,
      cellsDone: record.cells,
    };
    live.set(id, run);
    waiting.push(run);
    // Starts now when nothing runs (the run itself waits for its record to be saved).
    startNext();
    try {
      await run.saved;
    } catch (error) {
      run.controller.abort();
      forget(run);
      throw error;
    }
    return { runId: id, queuePosition: waiting.includes(run) ? waiting.indexOf(run) + 1 : null };
  }

  /** Starts the next queued run when none is running. */
  function startNext(): void {
    if (active || waiting.length === 0) return;
    const run = waiting.shift()!;
    active = run;
    run.record = { ...run.record, state: 'running' };
    announcePositions();
    void execute(run).finally(() => {
      forget(run);
      startNext();
    });
  }

  function forget(run: LiveRun): void {
    if (active === run) active = null;
    const queued = waiting.indexOf(run);
    if (queued >= 0) waiting.splice(queued, 1);
    live.delete(run.record.id);
    run.finish();
  }

  /** Tells each waiting run its place in the queue when it changed. */
  function announcePositions(): void {
    waiting.forEach((run, i) => {
      if (run.announced === i + 1) return;
      run.announced = i + 1;
      options.emit('progress', {
        runId: run.record.id,
        queuePosition: i + 1,
        cellsDone: 0,
        cellsTotal: 0,
        cellsPerSecond: 0,
        elapsedSeconds: 0,
        etaSeconds: null,
      });
    });
  }

  /** Runs a job to its end, keeping the record and the renderer up to date. */
  async function execute(run: LiveRun): Promise<void> {
    const id = run.record.id;
    const signal = run.controller.signal;
    try {
      await run.saved;
      throwIfCancelled(signal);
      await store.save(run.record);
      const settings = run.record.settings;
      // A drawn area is also kept as a file, so the run's equivalent command (`--aoi area.geojson`) works as shown.
      if (settings.area?.kind === 'drawn') await writeFile(join(store.dir(id), 'area.geojson'), drawnAreaGeoJson(settings.area.polygons));
      // Every run gets a fresh folder (a re-run is a new run); a resumed run continues its own.
      const spec: FeaturizeJobSpec = {
        ...settings,
        out: store.csvPath(id),
        gpkgIfOneCrs: store.gpkgPath(id),
        resume: run.resume,
        overwrite: !run.resume,
      };
      const result = await tasks.run(
        'run',
        { spec },
        {
          signal,
          lane: 'run',
          onEvent: (event) => {
            if (event.kind === 'progress') {
              const { cellsDone, cellsTotal, cellsPerSecond, elapsedSeconds, etaSeconds } = event;
              run.cellsDone = cellsDone;
              options.emit('progress', {
                runId: id,
                queuePosition: null,
                cellsDone,
                cellsTotal,
                cellsPerSecond,
                elapsedSeconds,
                etaSeconds,
              });
            } else if (event.kind === 'notice') options.emit('notice', { runId: id, message: event.message });
          },
        },
      );
      await end({ ...run.record, state: 'finished', ...result });
    } catch (error) {
      if (signal.aborted)
        await end({
          ...run.record,
          state: 'cancelled',
          cells: run.cellsDone,
          message: 'stopped by the user; the cells done are kept (Resume continues the run)',
        });
      else await end({ ...run.record, state: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  async function end(record: RunRecord): Promise<void> {
    const ended = { ...record, ended: new Date().toISOString() };
    const known = live.get(record.id);
    if (known) known.record = ended;
    await store.save(ended).catch(() => {});
    options.emit('ended', ended);
  }

  /** A run as this service knows it (queued and running runs are ahead of their record on disk). */
  async function recordOf(runId: string): Promise<RunRecord> {
    return live.get(runId)?.record ?? (await store.load(runId));
  }

  async function finishedRun(runId: string): Promise<{ csv: string; provenance: Provenance }> {
    const record = await recordOf(runId);
    if (record.state !== 'finished') throw new UserError(`run ${runId} is ${record.state}; it has no results`);
    const csv = store.csvPath(runId);
    return { csv, provenance: await readCsvProvenance(csv) };
  }

  /** The grant behind a token, used once. */
  function takeGrant(token: string, format: SaveFormat): ExportGrant {
    const grant = grants.get(token);
    grants.delete(token);
    if (!grant || grant.expires < Date.now())
      throw new UserError('this export location is no longer valid (the service restarted or it was used); choose it again');
    if (grant.format !== format) throw new UserError(`this export location was chosen for ${grant.format}, not ${format}`);
    return grant;
  }

  return {
    handlers,
    grantExport(request) {
      const grant = ExportGrant.parse(request);
      // Main's save dialog gives absolute, normalised paths; anything else did not come from it.
      if (!isAbsolute(grant.path) || normalize(grant.path) !== grant.path || grant.path.split(/[\\/]/).includes('..'))
        throw new UserError(`${grant.path}: an export path must be absolute, as the save dialog gives it`);
      for (const [token, old] of grants) if (old.expires < Date.now() || grants.size >= MAX_GRANTS) grants.delete(token);
      grants.set(grant.token, { ...grant, expires: Date.now() + GRANT_MS });
    },
    async close() {
      for (const run of waiting.splice(0)) {
        await end({ ...run.record, state: 'cancelled', message: 'cancelled: the app stopped before it started' });
        forget(run);
      }
      const running = active;
      running?.controller.abort();
      await running?.done;
      for (const fit of fits.values()) fit.controller.abort();
      await Promise.all([...fits.values()].map((fit) => fit.done));
      await tasks.close();
    },
  };
}

/** Without the user's confirmation (the save dialog's), nothing is replaced. */
async function refuseExisting(paths: string[], replace: boolean): Promise<void> {
  if (replace) return;
  for (const path of paths) {
    if (
      await lstat(path).then(
        () => true,
        () => false,
      )
    )
      throw new UserError(`${fileLabel(path)} already exists and was not replaced; choose another name or confirm replacing it`, { path });
  }
}

/**
 * Copies `from` to `to` through a new file with a random name beside it (created exclusively, so it never
 * follows a planted link), then moves it into place: replacing `to` only when `replace`, else never
 * (a hard link refuses an existing name atomically; a file system without them is checked first).
 */
async function copyInto(from: string, to: string, replace: boolean): Promise<void> {
  const partial = join(dirname(to), `.${basename(to)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await copyFile(from, partial, constants.COPYFILE_EXCL);
    if (replace) await rename(partial, to);
    else {
      try {
        await link(partial, to);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw e;
        await refuseExisting([to], false);
        await rename(partial, to);
      }
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new UserError(`${fileLabel(to)} already exists and was not replaced; choose another name or confirm replacing it`, {
        path: to,
      });
    throw new UserError(`cannot write ${to}: ${fileProblem(code) ?? (e as Error).message}`, { path: to });
  } finally {
    await rm(partial, { force: true });
  }
}

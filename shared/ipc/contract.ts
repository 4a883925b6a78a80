/**
 * The one contract between the renderer and the rest of the app: every call
 * and event, with its request and response schemas, defined once. Both sides
 * validate against it (zod), and the handler and client types are derived
 * from it, so a call added here and not handled is a compile error.
 *
 * - `serviceCalls`: answered by the featurizer service (a utility process in
 *   Electron; the same code in tests), over a MessagePort.
 * - `serviceEvents`: pushed by the service (job progress and outcome).
 * - `appCalls`: answered by Electron main (native dialogs).
 * - `appEvents`: pushed by Electron main (menu commands).
 */
import { z } from '../zod.js';
import { PolygonsLonLat, RunSettings, filePath as path } from '../run/index.js';
import { Provenance } from '../provenance/index.js';
import { FitSettings, ModelFile } from '../model/index.js';

const lonLat = z.tuple([z.number(), z.number()]);

/**
 * The most a request may ask for, beyond the run options' own maxima (shared/run/options.ts, shared with the CLI):
 * each bounds what one call can cost the service, well above what the app itself asks.
 */
export const REQUEST_LIMITS = {
  /** Rasters in one run. */
  inputs: 256,
  /** Vertices of an area drawn on the map, over all its polygons and rings. */
  drawnVertices: 100_000,
  /** Cell outlines one grid preview returns; the app asks for this many (the rest are counted, not drawn). */
  gridPreviewCells: 20_000,
  /** The longer side of a display preview, in pixels (the app asks for 1024). */
  previewSize: 2048,
  /** Layer names, cell ids, suggested file names. */
  nameLength: 1024,
} as const;
const shortText = z.string().max(REQUEST_LIMITS.nameLength);
/** A closed ring of [lon, lat] (WGS84). */
const ringLonLat = z.array(lonLat).min(4);

/** What the map needs to know about a raster: its header, validated by the engine. */
export const RasterView = z.object({
  path,
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bands: z.number().int().positive(),
  dtype: z.string(),
  /** GDAL geotransform. */
  transform: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]),
  crs: z.object({ epsg: z.number().int().nullable(), proj4: z.string().nullable(), name: z.string() }).nullable(),
  /** The raster's outline in WGS84 (densified), null without a CRS. */
  footprint: ringLonLat.nullable(),
  nodata: z.number().nullable(),
  descriptions: z.array(z.string()),
  overviews: z.array(z.tuple([z.number().int(), z.number().int()])),
  /** rcf info's full JSON, for the layer's details. */
  info: z.record(z.string(), z.unknown()),
});
export type RasterView = z.infer<typeof RasterView>;

/** A decimated read of some bands, for display; NaN marks missing pixels. */
export const RasterPreview = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bands: z.array(z.number().int().positive()),
  /** Band-major float32 [bands, height, width]. */
  data: z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array'),
  /** Which full-resolution pixels it covers: the whole raster, x0 y0 x1 y1. */
  source: z.string(),
});
export type RasterPreview = z.infer<typeof RasterPreview>;

export { AreaSpec, RunSettings, type RunSettingsInput } from '../run/index.js';

/** Run settings as a request may carry them: RunSettings, within REQUEST_LIMITS. */
const RequestSettings = RunSettings.superRefine((settings, ctx) => {
  if (settings.inputs.length > REQUEST_LIMITS.inputs)
    ctx.addIssue({ code: 'custom', path: ['inputs'], message: `at most ${REQUEST_LIMITS.inputs} rasters, got ${settings.inputs.length}` });
  if (settings.area?.kind === 'drawn') {
    const vertices = settings.area.polygons.reduce((n, polygon) => n + polygon.reduce((m, ring) => m + ring.length, 0), 0);
    if (vertices > REQUEST_LIMITS.drawnVertices)
      ctx.addIssue({
        code: 'custom',
        path: ['area', 'polygons'],
        message: `a drawn area has at most ${REQUEST_LIMITS.drawnVertices} vertices, got ${vertices}`,
      });
  }
  if (settings.area?.kind === 'file' && (settings.area.layer?.length ?? 0) > REQUEST_LIMITS.nameLength)
    ctx.addIssue({ code: 'custom', path: ['area', 'layer'], message: `a layer name has at most ${REQUEST_LIMITS.nameLength} characters` });
});

export const GridPreview = z.object({
  /** Cells that would be featurized, over all inputs. */
  count: z.number().int().nonnegative(),
  perInput: z.array(z.object({ name: z.string(), cells: z.number().int().nonnegative(), cellPixels: z.string() })),
  /** Cell outlines in WGS84, at most `limit` of them (the rest are only counted). */
  cells: z.array(ringLonLat),
  truncated: z.boolean(),
});
export type GridPreview = z.infer<typeof GridPreview>;

export const Estimate = z.object({
  cells: z.number().int().nonnegative(),
  /** Convolution windows to compute, over all cells. */
  windows: z.number().nonnegative(),
  flops: z.number().nonnegative(),
  /** Measured on this machine with the chosen backend (a short calibration run). */
  gflopsPerSecond: z.number().positive(),
  backend: z.string(),
  seconds: z.number().nonnegative(),
  /** Peak memory of the run, from strip sizes and buffers. */
  bytes: z.number().nonnegative(),
});
export type Estimate = z.infer<typeof Estimate>;

/** 'queued': waiting for the runs before it (one runs at a time). */
export const RunState = z.enum(['queued', 'running', 'finished', 'cancelled', 'failed']);

/** One run in the history: its settings, how it ended, and its provenance. */
export const RunRecord = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/),
  settings: RunSettings,
  state: RunState,
  started: z.string(),
  ended: z.string().nullable(),
  message: z.string().nullable(),
  cells: z.number().int().nonnegative(),
  /** The job's provenance (shared/provenance), once finished. */
  provenance: Provenance.nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const ResultCell = z.object({
  cellId: z.string(),
  ring: ringLonLat,
  validFraction: z.number(),
  /** sRGB colour from the first three principal components; null for cells without features. */
  rgb: z.tuple([z.number().int(), z.number().int(), z.number().int()]).nullable(),
});
export type ResultCell = z.infer<typeof ResultCell>;

export const RunResults = z.object({
  runId: z.string(),
  features: z.number().int().positive(),
  cells: z.array(ResultCell),
  /** Share of the variance each of the first three components explains. */
  explained: z.array(z.number()),
});
export type RunResults = z.infer<typeof RunResults>;

export const CellValues = z.object({
  cellId: z.string(),
  source: z.string(),
  row: z.number().int(),
  col: z.number().int(),
  validFraction: z.number(),
  /** NaN where the cell had no valid window (sent as null). */
  features: z.array(z.number().nullable()),
});
export type CellValues = z.infer<typeof CellValues>;

export const ExportFormat = z.enum(['csv', 'gpkg']);
export type ExportFormat = z.infer<typeof ExportFormat>;
/** What a fit exports: its prediction (CSV, GeoPackage, GeoTIFF on the cell grid) or its model file (JSON). */
export const FitExportFormat = z.enum(['csv', 'gpkg', 'tif', 'json']);
export type FitExportFormat = z.infer<typeof FitExportFormat>;
/** Any file the save dialog may grant: a run's or a fit's export. */
export const SaveFormat = FitExportFormat;
export type SaveFormat = FitExportFormat;

/**
 * Where an export may be written, chosen by the user in main's save dialog: main hands the service the path
 * (`ExportGrant`, over the service's parent port) and the renderer only a token for it, so the renderer never
 * names a path to write.
 */
export const ExportToken = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'expected an export token from chooseExportPath');
export const ExportGrant = z.object({
  kind: z.literal('grant-export'),
  token: ExportToken,
  /** Absolute, as the save dialog gave it. */
  path,
  format: SaveFormat,
  /** The file existed when chosen, so the dialog asked the user to confirm replacing it. */
  replace: z.boolean(),
});
export type ExportGrant = z.infer<typeof ExportGrant>;
/** The service's answer on its parent port once a grant is usable. */
export const ExportGranted = z.object({ kind: z.literal('export-granted'), token: ExportToken });
export type ExportGranted = z.infer<typeof ExportGranted>;

const runId = z.object({ runId: RunRecord.shape.id });

/** Label features drawn on the map, at most this many (the rest are counted). */
export const LABEL_FEATURES_SHOWN = 20_000;

/** A label file as the Model panel shows it: its columns to pick the target from, and its features on the map. */
export const LabelsView = z.object({
  path,
  name: z.string(),
  /** A label raster is shown as a raster layer; its band 1 is the target. */
  geometry: z.enum(['points', 'polygons', 'raster']),
  /** Columns (or properties) that can be the target or the group; [] for a raster. */
  columns: z.array(z.string()),
  /** The target the features carry, as the file spells it; null when none was chosen yet (or a raster). */
  target: z.string().nullable(),
  numeric: z.boolean(),
  /** Class names, sorted, when the target is not numeric. */
  classes: z.array(z.string()).nullable(),
  /** Each label's place in WGS84 (points, or polygons' rings) and value. */
  features: z.array(
    z.object({
      points: z.array(lonLat).optional(),
      polygons: z.array(z.array(ringLonLat)).optional(),
      value: z.union([z.number(), z.string()]),
    }),
  ),
  /** Usable rows beyond LABEL_FEATURES_SHOWN, not drawn. */
  hidden: z.number().int().nonnegative(),
  /** "120 labels read, 3 dropped (empty)". */
  summary: z.string(),
});
export type LabelsView = z.infer<typeof LabelsView>;

/** The training rows' cross-validation folds on the map: each row's cells and its fold (−1: the paper's test rows). */
export const FoldsView = z.object({
  folds: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  cells: z.array(z.object({ ring: ringLonLat, fold: z.number().int() })),
});
export type FoldsView = z.infer<typeof FoldsView>;

export const FitState = z.enum(['running', 'finished', 'cancelled', 'failed']);
const fitIdSchema = RunRecord.shape.id;

/** One fit in the history: the run whose features it used, its settings, how it ended, and the equivalent command. */
export const FitRecord = z.object({
  id: fitIdSchema,
  runId: RunRecord.shape.id,
  settings: FitSettings,
  state: FitState,
  started: z.string(),
  ended: z.string().nullable(),
  message: z.string().nullable(),
  /** `rcf fit …` that writes the same model file. */
  command: z.string(),
  /** Once finished: the chosen λ (or C), the score's name and its pooled out-of-fold value. */
  score: z.object({ name: z.enum(['r2', 'accuracy']), value: z.number().nullable(), penalty: z.number(), scheme: z.string() }).nullable(),
});
export type FitRecord = z.infer<typeof FitRecord>;

/** A finished fit as the panel draws it: the model file, the out-of-fold predictions, and the prediction per cell. */
export const FitResults = z.object({
  fitId: fitIdSchema,
  model: ModelFile,
  /** Regression: observed and out-of-fold predicted per training row, at the chosen λ (what the pooled R² scores). */
  scatter: z.object({ observed: z.array(z.number()), predicted: z.array(z.number().nullable()) }).nullable(),
  /** The prediction on every cell of the run: a value (regression) or a class index into `classes`; null without features. */
  cells: z.array(
    z.object({
      cellId: z.string(),
      ring: ringLonLat,
      value: z.number().nullable(),
      /** The label the cell was trained on (points and rasters: one cell per training row); null elsewhere. */
      observed: z.union([z.number(), z.string()]).nullable(),
    }),
  ),
  classes: z.array(z.string()).nullable(),
});
export type FitResults = z.infer<typeof FitResults>;

const fitId = z.object({ fitId: fitIdSchema });

interface CallOptions<Req extends z.ZodType> {
  /**
   * For calls whose answer is stale once a newer request is made: calls with
   * the same key supersede each other, and the client cancels the older one.
   */
  supersede?: (request: z.output<Req>) => string;
}

function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res, options: CallOptions<Req> = {}) {
  return { request, response, ...options };
}

/** Every call of a kind supersedes the one before it. */
const latestOnly = () => '';

export const serviceCalls = {
  /** Opens a raster's header (structure checked) for display. */
  inspect: call(z.object({ path }), RasterView),
  /**
   * Reads a display preview from the best overview (or a decimated read), off the UI thread;
   * a newer preview of the same raster supersedes it.
   */
  preview: call(
    z.object({
      path,
      bands: z.array(z.number().int().positive()).min(1).max(4),
      maxSize: z.number().int().min(16).max(REQUEST_LIMITS.previewSize),
    }),
    RasterPreview,
    { supersede: (request) => request.path },
  ),
  /** Reads an area file and returns its polygons in WGS84. */
  readArea: call(z.object({ path, layer: shortText.optional() }), z.object({ name: z.string(), polygons: PolygonsLonLat })),
  /** The cells a run with these settings would featurize. */
  gridPreview: call(
    z.object({ settings: RequestSettings, limit: z.number().int().positive().max(REQUEST_LIMITS.gridPreviewCells) }),
    GridPreview,
    { supersede: latestOnly },
  ),
  /** Time and memory a run would take. */
  estimate: call(z.object({ settings: RequestSettings }), Estimate, { supersede: latestOnly }),
  /**
   * Starts a run, or queues it behind the runs before it (one runs at a time; a full queue is refused);
   * progress and the outcome come as events. `queuePosition`: 1 = next to start; null = started.
   */
  startRun: call(
    z.object({ settings: RequestSettings }),
    z.object({ runId: RunRecord.shape.id, queuePosition: z.number().int().positive().nullable() }),
  ),
  /** Stops a run within one strip of cells (its partial output is kept unfinished), or takes a queued run off the queue. */
  cancelRun: call(runId, z.object({ cancelled: z.boolean() })),
  /**
   * Continues a cancelled or interrupted run where it stopped, as `rcf featurize --resume` does: its kept cells are
   * verified and not recomputed, so the result is the uninterrupted run's. Queued like a new run.
   */
  resumeRun: call(runId, z.object({ runId: RunRecord.shape.id, queuePosition: z.number().int().positive().nullable() })),
  history: call(z.object({}), z.object({ runs: z.array(RunRecord) })),
  results: call(runId, RunResults),
  cellValues: call(z.object({ runId: RunRecord.shape.id, cellId: shortText }), CellValues),
  /**
   * Writes a finished run as CSV (with its .csv.json provenance) or GeoPackage where the user chose in the save
   * dialog (`token` from chooseExportPath); an existing file is replaced only when the dialog confirmed it.
   */
  exportRun: call(
    z.object({ runId: RunRecord.shape.id, format: ExportFormat, token: ExportToken }),
    z.object({ path, bytes: z.number().int() }),
  ),
  /** Reads a label file for the Model panel: its columns, and with a target its labels for the map. */
  readLabels: call(z.object({ path, target: shortText.optional(), layer: shortText.optional() }), LabelsView, {
    supersede: latestOnly,
  }),
  /** The folds a fit with these settings would use, on a finished run's cells (labels joined as the fit joins them). */
  foldsPreview: call(z.object({ runId: RunRecord.shape.id, settings: FitSettings }), FoldsView, { supersede: latestOnly }),
  /** Starts a fit on a finished run's features (as `rcf fit`); progress and the outcome come as fit events. */
  startFit: call(z.object({ runId: RunRecord.shape.id, settings: FitSettings }), z.object({ fitId: fitIdSchema })),
  /** Stops a fit (nothing of it is kept but its record). */
  cancelFit: call(fitId, z.object({ cancelled: z.boolean() })),
  fitHistory: call(z.object({}), z.object({ fits: z.array(FitRecord) })),
  fitResults: call(fitId, FitResults),
  /**
   * Writes a finished fit's prediction (CSV, GeoPackage, GeoTIFF, as `rcf predict` writes them) or its model file
   * where the user chose in the save dialog (`token` from chooseExportPath).
   */
  exportFit: call(
    z.object({ fitId: fitIdSchema, format: FitExportFormat, token: ExportToken }),
    z.object({ path, bytes: z.number().int() }),
  ),
} as const;

export const serviceEvents = {
  progress: z.object({
    runId: z.string(),
    /** While the run waits: its place in the queue (1 = next); null once it runs. */
    queuePosition: z.number().int().positive().nullable(),
    cellsDone: z.number().int(),
    cellsTotal: z.number().int(),
    cellsPerSecond: z.number(),
    elapsedSeconds: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  notice: z.object({ runId: z.string(), message: z.string() }),
  /** A run ended: finished, cancelled or failed (with its message). */
  ended: RunRecord,
  /** A fit's progress: its stage (reading, solving, predicting, refitting) and steps done of the stage's total. */
  fitProgress: z.object({ fitId: z.string(), stage: z.string(), done: z.number().int(), total: z.number().int() }),
  /** A fit ended: finished, cancelled or failed (with its message). */
  fitEnded: FitRecord,
} as const;

export const appCalls = {
  /** A native open dialog for rasters; [] when dismissed. */
  chooseRasters: call(z.object({}), z.object({ paths: z.array(path) })),
  chooseArea: call(z.object({}), z.object({ path: path.nullable() })),
  chooseWeights: call(z.object({}), z.object({ path: path.nullable() })),
  /** Label files: points or polygons (CSV, GeoJSON, GeoPackage) or a label raster. */
  chooseLabels: call(z.object({}), z.object({ path: path.nullable() })),
  /**
   * A native save dialog (it asks before replacing a file); `token` lets exportRun write there, null when dismissed.
   * `name` is the chosen file's name, for messages.
   */
  chooseExportPath: call(
    z.object({ format: SaveFormat, suggestedName: shortText }),
    z.object({ token: ExportToken.nullable(), name: z.string().nullable() }),
  ),
  /** Starts a new featurizer service after it stopped, and connects the window to it. */
  restartService: call(z.object({}), z.object({})),
} as const;

export const MENU_COMMANDS = ['open-rasters', 'open-area', 'export', 'about'] as const;
export const appEvents = {
  menu: z.object({ command: z.enum(MENU_COMMANDS) }),
  /** The featurizer service exited unexpectedly; `restartService` starts a new one. */
  serviceStopped: z.object({ message: z.string() }),
} as const;

export type ServiceCallName = keyof typeof serviceCalls;
export type ServiceEventName = keyof typeof serviceEvents;
export type AppCallName = keyof typeof appCalls;
export type AppEventName = keyof typeof appEvents;

type Calls = typeof serviceCalls & typeof appCalls;
type Events = typeof serviceEvents & typeof appEvents;
export type CallName = keyof Calls;
export type EventName = keyof Events;
export type CallRequest<N extends CallName> = z.input<Calls[N]['request']>;
export type CallResponse<N extends CallName> = z.output<Calls[N]['response']>;
export type EventPayload<N extends EventName> = z.output<Events[N]>;

/**
 * What the service implements: one handler per service call, checked at compile time.
 * `signal` aborts when the caller cancels the call (or a newer call supersedes it).
 */
export type ServiceHandlers = {
  [N in ServiceCallName]: (request: z.output<(typeof serviceCalls)[N]['request']>, signal: AbortSignal) => Promise<CallResponse<N>>;
};
/** What Electron main implements. */
export type AppHandlers = { [N in AppCallName]: (request: z.output<(typeof appCalls)[N]['request']>) => Promise<CallResponse<N>> };

/** The API the renderer sees as `window.rcf`: every call, event subscriptions, and dropped files' paths. */
export type RcfApi = { [N in CallName]: (request: CallRequest<N>) => Promise<CallResponse<N>> } & {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** The file system path of a File dropped on the window (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
};

export function isServiceCall(name: string): name is ServiceCallName {
  return Object.hasOwn(serviceCalls, name);
}
export function isAppCall(name: string): name is AppCallName {
  return Object.hasOwn(appCalls, name);
}

/** The key under which a call supersedes older ones (see CallOptions), or null for a call that never does. */
export function supersedeKey(name: ServiceCallName, request: unknown): string | null {
  const supersede = (serviceCalls[name] as { supersede?: (request: unknown) => string }).supersede;
  return supersede ? `${name}:${supersede(request)}` : null;
}

/** A one-line, human message for a payload that failed its schema. */
export function describeInvalid(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return `${what}: invalid payload${where}: ${issue.message}`;
}

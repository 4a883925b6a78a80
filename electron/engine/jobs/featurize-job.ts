/**
 * A featurize job from a plain, serialisable spec: what the CLI runs and what
 * the app's service will run. Opens the inputs, makes or loads the filters,
 * runs the pipeline into a finished-only-at-the-end output, and returns the
 * provenance it recorded.
 */
import { basename } from 'node:path';
import { counted, isCancelled } from '../../../shared/errors/index.js';
import { defaultBias } from '../../../shared/rcf/conventions.js';
import { formatCellSize } from '../../../shared/grid/cells.js';
import { FEATURE_OUTPUT_EXTENSIONS, featureOutputFormat, type RunSettings } from '../../../shared/run/index.js';
import { describeAoi, type AoiDescription } from '../aoi/index.js';
import { cellId, featurize, type FeaturizeSettings, type Progress } from '../rcf/featurize.js';
import { defaultThreads } from '../rcf/backends.js';
import { CsvOutput } from '../export/csv.js';
import { GpkgOutput } from '../export/gpkg.js';
import { OutputError, type FeatureOutput, type OutputOptions } from '../export/output.js';
import { ParquetOutput, parquetLayout } from '../export/parquet/index.js';
import { JobError } from './errors.js';
import { filterBank, narrowCells, planRun, type RunPlan } from './plan.js';
import { sameCrs } from '../crs/index.js';
import type { Raster } from '../raster/index.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { assertInputsUnchanged, buildProvenance, provenanceInputs } from './provenance.js';

/** A featurize job: a run's settings, and where and how to write it. */
export interface FeaturizeJobSpec extends RunSettings {
  /**
   * Output path: `.csv` (with a `.csv.json` provenance sidecar) or `.gpkg`; or
   * several, all written in one pass (the app keeps both).
   */
  out: string | string[];
  /** Continue an unfinished output with the same settings. */
  resume: boolean;
  /** Replace whatever is at `out`. */
  overwrite: boolean;
  /** A GeoPackage written too when the inputs share one CRS (a layer has one); the app asks for it. */
  gpkgIfOneCrs?: string;
}

export interface JobHooks {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  notice?: (message: string) => void;
}

export interface JobResult {
  out: string;
  /** null when the outputs were already finished (`--resume`): nothing was run. */
  provenance: Provenance | null;
  cellsComputed: number;
  cellsSkipped: number;
  alreadyFinished: boolean;
}

export { JobError };

/** Names for the `source` column: base names, or full paths where base names clash. */
export function sourceNames(paths: string[]): string[] {
  const bases = paths.map((p) => basename(p));
  return paths.map((p, i) => (bases.filter((b) => b === bases[i]).length > 1 ? p : bases[i]));
}

export async function runFeaturizeJob(spec: FeaturizeJobSpec, hooks: JobHooks = {}): Promise<JobResult> {
  const outs = typeof spec.out === 'string' ? [spec.out] : [...spec.out];
  if (outs.length === 0) throw new JobError('no output given');
  for (const out of outs) {
    if (!featureOutputFormat(out)) throw new JobError(`${out}: the output must end in ${FEATURE_OUTPUT_EXTENSIONS}`);
  }
  const startedAt = new Date().toISOString();
  const plan = await planRun(spec, hooks.signal);
  for (const { path, sameAs } of plan.duplicates) {
    hooks.notice?.(
      path === sameAs ? `${path} is given twice; it is featurized once` : `${path} is the same file as ${sameAs}; it is featurized once`,
    );
  }
  noticeRasters(plan, spec, hooks.notice ?? (() => {}));
  try {
    if (spec.gpkgIfOneCrs !== undefined && sharesOneCrs(plan.rasters)) outs.push(spec.gpkgIfOneCrs);
    const { rasters, grids, cellSize, scaling } = plan;
    const bands = plan.bandIndexes;
    const bank = await filterBank(plan, spec);
    const edge = spec.edge;
    const aoiDescription: AoiDescription | null = plan.aoi ? await describeAoi(plan.aoi, { sha256: true }) : null;
    const convention = spec.convention;
    const bias = spec.bias ?? defaultBias(convention);
    const threads = spec.threads ?? defaultThreads();
    const settings: FeaturizeSettings = {
      bandIndexes: bands,
      scaling,
      cellSize,
      nodata: spec.nodata,
      convention,
      bias,
      backend: spec.backend,
      threads,
    };

    const names = sourceNames(plan.inputs);
    const inputs = await provenanceInputs(rasters, names, bands);
    // Everything that determines the output; resume only continues an identical run. The outputs add the backend
    // once the kernel is bound (onKernel below), and check it against a resumed partial's.
    const runKey = {
      inputs: inputs.map((i) => ({ name: i.name, sha256: i.sha256 })),
      bands: bands.map((b) => b + 1),
      scaling,
      cell_size: formatCellSize(cellSize),
      edge,
      aoi: aoiDescription ? { sha256: aoiDescription.sha256, layer: aoiDescription.layer ?? null } : null,
      nodata: spec.nodata,
      convention,
      bias,
      features: 2 * bank.filters,
      kernel: bank.kernel,
      weights_sha256: bank.sha256,
    };
    const options: OutputOptions = {
      resume: spec.resume,
      overwrite: spec.overwrite,
      // What every output holds, in this order: resume verifies kept rows against it.
      cells: function* () {
        for (let i = 0; i < grids.length; i++) for (const c of grids[i].cells) yield cellId(names[i], c.row, c.col);
      },
      inputs: jobInputs(spec),
    };
    const outputs: FeatureOutput[] = [];
    try {
      for (const out of outs) {
        const sources = rasters.map((r, i) => ({ name: names[i], crs: r.info.crs }));
        if (featureOutputFormat(out) === 'parquet') {
          outputs.push(await ParquetOutput.open(out, parquetLayout(out, 2 * bank.filters, sources), runKey, options));
        } else if (featureOutputFormat(out) === 'gpkg') {
          const gpkg = await GpkgOutput.open(out, { features: 2 * bank.filters, sources }, runKey, options);
          gpkg.setWeights([bank.filters, bank.channels, bank.kernel, bank.kernel], bank.weights);
          outputs.push(gpkg);
        } else {
          outputs.push(await CsvOutput.open(out, 2 * bank.filters, runKey, options));
        }
      }
    } catch (e) {
      await endUnfinished(outputs, e);
      throw e;
    }
    if (outputs.every((o) => o.alreadyFinished)) {
      return { out: outs[0], provenance: null, cellsComputed: 0, cellsSkipped: 0, alreadyFinished: true };
    }
    const finished = outputs.findIndex((o) => o.alreadyFinished);
    if (finished >= 0) {
      await Promise.all(outputs.map((o) => o.abandon()));
      throw new OutputError(`${outs[finished]} is already finished but the other outputs are not; use {overwrite} to write them all again`);
    }
    let summary;
    try {
      summary = await featurize(
        rasters.map((raster, i) => ({ raster, name: names[i], cells: grids[i].cells })),
        bank,
        settings,
        {
          signal: hooks.signal,
          // A cell is skipped only when every output already has it.
          isDone: (id) => outputs.every((o) => o.doneCells.has(id)),
          onKernel: async (kernel) => {
            for (const o of outputs) await o.useBackend({ name: kernel.backend, device: kernel.device });
          },
          onCell: async (cell) => {
            for (const o of outputs) if (!o.doneCells.has(cell.cellId)) await o.write(cell);
          },
          onProgress: hooks.onProgress,
          notice: hooks.notice,
        },
      );
      await assertInputsUnchanged(inputs);
    } catch (e) {
      await endUnfinished(outputs, e);
      throw e;
    }
    const provenance = buildProvenance({
      started: startedAt,
      inputs,
      bandIndexes: bands,
      scaling,
      cellSize,
      edge,
      grids,
      aoi: aoiDescription,
      bank,
      convention,
      bias,
      nodata: spec.nodata,
      summary,
    });
    try {
      for (const o of outputs) await o.finish(provenance);
    } catch (e) {
      await Promise.all(outputs.map((o) => o.close()));
      throw e;
    }
    return { out: outs[0], provenance, cellsComputed: summary.cellsComputed, cellsSkipped: summary.cellsSkipped, alreadyFinished: false };
  } finally {
    await plan.close();
  }
}

/** What a run does that a user might not expect, said once before it starts: an alpha band used as the mask, narrow edge cells. */
function noticeRasters(plan: RunPlan, spec: FeaturizeJobSpec, notice: (message: string) => void): void {
  plan.rasters.forEach((r, i) => {
    const name = basename(r.info.path);
    const alpha = r.info.alpha_band;
    if (alpha !== undefined && r.info.nodata_sources?.includes('alpha')) {
      const also = plan.bandIndexes.includes(alpha)
        ? `, and it is featurized as a channel too (choose the bands without band ${alpha + 1} to leave it out)`
        : '';
      notice(`${name}: band ${alpha + 1} is an alpha band: its 0 pixels are nodata${also}`);
    }
    const narrow = spec.edge === 'keep' ? narrowCells(plan.grids[i], plan.shape.kernel, plan.aoi === null) : 0;
    if (narrow > 0) {
      const k = plan.shape.kernel;
      const hold = narrow === 1 ? 'holds' : 'hold';
      notice(
        `${name}: ${counted(narrow, 'edge cell')} narrower than the ${k}×${k} kernel ${hold} no window: empty features, valid_fraction 0`,
      );
    }
  });
}

/** Closes the outputs of a run that stopped: a cancelled one keeps its partials for --resume, a failed one drops those without a row. */
function endUnfinished(outputs: FeatureOutput[], error: unknown): Promise<unknown> {
  return Promise.all(outputs.map((o) => (isCancelled(error) ? o.close() : o.abandon())));
}

/** Every file a run reads (rasters and their overview sidecars, the area, the weights, the training rasters): outputs must not be one. */
function jobInputs(spec: FeaturizeJobSpec): string[] {
  const files = [...spec.inputs, ...spec.inputs.map((p) => `${p}.ovr`), ...spec.train];
  if (spec.area?.kind === 'file') files.push(spec.area.path);
  if (spec.weights !== undefined) files.push(spec.weights);
  return files;
}

function sharesOneCrs(rasters: Raster[]): boolean {
  const first = rasters[0].info.crs;
  return first !== null && rasters.every((r) => r.info.crs !== null && sameCrs(r.info.crs, first));
}

export { OutputError };

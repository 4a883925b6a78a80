/**
 * The app's run settings as an engine job: what `rcf featurize` would be given.
 * One mapping, used by the service and checked against the CLI in the tests.
 */
import type { RunSettings } from '../../shared/ipc/contract.js';
import type { FeaturizeJobSpec, FilterSpec } from '../engine/jobs/featurize-job.js';

/**
 * `outs`: where the job writes (the run folder). `areaFile`: the area as a file
 * (an imported one, or drawn polygons the service wrote out), so the
 * provenance names it and its checksum.
 */
export function jobSpecFor(settings: RunSettings, outs: string[], areaFile?: { path: string; layer?: string }): FeaturizeJobSpec {
  return {
    inputs: settings.inputs,
    out: outs,
    filters: filtersFor(settings.filters),
    bands: settings.bands,
    scaling: settings.scaling,
    cellSize: settings.cellSize,
    edge: settings.edge,
    aoi: areaFile,
    nodata: settings.nodata,
    convention: settings.convention,
    bias: settings.bias,
    backend: settings.backend,
    threads: settings.threads,
    // Every run gets a fresh folder; a re-run is a new run.
    resume: false,
    overwrite: true,
  };
}

function filtersFor(f: RunSettings['filters']): FilterSpec {
  if (f.mode === 'file') return { weights: f.weights };
  if (f.mode === 'gaussian') return { mode: 'gaussian', features: f.features, kernel: f.kernel, seed: f.seed };
  return { mode: 'empirical', features: f.features, kernel: f.kernel, seed: f.seed, train: f.train, patches: f.patches };
}

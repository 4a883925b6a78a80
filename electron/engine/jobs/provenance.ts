/**
 * The provenance a featurize job records (the document is described in
 * shared/provenance): its inputs, once opened, and the whole document at the
 * end of the run. Keys are written in the order built here.
 */
import { PROVENANCE_VERSION, type Provenance } from '../../../shared/provenance/index.js';
import type { Convention } from '../../../shared/rcf/conventions.js';
import type { NodataPolicy } from '../../../shared/rcf/cell-sums.js';
import { formatCellSize, type CellList, type CellSize, type EdgePolicy } from '../../../shared/grid/cells.js';
import type { ResolvedCellSize } from '../../../shared/grid/resolve.js';
import type { AoiDescription } from '../aoi/index.js';
import type { Raster } from '../raster/index.js';
import type { FeaturizeSummary } from '../rcf/featurize.js';
import type { InputScaling } from '../rcf/input.js';
import type { WeightsFile } from '../rcf/weights.js';
import { assertUnchanged, hashFile } from '../hash.js';
import { appVersion } from '../app-version.js';

type RecordedInput = Provenance['inputs'][number];

/** The size each recorded input had when it was hashed (for assertInputsUnchanged). */
const recordedSizes = new WeakMap<RecordedInput, number>();

/** Each input raster as recorded, named as in the `source` column. */
export async function provenanceInputs(rasters: Raster[], names: string[], bandIndexes: number[]): Promise<Provenance['inputs']> {
  return Promise.all(
    rasters.map(async (r, i) => {
      const { sha256, size } = await hashFile(r.info.path);
      const input = recordInput(r, names[i], bandIndexes, sha256);
      recordedSizes.set(input, size);
      return input;
    }),
  );
}

/**
 * Fails the run when an input changed since it was recorded (its size, then
 * its sha256): the cells would mix pixels of two files, or of a file cut short
 * while it was read, under a hash of neither. Called when the run ends, before
 * its output is finished.
 */
export async function assertInputsUnchanged(inputs: Provenance['inputs']): Promise<void> {
  for (const input of inputs) {
    const size = recordedSizes.get(input);
    if (size === undefined) throw new Error(`assertInputsUnchanged: ${input.path} was not recorded by provenanceInputs`);
    await assertUnchanged(input.path, { sha256: input.sha256, size });
  }
}

function recordInput(r: Raster, name: string, bandIndexes: number[], sha256: string): RecordedInput {
  return {
    path: r.info.path,
    name,
    sha256,
    width: r.info.width,
    height: r.info.height,
    dtype: r.info.dtype,
    transform: r.info.transform,
    crs: r.info.crs,
    nodata: r.info.nodata,
    scales: bandIndexes.map((b) => r.info.scales[b]),
    offsets: bandIndexes.map((b) => r.info.offsets[b]),
  };
}

export interface ProvenanceParts {
  /** When the job started (ISO 8601); it finishes now. */
  started: string;
  inputs: Provenance['inputs'];
  /** 0-based indexes of the bands (recorded as people count them, from 1). */
  bandIndexes: number[];
  scaling: InputScaling;
  cellSize: CellSize;
  edge: EdgePolicy;
  /** Each input's grid, in input order. */
  grids: { resolved: ResolvedCellSize; cells: CellList }[];
  aoi: AoiDescription | null;
  bank: WeightsFile;
  convention: Convention;
  bias: number;
  nodata: NodataPolicy;
  summary: FeaturizeSummary;
}

/** The provenance of a run that has just finished. */
export function buildProvenance(p: ProvenanceParts): Provenance {
  const { bank } = p;
  return {
    version: PROVENANCE_VERSION,
    app: { name: 'rcf-desktop', version: appVersion() },
    started: p.started,
    finished: new Date().toISOString(),
    inputs: p.inputs,
    bands: p.bandIndexes.map((b) => b + 1),
    scaling: {
      scale: p.scaling.scale,
      offset: p.scaling.offset,
      raster_scale_offset: p.scaling.useRasterScale,
      formula: p.scaling.useRasterScale ? '(raw*band_scale+band_offset)*scale+offset' : 'raw*scale+offset',
    },
    grid: {
      cell_size: formatCellSize(p.cellSize),
      origin: 'top-left pixel of each raster',
      edge: p.edge,
      per_input: p.grids.map((g, i) => ({
        name: p.inputs[i].name,
        cell_pixels: formatCellSize(g.resolved.cellSize),
        cell_map_size: g.resolved.effective,
        cells: g.cells.length,
      })),
      aoi: p.aoi,
    },
    rcf: {
      ...filterProvenance(bank),
      convention: p.convention,
      features: 2 * bank.filters,
      filters: bank.filters,
      channels: bank.channels,
      kernel: bank.kernel,
      bias: p.bias,
      feature_order: 'f0..f{F2-1} = mean relu(+), f{F2}..f{K-1} = mean relu(-)',
      weights_sha256: bank.sha256,
    },
    nodata_policy: p.nodata,
    backend: { name: p.summary.backend, device: p.summary.device, threads: p.summary.threads },
    cells: { computed: p.summary.cellsComputed, resumed: p.summary.cellsSkipped },
  };
}

/** How the filters were made: the keys that come first in `rcf`, by mode. */
export function filterProvenance(bank: WeightsFile) {
  const o = bank.origin;
  if (o.mode === 'file') return { mode: 'file' as const, weights_file: o.path };
  if (o.mode === 'gaussian') {
    return { mode: 'gaussian' as const, seed: o.seed, generator: 'xoshiro128** + Marsaglia polar (shared/rcf/random.ts)' };
  }
  return {
    mode: 'empirical' as const,
    seed: o.seed,
    patch_pool: o.pool,
    train: o.train,
    patches: o.patches.map((p): [number, number, number] => [p.source, p.y, p.x]),
    patch_columns: ['train_index', 'y', 'x'] as ['train_index', 'y', 'x'],
  };
}

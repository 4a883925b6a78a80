/**
 * `rcf plan`, `rcf featurize --manifest` and `rcf merge`: a run split into shards any batch engine can start by
 * index (Slurm arrays, Kubernetes Indexed Jobs, AWS Batch array jobs, Dask), then merged. A thin shell over
 * engine/scale; see docs/scale.md.
 */
import { parseArgs } from 'node:util';
import { isCancelled } from '../../shared/errors/index.js';
import { flagOf, RUN_FLAGS, SettingError, settingsFromFlags } from '../../shared/run/index.js';
import { mergeManifest, planManifest, readManifest, runShard, shardIndex, INDEX_VARIABLES } from '../engine/scale/index.js';
import { progressReporter, type ProgressStyle } from './progress.js';
import { UsageError } from './usage.js';

function asUsage<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof SettingError) throw new UsageError(e.describe(flagOf));
    throw e;
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function count(value: string, flag: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got '${value}'`);
  return Number(value);
}

/** `rcf plan INPUTS... [run options] --out-dir DIR --manifest M.jsonl`. */
export async function planCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...RUN_FLAGS,
      'out-dir': { type: 'string' },
      manifest: { type: 'string' },
      'stac-asset': { type: 'string' },
      aoi: { type: 'string' },
      'aoi-layer': { type: 'string' },
      overwrite: { type: 'boolean' },
    },
  });
  if (positionals.length === 0) throw new UsageError('rcf plan needs rasters, a folder or a STAC ItemCollection');
  const outDir = required(values['out-dir'] as string | undefined, '--out-dir DIR');
  const manifest = required(values.manifest as string | undefined, '--manifest M.jsonl');
  if (values['aoi-layer'] !== undefined && values.aoi === undefined)
    throw new UsageError(`${flagOf('aoiLayer')} needs ${flagOf('aoi')} FILE`);
  const aoi = values.aoi as string | undefined;
  const area = aoi === undefined ? null : ({ kind: 'file', path: aoi, layer: values['aoi-layer'] as string | undefined } as const);
  const settings = asUsage(() => settingsFromFlags(positionals, area, values));
  const result = await planManifest({
    sources: positionals,
    stacAsset: values['stac-asset'] as string | undefined,
    settings,
    outDir,
    manifest,
    overwrite: (values.overwrite as boolean | undefined) ?? false,
  });
  const skipped = result.skipped.length ? `; ${result.skipped.length} raster(s) left out: the area misses their cells` : '';
  process.stderr.write(
    `rcf: wrote ${manifest}: ${result.items.length} items, ${result.cells} cells, filters ${result.bank.file} in ${outDir}${skipped}\n`,
  );
  return 0;
}

/** `rcf featurize --manifest M.jsonl [--shard-index I] --shard-count N`. */
export async function shardCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      'shard-index': { type: 'string' },
      'shard-count': { type: 'string' },
      progress: { type: 'string' },
    },
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument '${positionals[0]}': with --manifest the manifest names the inputs`);
  const manifestPath = required(values.manifest, '--manifest M.jsonl');
  const shards = count(required(values['shard-count'], '--shard-count N'), '--shard-count');
  const style = values.progress ?? 'none';
  if (!['bar', 'json', 'none'].includes(style)) throw new UsageError(`--progress must be one of bar, json, none; got '${style}'`);
  const { index, from } = shardIndex(values['shard-index'], shards);
  const manifest = await readManifest(manifestPath);

  const controller = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalName) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalName = sig;
    process.stderr.write(
      `\nrcf: ${sig} received: stopping after the current batch (the shard continues where it stopped when run again)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressReporter(style as ProgressStyle);
  const via = from === '--shard-index' ? '' : ` (from ${from})`;
  try {
    const outcomes = await runShard(manifest, index, shards, {
      signal: controller.signal,
      onProgress: progress.update,
      notice: (m) => progress.notice(m),
      onItem: (item, i, of) => progress.notice(`shard ${index}${via}: item ${item.item} (${item.id}), ${i + 1} of ${of}`),
    });
    progress.done();
    const done = outcomes.filter((o) => o.status === 'done').length;
    const skipped = outcomes.length - done;
    const cells = outcomes.reduce((n, o) => n + o.cells, 0);
    const note = outcomes.length === 0 ? ' (no items: there are fewer items than shards)' : '';
    process.stderr.write(`rcf: shard ${index} of ${shards}${via}: ${done} item(s) done, ${skipped} already done, ${cells} cells${note}\n`);
    return 0;
  } catch (e) {
    progress.done();
    if (signalName && (controller.signal.aborted || isCancelled(e))) {
      process.stderr.write(`rcf: shard ${index} cancelled; its unfinished part is kept and continued when the shard runs again\n`);
      return signalName === 'SIGINT' ? 130 : 143;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `rcf merge M.jsonl --out OUT.csv|OUT.gpkg [--dedupe] [--overwrite]`. */
export async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, dedupe: { type: 'boolean' }, overwrite: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('rcf merge takes one manifest (rcf merge M.jsonl --out OUT)');
  const out = required(values.out, '--out OUT');
  const manifest = await readManifest(positionals[0]);
  const result = await mergeManifest(manifest, { out, dedupe: values.dedupe ?? false, overwrite: values.overwrite ?? false });
  if (result.overlaps.length > 0 && !values.dedupe) {
    const pairs = result.overlaps.slice(0, 3).map(([a, b]) => `${a} and ${b}`);
    const more = result.overlaps.length > 3 ? ` and ${result.overlaps.length - 3} more pairs` : '';
    process.stderr.write(
      `rcf: ${pairs.join(', ')}${more} overlap: each keeps its own grid, so their cells overlap (--dedupe keeps each place once)\n`,
    );
  }
  const dropped = values.dedupe ? `, ${result.dropped} overlapping cells left out` : '';
  process.stderr.write(`rcf: wrote ${out}: ${result.rows} cells from ${manifest.items.length} parts${dropped}\n`);
  return 0;
}

/** The index variables, for the usage text. */
export const SHARD_INDEX_VARIABLES = INDEX_VARIABLES.join(', ');

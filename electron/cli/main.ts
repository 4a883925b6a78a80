/** The `rcf` commands. Every engine error reaches the user as one line. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { UserError } from '../../shared/errors/index.js';
import { CONVENTIONS, type Convention } from '../../shared/rcf/conventions.js';
import { NODATA_POLICIES, type NodataPolicy } from '../../shared/rcf/cell-sums.js';
import { openRaster, rasterInfoJson, RasterError, type Raster } from '../engine/raster/index.js';
import { BACKEND_CHOICES, BackendError, defaultThreads, type BackendChoice } from '../engine/rcf/backends.js';
import { makeEmpiricalBank, makeGaussianBank, saveWeights, WeightsError } from '../engine/rcf/weights.js';
import { parseBands, type InputScaling } from '../engine/rcf/input.js';
import { runFeaturizeJob, JobError, OutputError, type FilterSpec } from '../engine/jobs/featurize-job.js';
import { AoiError } from '../engine/aoi/index.js';
import { appVersion } from '../engine/app-version.js';
import { progressReporter, type ProgressStyle } from './progress.js';
import { USAGE, UsageError } from './usage.js';

const SCALING_OPTIONS = {
  bands: { type: 'string' },
  scale: { type: 'string' },
  offset: { type: 'string' },
  'raster-scale': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const FILTER_OPTIONS = {
  mode: { type: 'string' },
  features: { type: 'string' },
  kernel: { type: 'string' },
  seed: { type: 'string' },
  train: { type: 'string', multiple: true },
  patches: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Flags whose values may be negative numbers, which parseArgs would take for flags. */
const NUMERIC_FLAGS = new Set(['--bias', '--offset', '--scale']);

/** Joins `--bias -1` into `--bias=-1`. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (NUMERIC_FLAGS.has(args[i]) && /^-(\d|\.\d)/.test(args[i + 1] ?? '')) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = joinNegativeValues(argv);
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    switch (command) {
      case 'info':
        return await infoCommand(rest);
      case 'weights':
        return await weightsCommand(rest);
      case 'featurize':
        return await featurizeCommand(rest);
      case '--version':
        process.stdout.write(`${appVersion()}\n`);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}' (try: rcf --help)`);
    }
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  const known = [RasterError, WeightsError, BackendError, JobError, OutputError, AoiError, UserError];
  if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`rcf: ${(e as Error).message}\n`);
    return 2;
  }
  if (known.some((k) => e instanceof k)) {
    process.stderr.write(`rcf: ${(e as Error).message}\n`);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.path) {
    process.stderr.write(`rcf: ${err.path}: ${err.code === 'ENOENT' ? 'no such file or folder' : err.code === 'EACCES' ? 'permission denied' : err.code}\n`);
    return 1;
  }
  // Anything else is a bug or an unforeseen condition: still one line, details on request.
  process.stderr.write(`rcf: ${err instanceof Error ? err.message : String(e)}${process.env.RCF_DEBUG ? '' : ' (set RCF_DEBUG=1 for details)'}\n`);
  if (process.env.RCF_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function infoCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('rcf info needs a raster (rcf info RASTER...)');
  const infos = [];
  for (const path of positionals) {
    const raster = await openRaster(path);
    infos.push(rasterInfoJson(raster.info));
    await raster.close();
  }
  process.stdout.write(JSON.stringify(infos.length === 1 ? infos[0] : infos, null, 2) + '\n');
  return 0;
}

async function weightsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...FILTER_OPTIONS, ...SCALING_OPTIONS, channels: { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (training rasters go after --train)`);
  const out = required(values.out, '--out W.npy');
  const mode = oneOf(values.mode ?? 'gaussian', ['gaussian', 'empirical'] as const, '--mode');
  const features = integer(values.features, '--features', 512);
  const kernel = integer(values.kernel, '--kernel', 3);
  const seed = integer(values.seed, '--seed', 0);
  let bank;
  if (mode === 'gaussian') {
    if (values.train) throw new UsageError('--train only applies to --mode empirical');
    const channels = integer(required(values.channels, '--channels C'), '--channels');
    bank = makeGaussianBank(features, channels, kernel, seed);
  } else {
    const trainPaths = values.train ?? [];
    if (trainPaths.length === 0) throw new UsageError('--mode empirical needs at least one --train RASTER');
    const train: Raster[] = [];
    try {
      for (const p of trainPaths) train.push(await openRaster(p));
      const bands = parseBands(values.bands, train[0].info.bands);
      if (values.channels !== undefined && integer(values.channels, '--channels') !== bands.length) {
        throw new UsageError(`--channels ${values.channels} does not match the ${bands.length} selected band(s)`);
      }
      bank = await makeEmpiricalBank(train, { features, kernel, seed, pool: optionalInteger(values.patches, '--patches'), bands, scaling: scaling(values) });
    } finally {
      await Promise.all(train.map((r) => r.close()));
    }
  }
  await saveWeights(out, bank);
  await writeFile(`${out}.json`, JSON.stringify({ app: { name: 'rcf-desktop', version: appVersion() }, shape: [bank.filters, bank.channels, bank.kernel, bank.kernel], sha256: bank.sha256, origin: bank.origin }, null, 1) + '\n');
  process.stderr.write(`rcf: wrote ${out}: ${bank.filters} ${mode} filters of ${bank.channels}×${bank.kernel}×${bank.kernel} (K = ${2 * bank.filters} features), sha256 ${bank.sha256}\n`);
  return 0;
}

async function featurizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...FILTER_OPTIONS,
      ...SCALING_OPTIONS,
      weights: { type: 'string' },
      out: { type: 'string' },
      bias: { type: 'string' },
      convention: { type: 'string' },
      'cell-size': { type: 'string' },
      edge: { type: 'string' },
      aoi: { type: 'string' },
      'aoi-layer': { type: 'string' },
      nodata: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      resume: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      progress: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('rcf featurize needs at least one raster');
  const out = required(values.out, '--out OUT.csv');
  if (values.resume && values.overwrite) throw new UsageError('--resume and --overwrite contradict each other; pick one');
  if (values['aoi-layer'] !== undefined && values.aoi === undefined) throw new UsageError('--aoi-layer needs --aoi FILE');
  let filters: FilterSpec;
  if (values.weights !== undefined) {
    const clash = (['mode', 'features', 'kernel', 'seed', 'train', 'patches'] as const).find((k) => values[k] !== undefined);
    if (clash) throw new UsageError(`--${clash} cannot be combined with --weights (the file fixes the filters)`);
    filters = { weights: values.weights };
  } else {
    const mode = oneOf(values.mode ?? 'gaussian', ['gaussian', 'empirical'] as const, '--mode');
    const common = { features: integer(values.features, '--features', 512), kernel: integer(values.kernel, '--kernel', 3), seed: integer(values.seed, '--seed', 0) };
    if (mode === 'gaussian' && (values.train || values.patches)) throw new UsageError('--train and --patches only apply to --mode empirical');
    filters = mode === 'gaussian' ? { mode, ...common } : { mode, ...common, train: values.train ?? [], patches: optionalInteger(values.patches, '--patches') };
  }
  const progressStyle = oneOf(values.progress ?? (process.stderr.isTTY ? 'bar' : 'none'), ['bar', 'json', 'none'] as const, '--progress') as ProgressStyle;
  const threads = integer(values.threads, '--threads', defaultThreads());
  if (threads < 1) throw new UsageError('--threads must be at least 1');

  // Cancel: the first SIGINT/SIGTERM stops after the current batch and keeps what is done.
  const controller = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalName) process.exit(sig === 'SIGINT' ? 130 : 143); // a second signal: stop now
    signalName = sig;
    process.stderr.write(`\nrcf: ${sig} received: stopping after the current batch (run again with --resume to continue)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressReporter(progressStyle);
  try {
    const result = await runFeaturizeJob(
      {
        inputs: positionals,
        out,
        filters,
        bands: values.bands === undefined ? undefined : bandList(values.bands),
        scaling: scaling(values),
        cellSize: values['cell-size'] ?? '256',
        edge: oneOf(values.edge ?? 'drop', ['drop', 'keep'] as const, '--edge'),
        aoi: values.aoi === undefined ? undefined : { path: values.aoi, layer: values['aoi-layer'] },
        nodata: oneOf(values.nodata ?? 'mask', NODATA_POLICIES, '--nodata') as NodataPolicy,
        convention: oneOf(values.convention ?? 'torchgeo', CONVENTIONS, '--convention') as Convention,
        bias: optionalNumber(values.bias, '--bias'),
        backend: oneOf(values.backend ?? 'auto', BACKEND_CHOICES, '--backend') as BackendChoice,
        threads,
        resume: values.resume ?? false,
        overwrite: values.overwrite ?? false,
      },
      { signal: controller.signal, onProgress: progress.update, notice: (m) => progress.notice(m) },
    );
    progress.done();
    if (result.alreadyFinished) process.stderr.write(`rcf: ${out} is already complete for these settings; nothing to do\n`);
    else {
      const sidecar = /\.csv$/i.test(out) ? ` and ${out}.json` : '';
      process.stderr.write(`rcf: wrote ${out} (${result.cellsComputed} cells computed${result.cellsSkipped ? `, ${result.cellsSkipped} kept from the earlier run` : ''})${sidecar}\n`);
    }
    return 0;
  } catch (e) {
    progress.done();
    if (signalName && controller.signal.aborted) {
      process.stderr.write(`rcf: cancelled; finished cells are kept in ${out}.partial (continue with --resume)\n`);
      return signalName === 'SIGINT' ? 130 : 143;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function scaling(values: { scale?: string; offset?: string; 'raster-scale'?: boolean }): InputScaling {
  return {
    scale: optionalNumber(values.scale, '--scale') ?? 1,
    offset: optionalNumber(values.offset, '--offset') ?? 0,
    useRasterScale: values['raster-scale'] ?? false,
  };
}

function bandList(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--bands: '${s}' is not a band number (bands count from 1)`);
    return n;
  });
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function oneOf<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got '${value}'`);
  return value as T;
}

function integer(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing ${flag}`);
    return fallback;
  }
  if (!/^-?[0-9]+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got '${value}'`);
  return Number(value);
}

function optionalInteger(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : integer(value, flag);
}

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${value}'`);
  return n;
}

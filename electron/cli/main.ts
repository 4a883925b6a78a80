/** The `rcf` commands. Every engine error reaches the user as one line. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fileProblem, oneLine, UserError } from '../../shared/errors/index.js';
import {
  flagOf,
  NUMBER_FLAGS,
  optionsFromFlags,
  OUTPUT_FLAGS,
  RUN_FLAGS,
  RUN_OPTION_KEYS,
  RUN_OPTIONS,
  SettingError,
  settingsFromFlags,
  type FlagValues,
  type RunOptionValues,
} from '../../shared/run/index.js';
import { openRaster, rasterInfoJson, type Raster } from '../engine/raster/index.js';
import { makeEmpiricalBank, makeGaussianBank, saveWeights } from '../engine/rcf/weights.js';
import { bandIndexes } from '../engine/rcf/input.js';
import { runFeaturizeJob } from '../engine/jobs/featurize-job.js';
import { appVersion } from '../engine/app-version.js';
import { writeFileAtomic } from '../engine/write-file.js';
import { progressReporter, type ProgressStyle } from './progress.js';
import { USAGE, UsageError } from './usage.js';
import { fitCommand, predictCommand } from './model-commands.js';
import { changeCommand, clusterCommand, similarCommand } from './explore-commands.js';

/** The run options `rcf weights` takes (the filters and how pixels are read). */
const WEIGHTS_OPTIONS = ['mode', 'features', 'kernel', 'seed', 'train', 'patches', 'bands', 'scale', 'offset', 'rasterScale'] as const;

/** Flags whose value may be negative: numbers, and whole numbers (refused by their option with a one-line reason). */
const SIGNED_FLAGS = [...NUMBER_FLAGS, ...RUN_OPTION_KEYS.filter((key) => RUN_OPTIONS[key].type === 'integer').map(flagOf), '--channels'];

/** Joins `--bias -1` into `--bias=-1`, which parseArgs would otherwise take for a flag. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (SIGNED_FLAGS.includes(args[i]) && /^-(\d|\.\d)/.test(args[i + 1] ?? '')) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

/** Parses flags; a bad run option is a usage error naming its flag. */
function parseFlags<O extends ParseArgsConfig['options']>(args: string[], options: O) {
  const parsed = parseArgs({ args, allowPositionals: true, options: { ...RUN_FLAGS, ...options } });
  return parsed as { values: FlagValues & { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string }; positionals: string[] };
}

function asUsage<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof SettingError) throw new UsageError(e.describe(flagOf));
    throw e;
  }
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
      case 'fit':
        return await fitCommand(rest);
      case 'predict':
        return await predictCommand(rest);
      case 'similar':
        return await similarCommand(rest);
      case 'cluster':
        return await clusterCommand(rest);
      case 'change':
        return await changeCommand(rest);
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
  if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`rcf: ${oneLine((e as Error).message)}\n`); // parseArgs explains on several lines
    return 2;
  }
  if (e instanceof UserError) {
    process.stderr.write(`rcf: ${e.describe(flagOf as (setting: string) => string)}\n`);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.path) {
    process.stderr.write(`rcf: ${err.path}: ${fileProblem(err.code) ?? err.code}\n`);
    return 1;
  }
  // Anything else is a bug or an unforeseen condition: still one line, details on request.
  process.stderr.write(
    `rcf: ${err instanceof Error ? err.message : String(e)}${process.env.RCF_DEBUG ? '' : ' (set RCF_DEBUG=1 for details)'}\n`,
  );
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
  const { values, positionals } = parseFlags(args, { channels: { type: 'string' }, out: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (training rasters go after --train)`);
  const unknown = Object.keys(RUN_FLAGS).find(
    (flag) => values[flag] !== undefined && !WEIGHTS_OPTIONS.some((key) => RUN_OPTIONS[key].flag === flag),
  );
  if (unknown) throw new UsageError(`--${unknown} does not apply to rcf weights`);
  const out = required(values.out, '--out W.npy');
  const options = asUsage(() => runOptionsOf(optionsFromFlags(values, WEIGHTS_OPTIONS)));
  if (options.mode === 'file') throw new UsageError('--mode must be gaussian or empirical for rcf weights');
  const { features, kernel, seed } = options;
  let bank;
  if (options.mode === 'gaussian') {
    const channels = channelCount(required(values.channels, '--channels C'));
    bank = makeGaussianBank(features, channels, kernel, seed);
  } else {
    if (options.train.length === 0) throw new UsageError('--mode empirical needs at least one --train RASTER');
    const train: Raster[] = [];
    try {
      for (const p of options.train) train.push(await openRaster(p));
      const bands = bandIndexes(options.bands, train[0].info.bands, train[0].info.path);
      if (values.channels !== undefined && channelCount(values.channels) !== bands.length) {
        throw new UsageError(`--channels ${values.channels} does not match the ${bands.length} selected band(s)`);
      }
      const scaling = { scale: options.scale, offset: options.offset, useRasterScale: options.rasterScale };
      bank = await makeEmpiricalBank(train, { features, kernel, seed, pool: options.patches, bands, scaling });
    } finally {
      await Promise.all(train.map((r) => r.close()));
    }
  }
  await saveWeights(out, bank);
  const about = {
    app: { name: 'rcf-desktop', version: appVersion() },
    shape: [bank.filters, bank.channels, bank.kernel, bank.kernel],
    sha256: bank.sha256,
    origin: bank.origin,
  };
  await writeFileAtomic(`${out}.json`, JSON.stringify(about, null, 1) + '\n');
  const shape = `${bank.channels}×${bank.kernel}×${bank.kernel}`;
  const made = `${bank.filters} ${options.mode} filters of ${shape} (K = ${2 * bank.filters} features)`;
  process.stderr.write(`rcf: wrote ${out}: ${made}, sha256 ${bank.sha256}\n`);
  return 0;
}

async function featurizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, OUTPUT_FLAGS);
  if (positionals.length === 0) throw new UsageError('rcf featurize needs at least one raster');
  const out = required(values.out, '--out OUT.csv');
  if (values.resume && values.overwrite)
    throw new UsageError(`${flagOf('resume')} and ${flagOf('overwrite')} contradict each other; pick one`);
  if (values['aoi-layer'] !== undefined && values.aoi === undefined)
    throw new UsageError(`${flagOf('aoiLayer')} needs ${flagOf('aoi')} FILE`);
  if (values.aoi === '') throw new UsageError(`${flagOf('aoi')} needs a file`);
  const area = values.aoi === undefined ? null : ({ kind: 'file', path: values.aoi, layer: values['aoi-layer'] } as const);
  const settings = asUsage(() => settingsFromFlags(positionals, area, values));
  const progressStyle = oneOf(
    values.progress ?? (process.stderr.isTTY ? 'bar' : 'none'),
    ['bar', 'json', 'none'] as const,
    '--progress',
  ) as ProgressStyle;

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
      { ...settings, out, resume: values.resume ?? false, overwrite: values.overwrite ?? false },
      { signal: controller.signal, onProgress: progress.update, notice: (m) => progress.notice(m) },
    );
    progress.done();
    if (result.alreadyFinished) process.stderr.write(`rcf: ${out} is already complete for these settings; nothing to do\n`);
    else {
      const sidecar = /\.csv$/i.test(out) ? ` and ${out}.json` : '';
      const kept = result.cellsSkipped ? `, ${result.cellsSkipped} kept from the earlier run` : '';
      process.stderr.write(`rcf: wrote ${out} (${result.cellsComputed} cells computed${kept})${sidecar}\n`);
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

/** The run options with their defaults filled in (those `rcf weights` was not given). */
function runOptionsOf(given: Partial<RunOptionValues>): RunOptionValues {
  const filled: Record<string, unknown> = {};
  for (const key of RUN_OPTION_KEYS) filled[key] = given[key] ?? RUN_OPTIONS[key].default;
  return filled as RunOptionValues;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function oneOf<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got '${value}'`);
  return value as T;
}

/** `--channels`: as many as bands can be chosen. */
function channelCount(value: string): number {
  const n = integer(value, '--channels');
  const most = RUN_OPTIONS.bands.max;
  if (n < 1 || n > most) throw new UsageError(`--channels must be between 1 and ${most} (the most bands a run takes), got ${n}`);
  return n;
}

function integer(value: string, flag: string): number {
  if (!/^-?[0-9]+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got '${value}'`);
  return Number(value);
}

/** The `rcf` commands. Every engine error reaches the user as one line. */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { counted, fileProblem, oneLine, UserError } from '../../shared/errors/index.js';
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
import { COMMAND_USAGE, commandUsage, USAGE, UsageError } from './usage.js';
import { fitCommand, predictCommand } from './model-commands.js';
import { mergeCommand, planCommand, shardCommand } from './scale-commands.js';
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
      process.stdout.write(Object.hasOwn(COMMAND_USAGE, command) ? commandUsage(command) : USAGE);
      return 0;
    }
    // Every command but featurize writes one output: a second --out would silently win over the first.
    const outs = rest.filter((a) => a === '--out' || a.startsWith('--out='));
    if (command !== 'featurize' && outs.length > 1)
      throw new UsageError(`--out is given ${outs.length} times; rcf ${command} writes one output`);
    switch (command) {
      case 'info':
        return await infoCommand(rest);
      case 'weights':
        return await weightsCommand(rest);
      case 'featurize':
        return rest.includes('--manifest') ? await shardCommand(rest) : await featurizeCommand(rest);
      case 'plan':
        return await planCommand(rest);
      case 'merge':
        return await mergeCommand(rest);
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
  const { status, message } = errorReport(e);
  process.stderr.write(`rcf: ${message}\n`);
  if (status === 1 && !(e instanceof UserError) && process.env.RCF_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return status;
}

/** An error as the exit status and the one line that says it. */
function errorReport(e: unknown): { status: number; message: string } {
  if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    return { status: 2, message: oneLine((e as Error).message) }; // parseArgs explains on several lines
  }
  if (e instanceof UserError) return { status: 1, message: e.describe(flagOf as (setting: string) => string) };
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.path) return { status: 1, message: `${err.path}: ${fileProblem(err.code) ?? err.code}` };
  // Anything else is a bug or an unforeseen condition: still one line, details on request.
  const hint = process.env.RCF_DEBUG ? '' : ' (set RCF_DEBUG=1 for details)';
  return { status: 1, message: `${err instanceof Error ? err.message : String(e)}${hint}` };
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
  // --progress json ends with a `done` or `error` event, so the style is known before anything can fail.
  const style = progressStyleOf(args);
  if (style !== 'json') return featurizeRun(args, style);
  try {
    return await featurizeRun(args, style);
  } catch (e) {
    const { status, message } = errorReport(e);
    process.stderr.write(JSON.stringify({ event: 'error', message, exit_status: status }) + '\n');
    return status;
  }
}

/** The --progress style (default: a bar on a terminal); refused in words when it is none of them. */
function progressStyleOf(args: string[]): ProgressStyle {
  let given: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--progress') given = args[i + 1];
    else if (args[i].startsWith('--progress=')) given = args[i].slice('--progress='.length);
  }
  return oneOf(given ?? (process.stderr.isTTY ? 'bar' : 'none'), ['bar', 'json', 'none'] as const, '--progress');
}

async function featurizeRun(args: string[], progressStyle: ProgressStyle): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...OUTPUT_FLAGS,
    out: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('rcf featurize needs at least one raster');
  const outs = (values.out ?? []) as unknown as string[]; // multiple: every --out, written in one pass
  if (outs.length === 0 || outs.includes('')) throw new UsageError('missing --out OUT.csv');
  const twice = outs.find((o, i) => outs.findIndex((p) => resolve(p) === resolve(o)) !== i);
  if (twice !== undefined) throw new UsageError(`--out ${twice} is given twice`);
  const out = outs[0];
  const quiet = values.quiet ?? false;
  if (values.resume && values.overwrite)
    throw new UsageError(`${flagOf('resume')} and ${flagOf('overwrite')} contradict each other; pick one`);
  if (values['aoi-layer'] !== undefined && values.aoi === undefined)
    throw new UsageError(`${flagOf('aoiLayer')} needs ${flagOf('aoi')} FILE`);
  if (values.aoi === '') throw new UsageError(`${flagOf('aoi')} needs a file`);
  const area = values.aoi === undefined ? null : ({ kind: 'file', path: values.aoi, layer: values['aoi-layer'] } as const);
  const settings = asUsage(() => settingsFromFlags(positionals, area, values));

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
  // The last line: plain words, or with --progress json a `done` or `error` event.
  const finalLine = (message: string, event: object) => {
    if (progressStyle === 'json') process.stderr.write(JSON.stringify({ ...event, message }) + '\n');
    else if (!quiet || 'exit_status' in event) process.stderr.write(`rcf: ${message}\n`);
  };
  try {
    const result = await runFeaturizeJob(
      { ...settings, out: outs.length === 1 ? out : outs, resume: values.resume ?? false, overwrite: values.overwrite ?? false },
      { signal: controller.signal, onProgress: progress.update, notice: (m) => (quiet ? undefined : progress.notice(m)) },
    );
    progress.done();
    const done = { event: 'done', outputs: outs, cells_computed: result.cellsComputed, cells_kept: result.cellsSkipped };
    if (result.alreadyFinished) {
      const those = outs.length === 1 ? `${out} is` : `${outs.join(', ')} are`;
      finalLine(`${those} already complete for these settings; nothing to do`, { ...done, already_complete: true });
    } else {
      const kept = result.cellsSkipped ? `, ${result.cellsSkipped} kept from the earlier run` : '';
      const sidecars = outs.filter((o) => /\.csv$/i.test(o)).map((o) => `${o}.json`);
      const and = sidecars.length ? ` and ${sidecars.join(', ')}` : '';
      finalLine(`wrote ${outs.join(', ')} (${counted(result.cellsComputed, 'cell')} computed${kept})${and}`, done);
    }
    return 0;
  } catch (e) {
    progress.done();
    if (signalName && controller.signal.aborted) {
      const status = signalName === 'SIGINT' ? 130 : 143;
      const partials = outs.map((o) => `${o}.partial`).join(', ');
      finalLine(`cancelled; finished cells are kept in ${partials} (continue with --resume)`, { event: 'error', exit_status: status });
      return status;
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

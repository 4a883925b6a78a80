/** `rcf fit` and `rcf predict`: thin shells over the engine's fit and predict jobs. */
import { parseArgs } from 'node:util';
import { fileLabel, UserError } from '../../shared/errors/index.js';
import {
  FIT_OPTIONS,
  FitSettingsFields,
  fitSettingsProblem,
  isClassifier,
  parseModelFile,
  type FitSettings,
  type ModelFile,
  type Validation,
} from '../../shared/model/index.js';
import { parseArgsOptions, SettingError, valuesFromFlags } from '../../shared/options/index.js';
import { runFitJob } from '../engine/jobs/fit-job.js';
import { runPredictJob } from '../engine/jobs/predict-job.js';
import { entryExists, readSmallText } from '../engine/export/output.js';
import { writeFileAtomic } from '../engine/write-file.js';
import type { FitProgress } from '../engine/model/index.js';
import { UsageError } from './usage.js';

const COMMON_FLAGS = {
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  progress: { type: 'string' },
} as const;

/** A fit setting's flag, for the CLI's messages. */
function fitFlagOf(key: string): string {
  return Object.hasOwn(FIT_OPTIONS, key) ? `--${FIT_OPTIONS[key as keyof typeof FIT_OPTIONS].flag}` : key;
}

/** Ctrl-C (or SIGTERM) aborts the work; a second one exits at once. */
export async function cancellable<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | number> {
  const controller = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalName) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalName = sig;
    process.stderr.write(`\nrcf: ${sig} received: stopping the ${what}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (e) {
    if (signalName && controller.signal.aborted) {
      process.stderr.write(`rcf: ${what} cancelled; nothing was written\n`);
      return signalName === 'SIGINT' ? 130 : 143;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function progressOf(style: string | undefined): (p: FitProgress) => void {
  const chosen = style ?? (process.stderr.isTTY ? 'bar' : 'none');
  if (!['bar', 'json', 'none'].includes(chosen)) throw new UsageError(`--progress must be one of bar, json, none; got '${chosen}'`);
  if (chosen === 'json')
    return (p) => process.stderr.write(JSON.stringify({ event: 'progress', stage: p.stage, done: p.done, total: p.total }) + '\n');
  if (chosen === 'bar') return (p) => process.stderr.write(`\r\x1b[2K${p.stage} ${p.done}/${p.total}`);
  return () => {};
}

const percent = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : n.toFixed(3));

/** One line per validation: the chosen value and the pooled score. */
function describeValidation(v: Validation, model: ModelFile['model']): string {
  const value = v.grid[v.best[0]];
  const name = model.kind === 'logistic' ? 'C' : 'λ';
  const pooled = v.pooled[0];
  const scores =
    v.score === 'r2'
      ? `R² ${percent(pooled.r2)}, RMSE ${percent(pooled.rmse)}`
      : `accuracy ${percent(pooled.accuracy)}, macro-F1 ${percent(pooled.macro_f1)}`;
  const edge = v.edge_warning[0] ? ` (at the edge of the grid: widen ${FIT_OPTIONS.lambdas.label} with --lambdas)` : '';
  return `${v.scheme} ${v.folds}-fold: ${name} = ${value}${edge}; pooled out-of-fold ${scores}`;
}

export async function fitCommand(args: string[]): Promise<number> {
  const parsed = parseArgs({ args, allowPositionals: true, options: { ...parseArgsOptions(FIT_OPTIONS), ...COMMON_FLAGS } });
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | boolean | undefined> & { out?: string; overwrite?: boolean; progress?: string };
  if (positionals.length !== 1)
    throw new UsageError('rcf fit needs one feature file (rcf fit FEATURES --labels FILE --target COLUMN --out MODEL.json)');
  const out = values.out;
  if (!out) throw new UsageError('missing --out MODEL.json');
  if (values.labels === undefined) throw new UsageError('missing --labels FILE');
  let settings: FitSettings;
  try {
    const checked = FitSettingsFields.safeParse(valuesFromFlags(FIT_OPTIONS, values));
    if (!checked.success) throw new UsageError(checked.error.issues[0].message);
    settings = checked.data;
    const problem = fitSettingsProblem(settings);
    if (problem) throw problem;
  } catch (e) {
    if (e instanceof SettingError) throw new UsageError(e.describe(fitFlagOf));
    throw e;
  }
  if (!values.overwrite && (await entryExists(out)))
    throw new UserError(`${fileLabel(out)} already exists; use --overwrite to replace it`, { path: out });
  const features = positionals[0];
  const result = await cancellable('fit', async (signal) => {
    try {
      return await runFitJob(features, settings, { signal, onProgress: progressOf(values.progress) });
    } catch (e) {
      if (e instanceof SettingError) throw new UserError(e.describe(fitFlagOf));
      throw e;
    }
  });
  if (typeof result === 'number') return result;
  if (values.progress !== 'json' && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  await writeFileAtomic(out, JSON.stringify(result, null, 1) + '\n');
  process.stderr.write(`rcf: ${result.labels.summary}\n`);
  process.stderr.write(`rcf: ${describeValidation(result.validation, result.model)}\n`);
  if (result.random) process.stderr.write(`rcf: beside it, ${describeValidation(result.random, result.model)}\n`);
  if (result.test) process.stderr.write(`rcf: held-out 20 %: R² ${percent(result.test[0].r2)}\n`);
  const kind = FIT_OPTIONS.model.choiceLabels[result.model.kind];
  const classes = isClassifier(result.model.kind) ? ` of ${result.model.classes!.length} classes` : '';
  process.stderr.write(`rcf: wrote ${out} (${kind}${classes}, ${result.model.columns} features)\n`);
  return 0;
}

export async function readModelFile(path: string): Promise<ModelFile> {
  return parseModelFile(await readSmallText(path), path);
}

export async function predictCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { model: { type: 'string' }, ...COMMON_FLAGS },
  });
  if (positionals.length !== 1)
    throw new UsageError('rcf predict needs one feature file (rcf predict FEATURES --model MODEL.json --out PRED)');
  if (!values.model) throw new UsageError('missing --model MODEL.json');
  if (!values.out) throw new UsageError('missing --out PRED.gpkg|PRED.tif|PRED.csv');
  const model = await readModelFile(values.model);
  const out = values.out;
  const result = await cancellable('prediction', (signal) =>
    runPredictJob(
      { features: positionals[0], model, modelPath: values.model!, out, overwrite: values.overwrite ?? false },
      { signal, onProgress: progressOf(values.progress) },
    ),
  );
  if (typeof result === 'number') return result;
  if (values.progress !== 'json' && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  for (const note of result.notes) process.stderr.write(`rcf: note: ${note}\n`);
  const empty = result.cells - result.predicted;
  process.stderr.write(
    `rcf: wrote ${out} (${result.predicted} cells predicted${empty > 0 ? `, ${empty} without usable features left empty` : ''}; ` +
      `${result.names.join(', ')})\n`,
  );
  return 0;
}

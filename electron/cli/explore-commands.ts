/** `rcf similar`, `rcf cluster` and `rcf change`: thin shells over the engine's explore jobs. */
import { parseArgs } from 'node:util';
import { EXPLORE_COMMAND_KEYS, EXPLORE_OPTIONS, parseCellIds, parseRange, type ExploreSettings } from '../../shared/explore/options.js';
import { parseArgsOptions, SettingError, valuesFromFlags } from '../../shared/options/index.js';
import { runChangeJob, runClusterJob, runSimilarJob, scoreName } from '../engine/explore/index.js';
import { cancellable } from './model-commands.js';
import { UsageError } from './usage.js';

const COMMON_FLAGS = { out: { type: 'string' }, overwrite: { type: 'boolean' } } as const;

/** An explore setting's flag, for the CLI's messages. */
function flagOf(key: string): string {
  return Object.hasOwn(EXPLORE_OPTIONS, key) ? `--${EXPLORE_OPTIONS[key as keyof typeof EXPLORE_OPTIONS].flag}` : key;
}

/** The command's flags parsed and read by their options; a bad value is a usage error naming its flag. */
function parseCommand(command: keyof typeof EXPLORE_COMMAND_KEYS, args: string[]) {
  const keys = EXPLORE_COMMAND_KEYS[command];
  const table = Object.fromEntries(keys.map((key) => [key, EXPLORE_OPTIONS[key]]));
  const parsed = parseArgs({ args, allowPositionals: true, options: { ...parseArgsOptions(table), ...COMMON_FLAGS } });
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  try {
    const settings = { metric: EXPLORE_OPTIONS.metric.default, seed: EXPLORE_OPTIONS.seed.default, ...valuesFromFlags(table, flags) };
    return {
      settings: settings as ExploreSettings,
      positionals: parsed.positionals,
      out: flags.out as string | undefined,
      overwrite: flags.overwrite === true,
    };
  } catch (e) {
    if (e instanceof SettingError) throw new UsageError(e.describe(flagOf));
    throw e;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function similarCommand(args: string[]): Promise<number> {
  const { settings: s, positionals, out, overwrite } = parseCommand('similar', args);
  if (positionals.length !== 1)
    throw new UsageError('rcf similar needs one feature file (rcf similar FEATURES --like CELL_IDS|--like-area AREA --out OUT)');
  if (s.like === undefined && s.likeArea === undefined) throw new UsageError('missing --like CELL_IDS or --like-area AREA');
  if (!out) throw new UsageError('missing --out OUT.gpkg|OUT.csv|OUT.tif');
  const unlike =
    s.unlike !== undefined || s.unlikeArea !== undefined
      ? { ids: s.unlike === undefined ? undefined : parseCellIds(s.unlike), area: s.unlikeArea }
      : undefined;
  const result = await cancellable('search', (signal) =>
    runSimilarJob(
      {
        features: positionals[0],
        like: { ids: s.like === undefined ? undefined : parseCellIds(s.like), area: s.likeArea },
        ...(unlike && { unlike }),
        metric: s.metric,
        ...(s.top !== undefined && { top: s.top }),
        out,
        overwrite,
      },
      { signal },
    ),
  );
  if (typeof result === 'number') return result;
  for (const note of result.notes) process.stderr.write(`rcf: note: ${note}\n`);
  const against = result.counterExamples > 0 ? ` and ${plural(result.counterExamples, 'counter-example')}` : '';
  const best = result.best ? `; the most similar other cell is ${result.best}` : '';
  process.stderr.write(
    `rcf: wrote ${out} (${plural(result.written, 'cell')}, ${s.metric} ${scoreName(s.metric)} to ${plural(result.examples, 'example')}` +
      `${against}${best})\n`,
  );
  return 0;
}

export async function clusterCommand(args: string[]): Promise<number> {
  const { settings: s, positionals, out, overwrite } = parseCommand('cluster', args);
  if (positionals.length !== 1) throw new UsageError('rcf cluster needs one feature file (rcf cluster FEATURES --k K --out OUT)');
  if (s.k === undefined && s.elbow === undefined) throw new UsageError('missing --k K (or --elbow A..B)');
  if (s.k !== undefined && !out) throw new UsageError('missing --out OUT.gpkg|OUT.csv|OUT.tif');
  if (s.k === undefined && out) throw new UsageError('--out writes the clusters of --k K; give --k');
  const result = await cancellable('clustering', (signal) =>
    runClusterJob(
      {
        features: positionals[0],
        ...(s.k !== undefined && { k: s.k }),
        ...(s.elbow !== undefined && { elbow: parseRange(s.elbow) }),
        ...(s.pcs !== undefined && { pcs: s.pcs }),
        seed: s.seed,
        ...(out && { output: { out, overwrite } }),
      },
      { signal },
    ),
  );
  if (typeof result === 'number') return result;
  if (result.result.elbow.length > 0) {
    process.stdout.write('k,inertia\n' + result.result.elbow.map((e) => `${e.k},${e.inertia}\n`).join(''));
  }
  for (const note of result.notes) process.stderr.write(`rcf: note: ${note}\n`);
  if (out) {
    const space = s.pcs !== undefined ? `the first ${plural(result.result.dimensions, 'principal component')}` : 'standardised features';
    process.stderr.write(
      `rcf: wrote ${out} (${plural(result.clustered, 'cell')} in ${plural(s.k!, 'cluster')} on ${space}; ` +
        `inertia ${result.result.inertia}, ${plural(result.result.iterations!, 'iteration')})\n`,
    );
  }
  return 0;
}

export async function changeCommand(args: string[]): Promise<number> {
  const { settings: s, positionals, out, overwrite } = parseCommand('change', args);
  if (positionals.length !== 2) throw new UsageError('rcf change needs two feature files of one grid (rcf change A B --out OUT)');
  if (!out) throw new UsageError('missing --out OUT.gpkg|OUT.csv|OUT.tif');
  const result = await cancellable('change', (signal) =>
    runChangeJob(
      {
        a: positionals[0],
        b: positionals[1],
        metric: s.metric,
        ...(s.threshold !== undefined && { threshold: s.threshold }),
        out,
        overwrite,
      },
      { signal },
    ),
  );
  if (typeof result === 'number') return result;
  for (const note of result.notes) process.stderr.write(`rcf: note: ${note}\n`);
  const changed = result.changed === null ? '' : `; ${plural(result.changed, 'cell')} changed by at least ${s.threshold}`;
  process.stderr.write(`rcf: wrote ${out} (${plural(result.paired, 'cell')} compared of ${result.cells}${changed})\n`);
  return 0;
}

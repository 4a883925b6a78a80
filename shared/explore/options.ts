/**
 * Every setting of the exploring commands (`rcf similar`, `rcf cluster`, `rcf change`), defined once: flag, the
 * name people see, type, default and help, as shared/model/fit-options.ts does for a fit. The CLI's parser and
 * `--help` come from this table; each command takes the keys listed in EXPLORE_COMMAND_KEYS.
 */
import { choice, integer, number, path, SEED_RANGE, SettingError, text, type Option } from '../options/index.js';

/** How two standardised feature vectors are compared. */
export const METRICS = ['cosine', 'euclidean'] as const;
export type Metric = (typeof METRICS)[number];

/** The most clusters one k-means asks for. */
export const MAX_CLUSTERS = 1000;

/** `A..B`: a range of k for the elbow, 1 ≤ A < B ≤ MAX_CLUSTERS. */
export function parseRange(value: string): [number, number] {
  const m = /^([0-9]+)\.\.([0-9]+)$/.exec(value.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || !(lo >= 1 && lo < hi && hi <= MAX_CLUSTERS)) {
    throw new Error(`must be a range A..B of cluster counts with 1 ≤ A < B ≤ ${MAX_CLUSTERS} (e.g. 2..12), got '${value}'`);
  }
  return [lo, hi];
}

function rangeProblem(value: string): string | null {
  try {
    parseRange(value);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Cell ids, comma-separated (as the features' `cell_id` column spells them, e.g. `scene.tif:r3c7`). */
export function parseCellIds(value: string): string[] {
  return value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

const cellIdsProblem = (value: string) => (parseCellIds(value).length === 0 ? 'needs at least one cell id' : null);

export const EXPLORE_OPTIONS = {
  like: text({
    flag: 'like',
    label: 'Like cells',
    metavar: 'CELL_IDS',
    default: undefined,
    check: cellIdsProblem,
    help: 'similar: the example cells, by cell_id, comma-separated',
  }),
  likeArea: path({
    flag: 'like-area',
    label: 'Like area',
    metavar: 'AREA.geojson',
    help: 'similar: the example cells are those sharing area with these polygons (GeoJSON or GeoPackage, any CRS)',
  }),
  unlike: text({
    flag: 'unlike',
    label: 'Unlike cells',
    metavar: 'CELL_IDS',
    default: undefined,
    check: cellIdsProblem,
    help: 'similar: counter-examples, by cell_id, comma-separated',
  }),
  unlikeArea: path({
    flag: 'unlike-area',
    label: 'Unlike area',
    metavar: 'AREA.geojson',
    help: 'similar: counter-examples as the cells sharing area with these polygons',
  }),
  metric: choice({
    flag: 'metric',
    label: 'Metric',
    choices: METRICS,
    default: 'cosine',
    choiceLabels: { cosine: 'Cosine', euclidean: 'Euclidean' },
    help: 'similar and change: cosine (similarity; change is 1 − cosine) or Euclidean distance, on standardised features',
  }),
  top: integer({
    flag: 'top',
    label: 'Top',
    metavar: 'N',
    min: 1,
    max: 2 ** 24,
    default: undefined,
    help: 'similar: write only the N most similar cells, most similar first (all cells when not given)',
  }),
  k: integer({
    flag: 'k',
    label: 'Clusters',
    metavar: 'K',
    min: 1,
    max: MAX_CLUSTERS,
    default: undefined,
    help: 'cluster: the number of clusters',
  }),
  pcs: integer({
    flag: 'pcs',
    label: 'Principal components',
    metavar: 'N',
    min: 1,
    max: 1024,
    default: undefined,
    help: 'cluster: cluster on the first N principal components of the standardised features (all features when not given)',
  }),
  seed: integer({
    flag: 'seed',
    label: 'Seed',
    metavar: 'S',
    ...SEED_RANGE,
    default: 0,
    help: "cluster: seeds k-means++'s choice of initial centres; the same seed gives the same clusters",
  }),
  elbow: text({
    flag: 'elbow',
    label: 'Elbow range',
    metavar: 'A..B',
    default: undefined,
    check: rangeProblem,
    help: 'cluster: also print the within-cluster sum of squares for every k in A..B',
  }),
  threshold: number({
    flag: 'threshold',
    label: 'Threshold',
    metavar: 'T',
    default: undefined,
    help: 'change: also write `changed`, 1 where the change is at least T',
  }),
} as const;

export type ExploreOptionKey = keyof typeof EXPLORE_OPTIONS;

/** The options each command takes, in the order of its `--help` lines. */
export const EXPLORE_COMMAND_KEYS = {
  similar: ['like', 'likeArea', 'unlike', 'unlikeArea', 'metric', 'top'],
  cluster: ['k', 'pcs', 'seed', 'elbow'],
  change: ['metric', 'threshold'],
} as const satisfies Record<string, readonly ExploreOptionKey[]>;

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the default's type is inferred only to be ignored
type ExploreValue<K extends ExploreOptionKey> = (typeof EXPLORE_OPTIONS)[K] extends Option<infer T, infer _Default> ? T : never;

/** Settings as parsed: every option optional except those with a default. */
export type ExploreSettings = { [K in ExploreOptionKey]?: ExploreValue<K> } & { metric: Metric; seed: number };

/** An explore setting's name as people see it (its label). */
export function exploreLabelOf(key: string): string {
  return Object.hasOwn(EXPLORE_OPTIONS, key) ? EXPLORE_OPTIONS[key as ExploreOptionKey].label : key;
}

/** An explore setting is wrong; `{}` in `problem` names `related`. */
export function exploreSettingError(key: ExploreOptionKey, problem: string, related?: ExploreOptionKey): SettingError {
  return new SettingError(key, problem, exploreLabelOf, related);
}

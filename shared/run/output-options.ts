/**
 * The options of `rcf featurize` that are not settings of the run but say
 * where it goes and how it treats what is there: defined once, for the CLI's
 * parser and its messages. The app writes its runs to files of its own, so it
 * has no fields for them.
 */
import { RUN_OPTIONS, type RunOptionKey } from './options.js';

export interface OutputOption {
  flag: string;
  /** How a person names it where there is no flag (the app, the engine's own wording). */
  label: string;
  type: 'string' | 'flag';
  metavar?: string;
  help: string;
}

/** The formats `rcf featurize` writes, by the output's extension: CSV (with a `.csv.json` sidecar), GeoPackage, GeoParquet. */
export const FEATURE_OUTPUT_FORMATS = ['csv', 'gpkg', 'parquet'] as const;

export type FeatureOutputFormat = (typeof FEATURE_OUTPUT_FORMATS)[number];

/** The format an output path asks for by its extension (any case), or null for none of them. */
export function featureOutputFormat(path: string): FeatureOutputFormat | null {
  const ext = /\.([A-Za-z]+)$/.exec(path)?.[1].toLowerCase();
  return FEATURE_OUTPUT_FORMATS.find((f) => f === ext) ?? null;
}

/** The formats as a message lists them: ".csv, .gpkg or .parquet". */
export const FEATURE_OUTPUT_EXTENSIONS = FEATURE_OUTPUT_FORMATS.map((f) => `.${f}`)
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');

export const OUTPUT_OPTIONS = {
  out: {
    flag: 'out',
    label: 'output file',
    type: 'string',
    metavar: FEATURE_OUTPUT_FORMATS.map((f) => `OUT.${f}`).join('|'),
    help: 'where the features go',
  },
  aoi: { flag: 'aoi', label: 'area', type: 'string', metavar: 'AREA.geojson|AREA.gpkg', help: 'keep only the cells overlapping the area' },
  aoiLayer: { flag: 'aoi-layer', label: 'area layer', type: 'string', metavar: 'NAME', help: "the area's layer in a GeoPackage" },
  resume: { flag: 'resume', label: 'Resume', type: 'flag', help: 'continue an unfinished OUT made with the same settings' },
  overwrite: { flag: 'overwrite', label: 'Overwrite', type: 'flag', help: 'replace OUT' },
  progress: { flag: 'progress', label: 'progress', type: 'string', metavar: 'bar|json|none', help: 'how progress is shown on stderr' },
} as const satisfies Record<string, OutputOption>;

export type OutputOptionKey = keyof typeof OUTPUT_OPTIONS;

export const OUTPUT_OPTION_KEYS = Object.keys(OUTPUT_OPTIONS) as OutputOptionKey[];

/** What node:util's parseArgs needs to know about each output option's flag. */
export const OUTPUT_FLAGS = Object.fromEntries(
  OUTPUT_OPTION_KEYS.map((key) => [OUTPUT_OPTIONS[key].flag, { type: OUTPUT_OPTIONS[key].type === 'flag' ? 'boolean' : 'string' }]),
) as {
  [K in OutputOptionKey as (typeof OUTPUT_OPTIONS)[K]['flag']]: {
    type: (typeof OUTPUT_OPTIONS)[K]['type'] extends 'flag' ? 'boolean' : 'string';
  };
};

/**
 * A message that names output options as `{resume}` or `{overwrite}` (and run options as `{cellSize}`), made for
 * people who name them by `nameOf` (the CLI: its flags; by default their labels).
 */
export function nameOutputOptions(
  template: string,
  nameOf: (key: OutputOptionKey | RunOptionKey) => string = (key) =>
    Object.hasOwn(OUTPUT_OPTIONS, key) ? OUTPUT_OPTIONS[key as OutputOptionKey].label : RUN_OPTIONS[key as RunOptionKey].label,
): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(OUTPUT_OPTIONS, key) || Object.hasOwn(RUN_OPTIONS, key) ? nameOf(key as OutputOptionKey | RunOptionKey) : whole,
  );
}

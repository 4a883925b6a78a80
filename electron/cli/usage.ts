/** The CLI's help text and its usage error. The run options' lines come from the options table. */
import { UserError } from '../../shared/errors/index.js';
import { optionsHelp as runOptionsHelp } from '../../shared/run/index.js';
import { optionsHelp } from '../../shared/options/index.js';
import { FIT_OPTIONS } from '../../shared/model/index.js';
import { EXPLORE_OPTIONS } from '../../shared/explore/options.js';

export class UsageError extends UserError {
  override name = 'UsageError';
}

/** Each command's usage, as `rcf COMMAND --help` prints it and `rcf --help` lists them. */
export const COMMAND_USAGE: Record<string, string> = {
  info: `  rcf info RASTER...
      JSON on stdout: size, bands, dtype, transform (GDAL order), crs, nodata, center_lonlat.
`,
  weights: `  rcf weights --mode gaussian|empirical --channels C --features K --kernel k
              [--seed S] [--train RASTER]... [--patches N] [--bands 1,2,3]
              [--scale S] [--offset O] [--raster-scale] --out W.npy
      Writes float32 filters [K/2, C, k, k] as .npy (and W.npy.json with how they were made).
      Empirical filters sample k×k patches from the --train rasters (repeat the flag).
`,
  featurize: `  rcf featurize RASTER... --out OUT.csv|OUT.gpkg|OUT.parquet [run options]
              [--aoi AREA.geojson|AREA.gpkg [--aoi-layer NAME]]
              [--resume | --overwrite] [--progress bar|json|none] [--quiet]
      One row per cell: cell_id,source,row,col,x,y,lon,lat,valid_fraction,f0..f{K-1},
      plus OUT.csv.json with the provenance. A GeoPackage holds the cell polygons (layer
      'cells'; above 1990 features they are one float32 BLOB column 'features'), the
      provenance in gpkg_metadata and the filters in the table 'rcf_weights'. A GeoParquet 1.1
      file holds the CSV's columns with float32 features (above 1024 one list column 'features'),
      the cell polygons as WKB in 'geometry', and the provenance in its key-value metadata 'rcf'.
      Cells are aligned to each raster's pixels; a size in metres, kilometres or degrees becomes the
      nearest whole number of pixels. --aoi keeps only the cells overlapping the area
      (reprojected from its own CRS); --edge keep also featurizes partial edge cells.
      --resume continues an unfinished OUT made with the same settings; --overwrite replaces OUT.
      --out may be repeated: every output is written in one pass. --quiet prints only errors (no
      notices, no summary line); --progress json ends with a 'done' or 'error' event.
  rcf featurize --manifest M.jsonl [--shard-index I] --shard-count N [--progress bar|json|none]
      Featurizes the items of a plan whose index is I mod N into DIR/part-<id>.csv, each marked done
      when complete; I defaults to SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
`,
  plan: `  rcf plan RASTER...|FOLDER|ITEMS.json [run options] [--aoi AREA] [--stac-asset KEY]
              --out-dir DIR --manifest M.jsonl [--overwrite]
      A manifest (JSON Lines) of work items, one per raster, and the filters written once in DIR.
`,
  merge: `  rcf merge M.jsonl --out OUT.csv|OUT.gpkg|OUT.parquet [--dedupe] [--overwrite]
      One output from every done part, identical to a single rcf featurize of the same inputs;
      --dedupe keeps a cell only in the first item (lowest id) whose raster holds its centre.
`,
  fit: `  rcf fit FEATURES --labels FILE [--target COLUMN] --out MODEL.json [fit options]
              [--overwrite] [--progress bar|json|none]
      Joins labels to the cells of FEATURES (an output of rcf featurize): points to the cell
      holding them, polygons as area-weighted (or --weight-raster weighted) means of their
      cells, a label raster (.tif) per cell. Chooses λ by cross-validation, refits on every
      training row and writes the model as JSON (coefficients, λ, folds' scores, provenance).
      Spatial schemes (checkerboard, blocks, groups) are reported beside random k-fold.
`,
  predict: `  rcf predict FEATURES --model MODEL.json --out PRED.gpkg|PRED.tif|PRED.csv [--overwrite]
      The model applied to every cell of FEATURES (made with the same filters): a GeoPackage
      layer 'prediction', a GeoTIFF with one pixel per cell, or a CSV. Classifiers write the
      class and a score per class (probabilities for logistic regression).
`,
  similar: `  rcf similar FEATURES --like CELL_IDS|--like-area AREA [--unlike CELL_IDS|--unlike-area AREA]
              [--metric cosine|euclidean] [--top N] --out OUT.gpkg|OUT.csv|OUT.tif [--overwrite]
      Every cell scored against the examples' mean (2·mean(like) − mean(unlike) with counter-examples)
      on standardised features, exactly: the cosine similarity or Euclidean distance, and the rank.
`,
  cluster: `  rcf cluster FEATURES --k K [--pcs N] [--seed S] [--elbow A..B] --out OUT [--overwrite]
      Seeded k-means (k-means++ start) on standardised features or their first N principal
      components: each cell's cluster and distance to its centre; --elbow prints k,inertia for A..B.
`,
  change: `  rcf change A B [--metric cosine|euclidean] [--threshold T] --out OUT [--overwrite]
      Per cell, 1 − cosine or the Euclidean distance between two runs of one grid made with the
      same filters (two dates), on features standardised over both; --threshold adds 'changed'.
`,
};

const EXPLORE_OPTIONS_HELP = `Explore options (rcf similar, cluster, change):
${optionsHelp(EXPLORE_OPTIONS)}
`;
const FIT_OPTIONS_HELP = `Fit options (rcf fit):
${optionsHelp(FIT_OPTIONS)}
`;
const RUN_OPTIONS_HELP = `Run options (rcf featurize; rcf weights takes the filter and input ones):
${runOptionsHelp()}
`;
const EXIT_STATUS = 'Exit status: 0 done, 1 error, 2 bad usage, 130/143 cancelled (SIGINT/SIGTERM).\n';

export const USAGE = `rcf — Random Convolutional Features (MOSAIKS) for GeoTIFFs

Usage:
${Object.values(COMMAND_USAGE).join('\n')}
${EXPLORE_OPTIONS_HELP}${FIT_OPTIONS_HELP}${RUN_OPTIONS_HELP}${EXIT_STATUS}`;

/** `rcf COMMAND --help`: that command's usage and the options it takes. */
/** The options each command takes, for its `--help`. */
const COMMAND_OPTIONS: Record<string, string> = {
  weights: RUN_OPTIONS_HELP,
  featurize: RUN_OPTIONS_HELP,
  plan: RUN_OPTIONS_HELP,
  fit: FIT_OPTIONS_HELP,
  similar: EXPLORE_OPTIONS_HELP,
  cluster: EXPLORE_OPTIONS_HELP,
  change: EXPLORE_OPTIONS_HELP,
};

export function commandUsage(command: string): string {
  const options = COMMAND_OPTIONS[command];
  return `Usage:\n${COMMAND_USAGE[command]}${options ? `\n${options}` : ''}${EXIT_STATUS}`;
}

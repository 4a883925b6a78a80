/** The CLI's help text and its usage error. The run options' lines come from the options table. */
import { UserError } from '../../shared/errors/index.js';
import { optionsHelp as runOptionsHelp } from '../../shared/run/index.js';
import { optionsHelp } from '../../shared/options/index.js';
import { FIT_OPTIONS } from '../../shared/model/index.js';
import { EXPLORE_OPTIONS } from '../../shared/explore/options.js';

export class UsageError extends UserError {
  override name = 'UsageError';
}

export const USAGE = `rcf — Random Convolutional Features (MOSAIKS) for GeoTIFFs

Usage:
  rcf info RASTER...
      JSON on stdout: size, bands, dtype, transform (GDAL order), crs, nodata, center_lonlat.

  rcf weights --mode gaussian|empirical --channels C --features K --kernel k
              [--seed S] [--train RASTER]... [--patches N] [--bands 1,2,3]
              [--scale S] [--offset O] [--raster-scale] --out W.npy
      Writes float32 filters [K/2, C, k, k] as .npy (and W.npy.json with how they were made).
      Empirical filters sample k×k patches from the --train rasters (repeat the flag).

  rcf featurize RASTER... --out OUT.csv|OUT.gpkg [run options]
              [--aoi AREA.geojson|AREA.gpkg [--aoi-layer NAME]]
              [--resume | --overwrite] [--progress bar|json|none]
      One row per cell: cell_id,source,row,col,x,y,lon,lat,valid_fraction,f0..f{K-1},
      plus OUT.csv.json with the provenance. A GeoPackage holds the cell polygons (layer
      'cells'; above 1990 features they are one float32 BLOB column 'features'), the
      provenance in gpkg_metadata and the filters in the table 'rcf_weights'.
      Cells are aligned to each raster's pixels; a size in metres, kilometres or degrees becomes the
      nearest whole number of pixels. --aoi keeps only the cells overlapping the area
      (reprojected from its own CRS); --edge keep also featurizes partial edge cells.
      --resume continues an unfinished OUT made with the same settings; --overwrite replaces OUT.

  rcf fit FEATURES --labels FILE [--target COLUMN] --out MODEL.json [fit options]
              [--overwrite] [--progress bar|json|none]
      Joins labels to the cells of FEATURES (an output of rcf featurize): points to the cell
      holding them, polygons as area-weighted (or --weight-raster weighted) means of their
      cells, a label raster (.tif) per cell. Chooses λ by cross-validation, refits on every
      training row and writes the model as JSON (coefficients, λ, folds' scores, provenance).
      Spatial schemes (checkerboard, blocks, groups) are reported beside random k-fold.

  rcf predict FEATURES --model MODEL.json --out PRED.gpkg|PRED.tif|PRED.csv [--overwrite]
      The model applied to every cell of FEATURES (made with the same filters): a GeoPackage
      layer 'prediction', a GeoTIFF with one pixel per cell, or a CSV. Classifiers write the
      class and a score per class (probabilities for logistic regression).

  rcf similar FEATURES --like CELL_IDS|--like-area AREA [--unlike CELL_IDS|--unlike-area AREA]
              [--metric cosine|euclidean] [--top N] --out OUT.gpkg|OUT.csv|OUT.tif [--overwrite]
      Every cell scored against the examples' mean (2·mean(like) − mean(unlike) with counter-examples)
      on standardised features, exactly: the cosine similarity or Euclidean distance, and the rank.

  rcf cluster FEATURES --k K [--pcs N] [--seed S] [--elbow A..B] --out OUT [--overwrite]
      Seeded k-means (k-means++ start) on standardised features or their first N principal
      components: each cell's cluster and distance to its centre; --elbow prints k,inertia for A..B.

  rcf change A B [--metric cosine|euclidean] [--threshold T] --out OUT [--overwrite]
      Per cell, 1 − cosine or the Euclidean distance between two runs of one grid made with the
      same filters (two dates), on features standardised over both; --threshold adds 'changed'.

Explore options (rcf similar, cluster, change):
${optionsHelp(EXPLORE_OPTIONS)}
Fit options (rcf fit):
${optionsHelp(FIT_OPTIONS)}
Run options (rcf featurize; rcf weights takes the filter and input ones):
${runOptionsHelp()}
Exit status: 0 done, 1 error, 2 bad usage, 130/143 cancelled (SIGINT/SIGTERM).
`;

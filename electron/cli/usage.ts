/** The CLI's help text and its usage error. The run options' lines come from the options table. */
import { UserError } from '../../shared/errors/index.js';
import { optionsHelp } from '../../shared/run/index.js';

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

Run options (rcf featurize; rcf weights takes the filter and input ones):
${optionsHelp()}
Exit status: 0 done, 1 error, 2 bad usage, 130/143 cancelled (SIGINT/SIGTERM).
`;

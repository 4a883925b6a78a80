/**
 * Writing a model's predictions per cell (`rcf predict`): CSV, GeoPackage (layer `prediction`) or a GeoTIFF on the
 * cell grid, each written whole under `OUT.partial` and renamed at the end (atomic.ts).
 */
import { UserError } from '../../../../shared/errors/index.js';
import { writePredictionCsv } from './csv.js';
import { writePredictionGeoTiff } from './geotiff.js';
import { writePredictionGpkg } from './gpkg.js';
import type { PredictionTable, PredictionWriteOptions, PredictionWritten } from './table.js';

export { CLASS_COLUMN, type PredictionCell, type PredictionTable, type PredictionWriteOptions, type PredictionWritten } from './table.js';
export { writePredictionCsv } from './csv.js';
export { PREDICTION_LAYER, writePredictionGpkg } from './gpkg.js';
export { type CellRaster, predictionRaster, writePredictionGeoTiff } from './geotiff.js';

export type PredictionFormat = 'csv' | 'gpkg' | 'tif';

/** The format an output path asks for, by its extension (.csv, .gpkg, .tif or .tiff). */
export function predictionFormat(path: string): PredictionFormat {
  const m = /\.(csv|gpkg|tiff?)$/i.exec(path);
  if (!m) throw new UserError(`${path}: a prediction is written as .csv, .gpkg or .tif`, { path });
  const ext = m[1].toLowerCase();
  return ext === 'csv' ? 'csv' : ext === 'gpkg' ? 'gpkg' : 'tif';
}

/** Writes the prediction in the format of `path`'s extension. */
export function writePrediction(path: string, table: PredictionTable, options: PredictionWriteOptions = {}): Promise<PredictionWritten> {
  const format = predictionFormat(path);
  if (format === 'csv') return writePredictionCsv(path, table, options);
  if (format === 'gpkg') return writePredictionGpkg(path, table, options);
  return writePredictionGeoTiff(path, table, options);
}

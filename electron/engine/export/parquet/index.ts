/**
 * GeoParquet 1.1 output (hyparquet-writer, pure JavaScript): the featurize output (ParquetOutput, with resume),
 * the one writer for anything that writes rcf cells to Parquet (ParquetCellWriter, writeParquetCells: `rcf merge`),
 * and the reader of those files (openParquet, readGroup). The layout is documented in schema.ts.
 */
export { ParquetOutput, parquetFiles, parquetLayout, finishedParquet, sha256Prefix } from './output.js';
export { ParquetCellWriter, writeParquetCells, cellWkb, type ParquetCell, type ParquetOutputSummary } from './writer.js';
export { openParquet, readGroup, type OpenParquet } from './read.js';
export { MAX_FEATURE_COLUMNS, PROVENANCE_KEY, rowGroupRows, featuresAsList, type ParquetLayout } from './schema.js';
export { projJson } from './projjson.js';

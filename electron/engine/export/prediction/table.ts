/** What every prediction writer takes, checked once: a value per cell and prediction column, on the run's cell grids. */
import { UserError } from '../../../../shared/errors/index.js';
import { cellAt, type Cell } from '../../../../shared/grid/cells.js';
import type { Provenance } from '../../../../shared/provenance/index.js';
import { sourceGrids, type SourceGrid } from '../../jobs/provenance-grid.js';

/** A cell of the feature file the prediction is for (FeatureCell has these). */
export interface PredictionCell {
  cellId: string;
  source: string;
  row: number;
  col: number;
}

/** The name of a classifier's class column, whose values are indexes into `classes`. */
export const CLASS_COLUMN = 'class';

export interface PredictionTable {
  /** The provenance of the feature file: it fixes each cell's outline and position. */
  provenance: Provenance;
  cells: readonly PredictionCell[];
  /** n×T row-major, T = names.length; NaN for a cell without usable features. */
  values: Float64Array;
  /** The prediction columns, e.g. ['prediction'], or ['class', 'p_forest', 'p_water']. */
  names: readonly string[];
  /** A classifier's class names: the `class` column holds indexes into them (written as the name, in a GeoTIFF as the index). */
  classes?: readonly string[];
}

export interface PredictionWriteOptions {
  /** Replace an existing file (otherwise it is refused). */
  overwrite?: boolean;
  /** Files the prediction is made from (features, model): the output may not be one of them. */
  inputs?: readonly string[];
  /** The model's record, written as JSON into a GeoPackage's gpkg_metadata. */
  metadata?: unknown;
  /** A GeoPackage's layer name (default `prediction`): per-cell values other than a model's (similarity, clusters). */
  layer?: string;
  signal?: AbortSignal;
}

export interface PredictionWritten {
  /** What the writer could not do as asked (e.g. a CRS without an EPSG code or WKT), in one line each. */
  notes: string[];
}

/** A table that has been checked: its width, its class column (or -1), and each cell's grid. */
export interface CheckedTable extends PredictionTable {
  width: number;
  classColumn: number;
  /** The grid of each cell, by index. */
  gridOf: (index: number) => SourceGrid;
  /** The grids the cells are on, in input order. */
  grids: SourceGrid[];
}

/** Checks a table against its provenance; a mismatch is a bug of the caller (RangeError), not the user's. */
export function checkTable(table: PredictionTable): CheckedTable {
  const { cells, values, names, classes } = table;
  const width = names.length;
  if (width === 0) throw new RangeError('prediction: no prediction columns');
  if (new Set(names).size !== width) throw new RangeError(`prediction: a column name is repeated in ${names.join(', ')}`);
  if (values.length !== cells.length * width) {
    throw new RangeError(`prediction: ${values.length} values for ${cells.length} cells × ${width} columns`);
  }
  const classColumn = names.indexOf(CLASS_COLUMN);
  if (classColumn >= 0 !== (classes !== undefined)) throw new RangeError(`prediction: a '${CLASS_COLUMN}' column needs the classes`);
  const all = sourceGrids(table.provenance);
  const byName = new Map(all.map((g) => [g.name, g] as const));
  const used = new Set<string>();
  const gridIndex = new Uint32Array(cells.length);
  const index = new Map(all.map((g, i) => [g.name, i] as const));
  cells.forEach((cell, i) => {
    const grid = byName.get(cell.source);
    if (!grid) throw new UserError(`prediction: cell ${cell.cellId} is of no input of the features' run`);
    const { rows, cols } = grid.shape;
    if (
      !Number.isInteger(cell.row) ||
      !Number.isInteger(cell.col) ||
      cell.row < 0 ||
      cell.row >= rows ||
      cell.col < 0 ||
      cell.col >= cols
    ) {
      throw new UserError(`prediction: cell ${cell.cellId} lies outside the grid of ${cell.source}`);
    }
    used.add(cell.source);
    gridIndex[i] = index.get(cell.source)!;
    if (classColumn >= 0) {
      const k = values[i * width + classColumn];
      if (!Number.isNaN(k) && !(Number.isInteger(k) && k >= 0 && k < classes!.length)) {
        throw new RangeError(`prediction: cell ${cell.cellId} has class ${k}, not one of the ${classes!.length} classes`);
      }
    }
  });
  return { ...table, width, classColumn, gridOf: (i) => all[gridIndex[i]], grids: all.filter((g) => used.has(g.name)) };
}

/** The pixel window of a cell on its raster. */
export function cellWindow(grid: SourceGrid, cell: PredictionCell): Cell {
  return cellAt(grid.shape, cell.row, cell.col);
}

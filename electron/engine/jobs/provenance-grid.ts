/**
 * A finished run's cell grids rebuilt from its provenance: each input's size,
 * geotransform and CRS, its cell size in pixels and the edge policy fix every
 * cell exactly, so outputs that keep only centres (CSV) can still be drawn,
 * joined to labels and written as rasters on the cell grid.
 */
import { rectRing, type GeoTransform } from '../../../shared/geo/affine.js';
import { cellAt, gridShape, parseCellSize, type CellSize, type GridShape } from '../../../shared/grid/cells.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { makeLonLatTransformer, type CrsInfo } from '../crs/index.js';

/** One input's grid of cells: cell (row, col) covers the pixel window cellAt(shape, row, col) of a raster with this transform. */
export interface SourceGrid {
  /** The `source` column's value. */
  name: string;
  shape: GridShape;
  /** The raster's GDAL geotransform (pixel → map). */
  transform: GeoTransform;
  crs: CrsInfo | null;
}

/** The grid of every input of a run, in input order. */
export function sourceGrids(provenance: Provenance): SourceGrid[] {
  const { inputs, grid } = provenance;
  // The grid's shape only: its cells are computed when asked for (a huge raster's grid is never held).
  return inputs.map((input, i) => ({
    name: input.name,
    shape: gridShape(input.width, input.height, cellPixels(grid.per_input[i].cell_pixels), grid.edge),
    transform: input.transform,
    crs: input.crs,
  }));
}

/** Returns the WGS84 outline of cell (source, row, col), or null when the source has no CRS or no such cell. */
export function cellOutlinesLonLat(provenance: Provenance): (source: string, row: number, col: number) => [number, number][] | null {
  const bySource = new Map(sourceGrids(provenance).map((g) => [g.name, { ...g, toLonLat: makeLonLatTransformer(g.crs) }] as const));
  return (source, row, col) => {
    const entry = bySource.get(source);
    if (!entry || !entry.toLonLat || !(row >= 0 && row < entry.shape.rows && col >= 0 && col < entry.shape.cols)) return null;
    if (!Number.isInteger(row) || !Number.isInteger(col)) return null;
    return rectRing(entry.transform, cellAt(entry.shape, row, col)).map(([x, y]) => entry.toLonLat!(x, y));
  };
}

/** A resolved cell size as recorded: `N`, `WxH` (non-square pixels) or `whole`. */
function cellPixels(text: string): CellSize {
  const m = /^([1-9][0-9]*)x([1-9][0-9]*)$/.exec(text);
  return m ? { kind: 'pixels', size: Number(m[1]), sizeY: Number(m[2]) } : parseCellSize(text);
}

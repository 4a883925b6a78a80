/**
 * Cell outlines rebuilt from a finished run's provenance: each input's size,
 * geotransform and CRS, its cell size in pixels and the edge policy fix every
 * cell exactly, so outputs that keep only centres (CSV) can still be drawn.
 */
import { rectRing, type GeoTransform } from '../../../shared/geo/affine.js';
import { cellAt, gridShape, parseCellSize, type CellSize, type GridShape } from '../../../shared/grid/cells.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { makeLonLatTransformer } from '../crs/index.js';

/** Returns the WGS84 outline of cell (source, row, col), or null when the source has no CRS or no such cell. */
export function cellOutlinesLonLat(provenance: Provenance): (source: string, row: number, col: number) => [number, number][] | null {
  const { inputs, grid } = provenance;
  const bySource = new Map<
    string,
    { grid: GridShape; transform: GeoTransform; toLonLat: ((x: number, y: number) => [number, number]) | null }
  >();
  inputs.forEach((input, i) => {
    // The grid's shape only: its cells are computed when asked for (a huge raster's grid is never held).
    const shape = gridShape(input.width, input.height, cellPixels(grid.per_input[i].cell_pixels), grid.edge);
    bySource.set(input.name, { grid: shape, transform: input.transform, toLonLat: makeLonLatTransformer(input.crs) });
  });
  return (source, row, col) => {
    const entry = bySource.get(source);
    if (!entry || !entry.toLonLat || !(row >= 0 && row < entry.grid.rows && col >= 0 && col < entry.grid.cols)) return null;
    if (!Number.isInteger(row) || !Number.isInteger(col)) return null;
    return rectRing(entry.transform, cellAt(entry.grid, row, col)).map(([x, y]) => entry.toLonLat!(x, y));
  };
}

/** A resolved cell size as recorded: `N`, `WxH` (non-square pixels) or `whole`. */
function cellPixels(text: string): CellSize {
  const m = /^([1-9][0-9]*)x([1-9][0-9]*)$/.exec(text);
  return m ? { kind: 'pixels', size: Number(m[1]), sizeY: Number(m[2]) } : parseCellSize(text);
}

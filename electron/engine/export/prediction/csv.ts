/** A prediction as CSV: `cell_id,source,row,col,x,y,lon,lat`, then the prediction columns (a class by its name). */
import { pixelToMap } from '../../../../shared/geo/affine.js';
import { throwIfCancelled } from '../../../../shared/errors/index.js';
import { makeLonLatTransformer } from '../../crs/index.js';
import { csvField, formatFloat64 } from '../format.js';
import { createExclusive } from '../output.js';
import { writeAtomically } from './atomic.js';
import { cellWindow, checkTable, type PredictionTable, type PredictionWriteOptions, type PredictionWritten } from './table.js';

/** Text gathered before each write. */
const WRITE_CHARS = 1 << 20;

export async function writePredictionCsv(
  path: string,
  table: PredictionTable,
  options: PredictionWriteOptions = {},
): Promise<PredictionWritten> {
  const t = checkTable(table);
  const toLonLat = new Map(t.grids.map((g) => [g.name, makeLonLatTransformer(g.crs)] as const));
  await writeAtomically(path, options, false, async (partial) => {
    const handle = await createExclusive(partial);
    try {
      let text = ['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', ...t.names].map(csvField).join(',') + '\n';
      for (let i = 0; i < t.cells.length; i++) {
        const cell = t.cells[i];
        const grid = t.gridOf(i);
        const w = cellWindow(grid, cell);
        // The centre as featurize computes it, so x, y, lon, lat equal the features CSV's.
        const [x, y] = pixelToMap(grid.transform, w.x0 + w.width / 2, w.y0 + w.height / 2);
        const lonLat = toLonLat.get(cell.source);
        const [lon, lat] = lonLat ? lonLat(x, y) : [NaN, NaN];
        const parts = [csvField(cell.cellId), csvField(cell.source), String(cell.row), String(cell.col)];
        parts.push(formatFloat64(x), formatFloat64(y), formatFloat64(lon), formatFloat64(lat));
        for (let c = 0; c < t.width; c++) {
          const v = t.values[i * t.width + c];
          parts.push(c === t.classColumn ? (Number.isNaN(v) ? '' : csvField(t.classes![v])) : formatFloat64(v));
        }
        text += parts.join(',') + '\n';
        if (text.length >= WRITE_CHARS) {
          throwIfCancelled(options.signal);
          await handle.writeFile(text);
          text = '';
        }
      }
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
  return { notes: [] };
}

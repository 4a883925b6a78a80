/**
 * A finished run as a map layer: each cell's outline in WGS84 and a colour
 * from the first three principal components of its features, so cells that
 * look alike get alike colours. The features stay on disk (N·K values can be
 * gigabytes): one pass for the outlines, one for the sample that fits the
 * axes, one to project every cell.
 */
import { fitPca, projectRow, scoresToRgb } from '../../../shared/analysis/pca.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { readCsvCells } from '../export/read-csv.js';
import { cellOutlinesLonLat } from './provenance-grid.js';

/** Cells used to fit the principal components; the rest are only projected. */
const PCA_FIT_CELLS = 2000;

export interface ResultsLayer {
  /** Features per cell (K). */
  features: number;
  cells: { cellId: string; ring: [number, number][]; validFraction: number; rgb: [number, number, number] | null }[];
  /** The share of the variance each component explains. */
  explained: number[];
}

export async function resultsLayer(csv: string, provenance: Provenance): Promise<ResultsLayer> {
  const outline = cellOutlinesLonLat(provenance);
  const cells: { cellId: string; ring: [number, number][]; validFraction: number; usable: number | null }[] = [];
  const indexOf = new Map<string, number>();
  let features = 0;
  let usableCount = 0;
  for await (const cell of readCsvCells(csv)) {
    features = cell.features.length;
    const ring = outline(cell.source, cell.row, cell.col);
    if (!ring) continue;
    indexOf.set(cell.cellId, cells.length);
    // `usable`: the cell's place among the cells with finite features.
    cells.push({
      cellId: cell.cellId,
      ring,
      validFraction: cell.validFraction,
      usable: cell.features.every(Number.isFinite) ? usableCount++ : null,
    });
  }
  const eachUsable = async (visit: (features: Float32Array, index: number, usable: number) => void) => {
    for await (const cell of readCsvCells(csv)) {
      const index = indexOf.get(cell.cellId);
      const usable = index === undefined ? null : cells[index].usable;
      if (usable !== null) visit(cell.features, index!, usable);
    }
  };
  let rgb: ([number, number, number] | null)[] = cells.map(() => null);
  let explained: number[] = [];
  if (usableCount >= 2) {
    // An even sample of the cells fits the axes; every cell is then projected.
    const step = Math.max(1, usableCount / PCA_FIT_CELLS);
    const picked = new Set(Array.from({ length: Math.min(usableCount, PCA_FIT_CELLS) }, (_, i) => Math.floor(i * step)));
    const sample: Float32Array[] = [];
    await eachUsable((row, _index, usable) => {
      if (picked.has(usable)) sample.push(row);
    });
    const model = fitPca(sample, 3);
    explained = model.variances.map((v) => (model.totalVariance > 0 ? v / model.totalVariance : 0));
    const scores: (number[] | null)[] = cells.map(() => null);
    await eachUsable((row, index) => (scores[index] = projectRow(model, row)));
    rgb = scoresToRgb(scores);
  }
  return {
    features: Math.max(1, features),
    cells: cells.map((c, i) => ({ cellId: c.cellId, ring: c.ring, validFraction: c.validFraction, rgb: rgb[i] })),
    explained,
  };
}

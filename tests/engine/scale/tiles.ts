// Overlapping tiles cut from the bundled sample (as neighbouring scenes overlap), and the single run they are checked against.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/cli.js';

export const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');

/** Run options every sharded test uses: small and quick. */
export const RUN_OPTIONS = ['--features', '16', '--cell-size', '32', '--scale', '0.0001', '--backend', 'cpu', '--threads', '1'];

/**
 * Cuts `cols` × `rows` tiles from the sample, each overlapping its neighbours by 40 pixels, into `dir`/tiles; returns
 * the paths in name order (what a folder input gives) and each tile's pixel window in the sample.
 */
export function makeTiles(dir: string, cols = 2, rows = 2): { paths: string[]; windows: { x: number; y: number; w: number; h: number }[] } {
  const folder = join(dir, 'tiles');
  mkdirSync(folder, { recursive: true });
  const [width, height] = [627, 603];
  const overlap = 40;
  const paths: string[] = [];
  const windows = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = Math.max(0, Math.floor((c * width) / cols) - overlap / 2);
      const y = Math.max(0, Math.floor((r * height) / rows) - overlap / 2);
      const w = Math.min(width, Math.floor(((c + 1) * width) / cols) + overlap / 2) - x;
      const h = Math.min(height, Math.floor(((r + 1) * height) / rows) + overlap / 2) - y;
      const path = join(folder, `tile_r${r}_c${c}.tif`);
      execFileSync('gdal_translate', ['-q', '-srcwin', String(x), String(y), String(w), String(h), SAMPLE, path]);
      paths.push(path);
      windows.push({ x, y, w, h });
    }
  }
  return { paths, windows };
}

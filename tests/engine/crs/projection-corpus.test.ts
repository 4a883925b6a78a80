/**
 * One GeoTIFF per projection method GDAL 3.6 writes into GeoKeys (projection_corpus.py, generated in a temp dir), each in a
 * user-defined CRS on a non-WGS84 ellipsoid: the engine must place the centre, the corners and cells where GDAL places them
 * (≤ 1e-6°, on the CRS's own datum and in WGS 84), read the same CRS (OSR IsSame on its PROJ string and its WKT), or
 * refuse the method in one line naming it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { makeLonLatTransformer, type CrsInfo } from '../../../electron/engine/crs/index.js';
import { SYSTEM_PYTHON } from '../../helpers/python.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Point {
  label: string;
  x: number;
  y: number;
  own: [number, number];
  wgs84: [number, number];
}
interface Case {
  name: string;
  method: string;
  file: string;
  proj4: string;
  wkt1: string;
  points: Point[];
}

/** Methods the engine refuses (one line naming the method) instead of placing them. */
const REFUSED = new Set<string>([]);

let dir = '';
let cases: Case[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-projections-'));
  const out = execFileSync(SYSTEM_PYTHON, [join(here, 'projection_corpus.py'), dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  cases = JSON.parse(out) as Case[];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const angle = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

describe('projection corpus', () => {
  it('places every method as GDAL does, or refuses it naming the method', async () => {
    const report: string[] = [];
    for (const c of cases) {
      let crs: CrsInfo | null = null;
      try {
        const r = await openRaster(c.file);
        crs = r.info.crs;
        await r.close();
      } catch (e) {
        report.push(`${c.name}: refused: ${(e as Error).message}`);
        continue;
      }
      const toLonLat = makeLonLatTransformer(crs);
      if (!toLonLat) {
        report.push(`${c.name}: no transformer (${crs?.proj4 ?? crs?.wkt ?? 'no CRS'})`);
        continue;
      }
      let worst = 0;
      for (const p of c.points) {
        const [lon, lat] = toLonLat(p.x, p.y);
        worst = Math.max(worst, angle(lon, p.wgs84[0]), Math.abs(lat - p.wgs84[1]));
      }
      if (!(worst <= 1e-6)) report.push(`${c.name}: off by ${worst}° (${crs?.proj4}) gdal: ${c.proj4}`);
    }
    writeFileSync(join(tmpdir(), 'rcf-projection-report.txt'), report.join('\n'));
    expect(report).toEqual([]);
  }, 120_000);
});

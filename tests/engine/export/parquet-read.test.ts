// GeoParquet feature files as model input (rcf fit / rcf predict): openFeatureFile reads from the .parquet exactly what
// it reads from the CSV of the same run (whose reading is checked against Python in predict-io.test.ts), at K = 8
// (f-columns) and K = 2048 (the list column), on a fixture raster with NaN holes; a changed file is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFeatureFile, type FeatureFile } from '../../../electron/engine/export/read-features.js';
import { ROOT, rcf, tempDir } from '../../helpers/cli.js';

const RASTER = join(ROOT, 'tests/fixtures/featurize/l8_300_nan_f32.tif');
const ARGS = ['featurize', RASTER, '--seed', '1', '--cell-size', '24', '--nodata', 'propagate', '--backend', 'cpu', '--progress', 'none'];

let dir: string;

beforeAll(() => {
  dir = tempDir('rcf-parquet-read-');
  for (const k of ['8', '2048']) {
    for (const ext of ['csv', 'parquet']) {
      const r = rcf([...ARGS, '--features', k, '--out', join(dir, `k${k}.${ext}`)]);
      if (r.code !== 0) throw new Error(r.stderr);
    }
  }
}, 120_000);

async function allUsable(file: FeatureFile): Promise<number[][]> {
  const out: number[][] = [];
  for await (const chunk of file.usable.chunks()) {
    for (let r = 0; r < chunk.length / file.columns; r++) out.push(Array.from(chunk.subarray(r * file.columns, (r + 1) * file.columns)));
  }
  return out;
}

describe('openFeatureFile on GeoParquet', () => {
  for (const k of [8, 2048]) {
    it(`reads the cells and rows the CSV gives (K = ${k}), pass after pass`, async () => {
      const parquet = await openFeatureFile(join(dir, `k${k}.parquet`));
      const csv = await openFeatureFile(join(dir, `k${k}.csv`));
      expect(parquet.format).toBe('parquet');
      expect(parquet.columns).toBe(k);
      // valid_fraction is a float32 in both (the CSV's text is its shortest decimal).
      const rounded = (f: FeatureFile) => f.cells.map((c) => ({ ...c, validFraction: Math.fround(c.validFraction) }));
      expect(parquet.cells).toEqual(rounded(parquet));
      expect(rounded(parquet)).toEqual(rounded(csv));
      expect(parquet.cells.some((c) => !c.usable)).toBe(true); // the holes make cells without features
      expect(parquet.provenance.run).toEqual(csv.provenance.run);
      const expected = await allUsable(csv);
      expect(await allUsable(parquet)).toEqual(expected);
      expect(await allUsable(parquet)).toEqual(expected);
      const unusable = parquet.cells.findIndex((c) => !c.usable);
      const picked = [5, 0, unusable, 5];
      expect(await parquet.rowsOf(picked)).toEqual(await csv.rowsOf(picked));
      const groups = [
        [
          { index: 0, weight: 1 },
          { index: 1, weight: 3 },
          { index: unusable, weight: 5 },
        ],
      ];
      expect(await parquet.weightedMeans(groups)).toEqual(await csv.weightedMeans(groups));
    });
  }

  it('refuses a file changed after the run, and an unfinished one, in one line naming it', async () => {
    const path = join(dir, 'k8.parquet');
    const edited = join(dir, 'edited.parquet');
    const bytes = readFileSync(path);
    bytes[200] ^= 0x01;
    writeFileSync(edited, bytes);
    await expect(openFeatureFile(edited)).rejects.toThrow(`${edited} does not match the checksum in its metadata`);
    await expect(openFeatureFile(join(dir, 'none.parquet.partial'))).rejects.toThrow(/is an unfinished rcf featurize output/);
    const notParquet = join(dir, 'text.parquet');
    writeFileSync(notParquet, 'cell_id\n');
    await expect(openFeatureFile(notParquet)).rejects.toThrow(`${notParquet} is not a Parquet file`);
  });
});

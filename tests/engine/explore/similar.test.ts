// The similarity search against a NumPy brute force on the same float32 rows: standardised as StandardScaler does
// (over the usable rows), the query 2·mean(like) − mean(unlike) (or mean(like)), every cell's cosine similarity or
// Euclidean distance, and the ranking (a stable argsort).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { similarCells } from '../../../electron/engine/explore/index.js';
import { ascendingOrder } from '../../../electron/engine/explore/order.js';
import { SeededRandom } from '../../../shared/rcf/random.js';
import { tempDir } from '../../helpers/cli.js';
import { runPython } from '../../helpers/python.js';
import { blobs, tableOf, writeFloat64 } from './helpers.js';

const NUMPY = `
import json, sys, numpy as np
path, K, metric = sys.argv[1], int(sys.argv[2]), sys.argv[3]
like = [int(v) for v in sys.argv[4].split(',')]
unlike = [int(v) for v in sys.argv[5].split(',') if v]
all = np.fromfile(path, '<f8').reshape(-1, K)
usable = np.isfinite(all).all(axis=1)
rows = all[usable]
mean, sd = rows.mean(axis=0), rows.std(axis=0)
sd[sd == 0] = 1
Z = (all - mean) / sd
pos = Z[like].mean(axis=0)
q = 2 * pos - Z[unlike].mean(axis=0) if unlike else pos
if metric == 'cosine':
    score = Z @ q / (np.linalg.norm(Z, axis=1) * np.linalg.norm(q))
    key = -score
else:
    score = np.linalg.norm(Z - q, axis=1)
    key = score
idx = np.flatnonzero(usable)
order = idx[np.argsort(key[idx], kind='stable')]
print(json.dumps({'score': [None if not np.isfinite(s) else float(s) for s in score], 'order': order.tolist(), 'q': q.tolist()}))
`;

describe('similarity search against NumPy brute force', () => {
  const dir = tempDir('rcf-similar-');
  const K = 24;
  const { all, table } = blobs(3000, K, 8, 11, 2, [0, 17, 2999]);
  const path = writeFloat64(join(dir, 'rows.bin'), all);

  for (const [metric, like, unlike] of [
    ['cosine', [5], []],
    ['cosine', [5, 40, 41], [100, 7]],
    ['euclidean', [5], []],
    ['euclidean', [9, 2000], [33]],
  ] as const) {
    it(`${metric}, like ${like.join(',')}${unlike.length ? `, unlike ${unlike.join(',')}` : ''}`, async () => {
      const ours = await similarCells(table, { like, unlike }, metric);
      const truth = JSON.parse(runPython(NUMPY, [path, String(K), metric, like.join(','), unlike.join(',')]));
      expect(
        Array.from(ours.query)
          .map((v, j) => Math.abs(v - truth.q[j]))
          .reduce((a, b) => Math.max(a, b)),
      ).toBeLessThan(1e-9);
      truth.score.forEach((s: number | null, i: number) => {
        if (s === null) expect(ours.scores[i]).toBeNaN();
        else expect(Math.abs(ours.scores[i] - s)).toBeLessThan(1e-9);
      });
      expect(Array.from(ours.order)).toEqual(truth.order);
      if (unlike.length === 0) expect(ours.order[0]).toBe(like[0]); // one example is its own best match
    });
  }

  it('refuses an example without usable features, and a cell that is both an example and a counter-example', async () => {
    await expect(similarCells(table, { like: [17], unlike: [] }, 'cosine')).rejects.toThrow(
      'cell t.tif:r17c0 has no usable features (no valid pixels), so it cannot be an example',
    );
    await expect(similarCells(table, { like: [4, 6], unlike: [6] }, 'cosine')).rejects.toThrow(
      'cell t.tif:r6c0 is both an example and a counter-example',
    );
  });

  it('a constant feature keeps scale 1 and a cell at the mean scores 0', async () => {
    const rows = new Float32Array([1, 5, 3, 5, 2, 5]); // feature 1 is constant; row 2 is the mean (2, 5)
    const r = await similarCells(tableOf(rows, 2), { like: [0], unlike: [] }, 'cosine');
    expect(Array.from(r.standardisation.scale)).toEqual([Math.sqrt(2 / 3), 1]);
    expect(Array.from(r.scores)).toEqual([1, -1, 0]);
  });
});

describe('the ranking', () => {
  it('is a stable ascending order of any finite keys, as a comparator sort gives', () => {
    const random = new SeededRandom(5);
    const keys = Float64Array.from({ length: 20_000 }, (_, i) =>
      i % 7 === 0 ? Math.round(random.nextNormal() * 3) : i % 11 === 0 ? -0 : random.nextNormal() * 10 ** random.nextInt(12) - 1e5,
    );
    const expected = Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b] || a - b);
    expect(Array.from(ascendingOrder(keys))).toEqual(expected);
    expect(Array.from(ascendingOrder(new Float64Array([2, 2, 2])))).toEqual([0, 1, 2]);
  });
});

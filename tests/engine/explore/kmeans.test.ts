// k-means against scikit-learn 1.2's KMeans on the same standardised data and the same initial centres (ours, from
// k-means++, passed as init= with n_init=1): the same labels, and the inertia to 1e-6. The standardisation is checked
// against StandardScaler on the raw float32 features.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterCells, clusterData, kmeansPlusPlus, lloyd } from '../../../electron/engine/explore/index.js';
import { tempDir } from '../../helpers/cli.js';
import { runPython } from '../../helpers/python.js';
import { blobs, writeFloat64 } from './helpers.js';

const SKLEARN = `
import json, sys, numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
raw, X, init, n, K, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
raw = np.fromfile(raw, '<f8').reshape(-1, K)
raw = raw[np.isfinite(raw).all(axis=1)]
X = np.fromfile(X, '<f8').reshape(n, K)
init = np.fromfile(init, '<f8').reshape(k, K)
km = KMeans(n_clusters=k, init=init, n_init=1, algorithm='lloyd').fit(X)
print(json.dumps({'labels': km.labels_.tolist(), 'inertia': km.inertia_, 'iterations': int(km.n_iter_),
  'standardised': float(np.abs(StandardScaler().fit_transform(raw) - X).max())}))
`;

describe('k-means against scikit-learn', () => {
  const dir = tempDir('rcf-kmeans-');
  const n = 1200;
  const K = 12;
  const { all, table } = blobs(n, K, 6, 7, 1.5, [3, 500, 1199]);
  const raw = writeFloat64(join(dir, 'raw.bin'), all);

  for (const [k, seed] of [
    [2, 0],
    [5, 1],
    [9, 42],
  ] as const) {
    it(`k = ${k}, seed ${seed}: the same labels and inertia`, async () => {
      const { X, n: rows, d } = await clusterData(table, undefined, seed);
      expect([rows, d]).toEqual([n - 3, K]);
      const init = kmeansPlusPlus(X, rows, d, k, seed);
      const ours = lloyd(X, rows, d, init);
      const truth = JSON.parse(
        runPython(SKLEARN, [
          raw,
          writeFloat64(join(dir, `X${k}.bin`), X),
          writeFloat64(join(dir, `init${k}.bin`), init),
          String(rows),
          String(K),
          String(k),
        ]),
      );
      expect(truth.standardised).toBeLessThan(1e-5); // float32 features standardised in float64, both ways
      expect(Array.from(ours.labels)).toEqual(truth.labels);
      expect(Math.abs(ours.inertia - truth.inertia) / truth.inertia).toBeLessThan(1e-6);
      expect(ours.iterations).toBe(truth.iterations);
      if (k > 2) expect(ours.iterations).toBeGreaterThan(2); // the parity covers real iterations, not a first guess
    });
  }

  it('labels the cells, unusable ones NaN; the elbow falls as k grows; the same seed gives the same clusters', async () => {
    const a = await clusterCells(table, { k: 4, elbow: [2, 6], seed: 3 });
    const b = await clusterCells(table, { k: 4, seed: 3 });
    expect(Array.from(a.labels!)).toEqual(Array.from(b.labels!));
    expect(Number.isNaN(a.labels![500]) && Number.isNaN(a.distances![500])).toBe(true);
    expect(new Set(Array.from(a.labels!).filter((v) => !Number.isNaN(v)))).toEqual(new Set([0, 1, 2, 3]));
    expect(a.elbow.map((e) => e.k)).toEqual([2, 3, 4, 5, 6]);
    for (let i = 1; i < a.elbow.length; i++) expect(a.elbow[i].inertia).toBeLessThan(a.elbow[i - 1].inertia);
    expect(a.elbow[2].inertia).toBeCloseTo(a.inertia!, 9);
  });

  it('on principal components: d = N, and the clusters still separate blobs', async () => {
    const r = await clusterCells(table, { k: 6, pcs: 3, seed: 0 });
    expect(r.dimensions).toBe(3);
    expect(r.inertia).toBeGreaterThan(0);
  });

  it('refuses more clusters than cells with usable features, in one line', async () => {
    await expect(clusterCells(table, { k: n, seed: 0, name: 'f.csv' })).rejects.toThrow(
      `f.csv: asks for ${n} clusters, but only ${n - 3} cells have usable features`,
    );
  });
});

/**
 * Folds and splits index for index against scikit-learn 1.2 (KFold, GroupKFold)
 * and NumPy's legacy RandomState (permutation, choice without replacement: the
 * MOSAIKS paper's split); spatial folds by what a user checks on the map.
 */
import { describe, expect, it } from 'vitest';
import { blockFolds, checkerboard, foldRows, groupKFold, kFold, NumpyRandomState, paperSplit } from '../../../shared/model/index.js';
import { runPython } from '../../helpers/python.js';

/** Runs `code` (which prints JSON) with numpy as np and the cases in `cases`. */
function python(code: string, cases: unknown): unknown {
  return JSON.parse(runPython(`import json, sys, numpy as np\ncases = json.loads(sys.argv[1])\n${code}`, [JSON.stringify(cases)]));
}

const ns = [1, 2, 5, 10, 17, 100, 623, 624, 625, 1000, 5003];
const seeds = [0, 1, 42, 2 ** 32 - 1];

describe('NumpyRandomState', () => {
  it('gives the permutations of NumPy, across the 624-word state refill', () => {
    const cases = seeds.flatMap((seed) => ns.map((n) => ({ seed, n })));
    const truth = python(
      `out = []
for c in cases:
    p = np.random.RandomState(c['seed']).permutation(c['n'])
    q = np.random.RandomState(c['seed']).choice(c['n'], c['n'], replace=False)
    assert (p == q).all()
    out.append(p.tolist())
print(json.dumps(out))`,
      cases,
    ) as number[][];
    cases.forEach(({ seed, n }, i) =>
      expect(Array.from(new NumpyRandomState(seed).permutation(n)), `seed ${seed}, n ${n}`).toEqual(truth[i]),
    );
  });

  it('refuses seeds NumPy refuses', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(/seed/);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new NumpyRandomState(0.5)).toThrow(/seed/);
  });
});

describe('folds against scikit-learn', () => {
  it('KFold, shuffled or not, for many sizes, fold counts and seeds', () => {
    const cases = [5, 10, 17, 100, 1001].flatMap((n) =>
      [2, 3, 5, 10].filter((k) => k <= n).flatMap((k) => [null, 0, 7].map((seed) => ({ n, k, seed }))),
    );
    const truth = python(
      `from sklearn.model_selection import KFold
out = []
for c in cases:
    kf = KFold(c['k'], shuffle=c['seed'] is not None, random_state=c['seed'])
    fold = np.full(c['n'], -1)
    for f, (train, test) in enumerate(kf.split(np.zeros(c['n']))):
        fold[test] = f
    out.append(fold.tolist())
print(json.dumps(out))`,
      cases,
    ) as number[][];
    cases.forEach(({ n, k, seed }, i) =>
      expect(Array.from(kFold(n, k, seed === null ? {} : { shuffle: true, seed })), `n ${n} k ${k} seed ${seed}`).toEqual(truth[i]),
    );
  });

  it('GroupKFold with groups of distinct sizes, named by numbers or strings', () => {
    const random = new NumpyRandomState(3);
    const cases = [3, 6, 11, 25].flatMap((groupCount) =>
      [2, 3, 5]
        .filter((k) => k <= groupCount)
        .map((k) => {
          // Group g has g + 1 rows, in shuffled order: distinct sizes, so the order is defined.
          const groups = random.shuffle(Array.from({ length: groupCount }, (_, g) => Array(g + 1).fill(g)).flat());
          return { k, groups: groupCount % 2 ? groups : groups.map((g) => `district-${g}`) };
        }),
    );
    const truth = python(
      `from sklearn.model_selection import GroupKFold
out = []
for c in cases:
    fold = np.full(len(c['groups']), -1)
    for f, (train, test) in enumerate(GroupKFold(c['k']).split(np.zeros(len(c['groups'])), groups=c['groups'])):
        fold[test] = f
    out.append(fold.tolist())
print(json.dumps(out))`,
      cases,
    ) as number[][];
    cases.forEach(({ k, groups }, i) => expect(Array.from(groupKFold(groups, k)), `${groups.length} rows, k ${k}`).toEqual(truth[i]));
  });

  it("the MOSAIKS paper's 80/20 split (RandomState(0).choice, the first n − ⌊0.2 n⌋ for training)", () => {
    const truth = python(
      `out = []
for n in cases:
    idx = np.random.RandomState(seed=0).choice(n, n, replace=False)
    test_size = int(0.2 * n)
    out.append([idx[0:n - test_size].tolist(), idx[n - test_size:].tolist()])
print(json.dumps(out))`,
      ns,
    ) as number[][][];
    ns.forEach((n, i) => {
      const { train, test } = paperSplit(n);
      expect([Array.from(train), Array.from(test)], `n ${n}`).toEqual(truth[i]);
    });
  });

  it('refuses fewer rows or groups than folds, in words', () => {
    expect(() => kFold(3, 5)).toThrow('rows: 3 is fewer than the 5 folds');
    expect(() => groupKFold(['a', 'a', 'b'], 3)).toThrow('groups: 2 is fewer than the 3 folds');
    expect(() => kFold(10, 1)).toThrow(/at least 2/);
  });
});

describe('spatial folds', () => {
  // A 40 × 40 lattice of rows, 1 unit apart.
  const x = Float64Array.from({ length: 1600 }, (_, i) => i % 40);
  const y = Float64Array.from({ length: 1600 }, (_, i) => Math.floor(i / 40));

  it('checkerboard: neighbouring squares alternate, every square is one fold', () => {
    const fold = checkerboard(x, y, { size: 10, offset: [0, 0] });
    const square = (i: number) => `${Math.floor(x[i] / 10)},${Math.floor(y[i] / 10)}`;
    const foldOfSquare = new Map<string, number>();
    fold.forEach((f, i) => {
      expect(foldOfSquare.get(square(i)) ?? f).toBe(f);
      foldOfSquare.set(square(i), f);
    });
    expect(foldOfSquare.size).toBe(16);
    expect(foldOfSquare.get('0,0')).not.toBe(foldOfSquare.get('1,0'));
    expect(foldOfSquare.get('0,0')).toBe(foldOfSquare.get('1,1'));
    expect(fold.filter((f) => f === 0).length).toBe(800);
  });

  it('blocks: whole squares per fold, balanced rows, the same for the same seed, another for another', () => {
    const fold = blockFolds(x, y, 5, { size: 8, offset: [0.5, 0.5], seed: 1 });
    const square = (i: number) => `${Math.floor((x[i] - 0.5) / 8)},${Math.floor((y[i] - 0.5) / 8)}`;
    const foldOfSquare = new Map<string, number>();
    fold.forEach((f, i) => {
      expect(foldOfSquare.get(square(i)) ?? f, `row ${i}`).toBe(f);
      foldOfSquare.set(square(i), f);
    });
    const counts = [0, 1, 2, 3, 4].map((f) => foldRows(fold, f).test.length);
    expect(counts.reduce((a, b) => a + b)).toBe(1600);
    // Squares hold at most 64 rows, so greedy filling keeps folds within one square of each other.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(64);
    expect(Array.from(blockFolds(x, y, 5, { size: 8, offset: [0.5, 0.5], seed: 1 }))).toEqual(Array.from(fold));
    expect(Array.from(blockFolds(x, y, 5, { size: 8, offset: [0.5, 0.5], seed: 2 }))).not.toEqual(Array.from(fold));
  });

  it('the seed jitters where the squares start when no offset is given', () => {
    const squaresOf = (seed: number) => new Set(checkerboard(x, y, { size: 8, seed }).map((f, i) => (f === 0 ? i : -1))).size;
    const a = Array.from(checkerboard(x, y, { size: 8, seed: 1 }));
    const b = Array.from(checkerboard(x, y, { size: 8, seed: 2 }));
    expect(a).not.toEqual(b);
    expect(squaresOf(1)).toBeGreaterThan(700);
  });

  it('rows with no position are in no fold', () => {
    const fold = checkerboard([0, Number.NaN, 3], [0, 0, 0], { size: 1, offset: [0, 0] });
    expect(Array.from(fold)).toEqual([0, -1, 1]);
    expect(Array.from(foldRows(fold, 0).train)).toEqual([2]);
  });
});

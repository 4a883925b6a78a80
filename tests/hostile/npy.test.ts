// Hostile `.npy` weights through `rcf featurize --weights`, each under 10 s / 1 GiB measured from outside:
// a file numpy reads gives exactly the features of numpy's own reading of it (re-saved by np.save), a file
// numpy refuses is refused, and every refusal is one line naming the file.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcfBounded, describeOutcome } from './bounded.js';
import { tempDir, ROOT } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';
import { npyCaseBytes, type NpyCase } from '../shared/rcf/npy-cases.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
/** The sample's 4 bands, 3×3 kernels: [F2, 4, 3, 3] weights. */
const VALUES = 2 * 4 * 3 * 3;
const f4 = (count = VALUES) => ({ dtype: '<f4' as const, count });
const dict = (shape: string, extra = '', descr = '<f4', fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, ${extra}}`;

/** Tricky but readable headers (numpy reads them): the features must be those of numpy's reading. */
const READABLE: NpyCase[] = [
  { name: 'plain', header: dict('(2, 4, 3, 3)'), data: f4(), expect: 'read' },
  { name: 'duplicate shape, the last wins', header: dict('(72,)', "'shape': (2, 4, 3, 3)"), data: f4(), expect: 'read' },
  { name: 'Fortran order', header: dict('(2, 4, 3, 3)', '', '<f4', 'True'), data: f4(), expect: 'read' },
  { name: 'big-endian float64', header: dict('(2, 4, 3, 3)', '', '>f8'), data: { dtype: '>f8', count: VALUES }, expect: 'read' },
  {
    name: 'escapes, concatenation, comments',
    header: `{'sh\\x61pe': (2, 4,\n 3, 3), # k×k\n "de" 'scr': '\\74f4', 'fortran_order': False}`,
    data: f4(),
    expect: 'read',
  },
  { name: 'version 3 header', header: dict('(2, 4, 3, 3)'), version: [3, 0], data: f4(), expect: 'read' },
];

/** Headers or files that must be refused in one line naming the file ('stricter': numpy reads them, but they are no filter bank). */
const REFUSED: NpyCase[] = [
  { name: 'duplicate shape, the last is 1-D', header: dict('(2, 4, 3, 3)', "'shape': (72,)"), data: f4(), expect: 'stricter' },
  { name: 'truncated data', header: dict('(2, 4, 3, 3)'), data: f4(VALUES - 1), expect: 'refuse' },
  { name: 'a second array after the first', header: dict('(2, 4, 3, 3)'), data: f4(), trailing: 128, expect: 'stricter' },
  { name: 'a huge declared shape', header: dict('(4096, 4, 31, 31)'), data: f4(), expect: 'refuse' },
  { name: 'a shape past 2**64', header: dict('(4294967296, 4294967296, 3, 3)'), data: f4(), expect: 'refuse' },
  { name: 'kernel not square', header: dict('(2, 4, 3, 6)'), data: f4(2 * VALUES), expect: 'stricter' },
  { name: 'three bands for a four-band raster', header: dict('(2, 3, 3, 4)'), data: f4(), expect: 'stricter' },
  { name: 'int32 data', header: dict('(2, 4, 3, 3)', '', '<i4'), data: f4(), expect: 'stricter' },
  { name: 'extra key', header: dict('(2, 4, 3, 3)', "'x': 1"), data: f4(), expect: 'refuse' },
  { name: 'header of 10,001 characters', header: dict('(2, 4, 3, 3)') + ' '.repeat(10_001), version: [2, 0], data: f4(), expect: 'refuse' },
  { name: 'unclosed string', header: `{'descr': '<f4, 'fortran_order': False, 'shape': (2, 4, 3, 3)}`, data: f4(), expect: 'refuse' },
];

describe('hostile .npy weights', () => {
  let dir: string;
  let reference: string;
  const features = (weights: string, out: string) =>
    rcfBounded(['featurize', SAMPLE, '--weights', weights, '--cell-size', '200', '--scale', '0.0001', '--backend', 'cpu', '--out', out]);

  beforeAll(() => {
    dir = tempDir('rcf-hostile-npy-');
    reference = join(dir, 'reference');
    mkdirSync(reference);
  });

  it.each(READABLE.map((c) => [c.name, c] as const))('%s: the features of numpy’s reading', (_, c) => {
    const file = join(dir, `${c.name.replace(/\W+/g, '_')}.npy`);
    writeFileSync(file, npyCaseBytes(c));
    const canonical = join(reference, `${c.name.replace(/\W+/g, '_')}.npy`);
    runPython("import numpy as np, sys; np.save(sys.argv[2], np.ascontiguousarray(np.load(sys.argv[1]), dtype='<f4'))", [file, canonical]);
    const [got, want] = [file, canonical].map((weights) => {
      const out = `${weights}.csv`;
      const r = features(weights, out);
      expect(describeOutcome(r), r.stderr).toBe('ok');
      return readFileSync(out, 'utf8').split('\n').slice(1);
    });
    expect(got.length).toBeGreaterThan(1);
    // Column 1 is the source file name, which differs; the cells and features must not.
    expect(got.map((line) => line.split(',').toSpliced(1, 1))).toEqual(want.map((line) => line.split(',').toSpliced(1, 1)));
  });

  it.each(REFUSED.map((c) => [c.name, c] as const))('%s: refused in one line naming the file', (_, c) => {
    const name = `${c.name.replace(/\W+/g, '_')}.npy`;
    const file = join(dir, name);
    writeFileSync(file, npyCaseBytes(c));
    const numpyReads = runPython('import numpy as np, sys\ntry:\n np.load(sys.argv[1]); print(1)\nexcept Exception: print(0)', [file]);
    expect(numpyReads.trim(), 'the case says whether numpy reads it').toBe(c.expect === 'stricter' ? '1' : '0');
    const r = features(file, join(dir, `${name}.csv`));
    expect(describeOutcome(r), r.stderr).toBe('refused');
    expect(r.stderr).toContain(name);
  });

  it('refuses files that are not regular, or too big, before reading them', () => {
    const fifo = join(dir, 'weights.fifo');
    execFileSync('mkfifo', [fifo]);
    const sparse = join(dir, 'sparse.npy');
    writeFileSync(sparse, npyCaseBytes({ name: 'big', header: dict('(2, 4, 3, 3)'), data: f4(), expect: 'refuse' }));
    truncateSync(sparse, 2 ** 30); // 1 GiB that takes no disk
    const cases: [string, RegExp][] = [
      ['/dev/zero', /^rcf: \/dev\/zero: is a device, not a regular file/],
      [fifo, /weights\.fifo: is a named pipe \(FIFO\), not a regular file/],
      [dir, /is a folder, not a file/],
      [sparse, /^rcf: sparse\.npy: a weights file of 1\.0 GiB; the limit is 384 MiB/],
      [join(dir, 'missing.npy'), /missing\.npy: no such file or folder/],
    ];
    for (const [weights, message] of cases) {
      const r = features(weights, join(dir, 'special.csv'));
      expect(describeOutcome(r), `${weights}: ${r.stderr}`).toBe('refused');
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, 'special.csv'))).toBe(false);
  });

  it('refuses weights with NaN in one line', () => {
    const file = join(dir, 'nan.npy');
    runPython("import numpy as np, sys; w = np.ones((2, 4, 3, 3), '<f4'); w[1, 2, 0, 0] = np.nan; np.save(sys.argv[1], w)", [file]);
    const r = features(file, join(dir, 'nan.csv'));
    expect(describeOutcome(r)).toBe('refused');
    expect(r.stderr).toMatch(/nan\.npy: the weights contain NaN/);
  });
});

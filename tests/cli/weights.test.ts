// `rcf weights`: files NumPy reads, recorded origins, and empirical filters that are what they claim.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, tempDir, readCsv, ROOT } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';
import { parseNpy } from '../../shared/rcf/npy.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const NODATA = join(ROOT, 'tests/fixtures/featurize/l8_300_nodata0.tif');

describe('rcf weights', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it('writes Gaussian N(0,1) filters [K/2, C, k, k] that NumPy loads, the same for the same seed', () => {
    const a = join(dir, 'g1.npy');
    const b = join(dir, 'g2.npy');
    for (const out of [a, b])
      expect(
        rcf(['weights', '--mode', 'gaussian', '--channels', '4', '--features', '4096', '--kernel', '3', '--seed', '0', '--out', out]).code,
      ).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    const stats = JSON.parse(
      runPython(
        'import numpy as np,sys,json; w=np.load(sys.argv[1]); ' +
          'print(json.dumps([list(w.shape), w.dtype.str, float(w.mean()), float(w.std())]))',
        [a],
      ),
    );
    expect(stats[0]).toEqual([2048, 4, 3, 3]);
    expect(stats[1]).toBe('<f4');
    expect(Math.abs(stats[2])).toBeLessThan(0.02);
    expect(stats[3]).toBeCloseTo(1, 1);
    const sidecar = JSON.parse(readFileSync(`${a}.json`, 'utf8'));
    expect(sidecar.origin).toEqual({ mode: 'gaussian', seed: 0 });
    expect(sidecar.sha256).toBe(
      runPython('import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())', [a]).trim(),
    );
  });

  it('samples empirical filters away from nodata, records where, and whitens them as ZCA says', () => {
    const out = join(dir, 'emp.npy');
    const r = rcf([
      'weights',
      '--mode',
      'empirical',
      '--features',
      '64',
      '--kernel',
      '3',
      '--seed',
      '5',
      '--train',
      NODATA,
      '--bands',
      '1,2,3',
      '--patches',
      '3000',
      '--out',
      out,
    ]);
    expect(r.stderr).toMatch(/wrote/);
    expect(r.code).toBe(0);
    const w = parseNpy(readFileSync(out));
    expect(w.shape).toEqual([32, 3, 3, 3]);
    const origin = JSON.parse(readFileSync(`${out}.json`, 'utf8')).origin;
    expect(origin).toMatchObject({ mode: 'empirical', seed: 5, pool: 3000, train: ['l8_300_nodata0.tif'] });
    expect(origin.patches).toHaveLength(32);
    // Independent check with GDAL + NumPy: the recorded patches hold no nodata, and
    // each filter is its patch's row of Pn·(PnᵀPn/N + εI)⁻¹ — verified through the
    // identity: a whitened row times (Σ+εI) is its normalised patch (a unit vector with mean 0).
    const check = runPython(
      `
import numpy as np, sys, json
from osgeo import gdal
ds = gdal.Open(sys.argv[1]); img = ds.ReadAsArray()[:3].astype(np.float64)
patches = json.loads(sys.argv[2]); w = np.load(sys.argv[3]).reshape(32, -1).astype(np.float64)
raw = np.stack([img[:, p['y']:p['y']+3, p['x']:p['x']+3].ravel() for p in patches])
p = raw - raw.mean(1, keepdims=True); p /= np.linalg.norm(p, axis=1, keepdims=True)
# The filters are parallel to (Σ+εI)⁻¹ pᵀ, so their cosine with p is positive and
# they are not the raw patches (whitening changed them).
cos = (w * p).sum(1) / np.linalg.norm(w, axis=1)
print(json.dumps([int((raw == 0).any(1).sum()), float(cos.min()), float(np.abs(w - p).max())]))
`,
      [NODATA, JSON.stringify(origin.patches), out],
    );
    const [nodataPatches, minCos, change] = JSON.parse(check) as number[];
    expect(nodataPatches).toBe(0);
    expect(minCos).toBeGreaterThan(0);
    expect(change).toBeGreaterThan(0.1);
  });

  it('featurizes with empirical filters made on the fly from the input and records them', () => {
    const out = join(dir, 'emp.csv');
    const r = rcf([
      'featurize',
      SAMPLE,
      '--mode',
      'empirical',
      '--features',
      '32',
      '--seed',
      '1',
      '--patches',
      '2000',
      '--scale',
      '0.0001',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(readCsv(out).header).toHaveLength(9 + 32);
    const prov = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(prov.rcf).toMatchObject({ mode: 'empirical', seed: 1, patch_pool: 2000, train: ['landsat8_b2-b5.tif'] });
    expect(prov.rcf.patches).toHaveLength(16);
  });

  it('reads a Fortran-ordered weights file as NumPy does: the same features as its C-ordered copy', () => {
    const c = join(dir, 'c.npy');
    const f = join(dir, 'f.npy');
    expect(rcf(['weights', '--mode', 'gaussian', '--channels', '4', '--features', '16', '--seed', '3', '--out', c]).code).toBe(0);
    runPython('import numpy as np,sys; np.save(sys.argv[2], np.asfortranarray(np.load(sys.argv[1])))', [c, f]);
    expect(runPython('import numpy as np,sys; print(np.load(sys.argv[1]).flags.f_contiguous)', [f]).trim()).toBe('True');
    const rows = [c, f].map((weights) => {
      const out = `${weights}.csv`;
      const r = rcf(['featurize', SAMPLE, '--weights', weights, '--cell-size', '128', '--scale', '0.0001', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      return readCsv(out).rows;
    });
    expect(rows[0].length).toBeGreaterThan(0);
    expect(rows[1]).toEqual(rows[0]);
  });

  it('says what is wrong in one line', () => {
    const cases: [string[], RegExp, number][] = [
      [
        ['weights', '--mode', 'gaussian', '--features', '7', '--channels', '3', '--out', join(dir, 'x.npy')],
        /^rcf: --features must be an even number, got 7\n$/,
        2,
      ],
      [['weights', '--mode', 'gaussian', '--features', '8', '--out', join(dir, 'x.npy')], /missing --channels/, 2],
      [['weights', '--mode', 'empirical', '--features', '8', '--out', join(dir, 'x.npy')], /needs at least one --train/, 2],
      [['weights', '--mode', 'fourier', '--channels', '3', '--out', join(dir, 'x.npy')], /--mode must be one of gaussian, empirical/, 2],
      [
        ['weights', '--mode', 'empirical', '--features', '8', '--train', join(dir, 'missing.tif'), '--out', join(dir, 'x.npy')],
        /missing\.tif/,
        1,
      ],
      [['weights', '--mode', 'gaussian', '--channels', '0', '--out', join(dir, 'x.npy')], /--channels must be between 1 and 1024/, 2],
      [
        ['weights', '--mode', 'gaussian', '--channels', '1024', '--features', '8192', '--kernel', '31', '--out', join(dir, 'x.npy')],
        /^rcf: filter bank: 4096 filters of 1024×31×31 values need 15\.0 GiB; the limit is 768 MiB of memory/,
        1,
      ],
      [
        ['weights', '--mode', 'empirical', '--train', SAMPLE, '--kernel', '5', '--patches', '2000000', '--out', join(dir, 'x.npy')],
        /^rcf: empirical filters: whitening 2000000 patches of 4×5×5 values needs 3\.7 GiB; the limit is 768 MiB/,
        1,
      ],
    ];
    for (const [args, message, code] of cases) {
      const r = rcf(args);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.code).toBe(code);
    }
  });
});

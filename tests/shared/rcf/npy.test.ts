// .npy files against NumPy itself.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy, serializeNpy } from '../../../shared/rcf/npy.js';
import { runPython } from '../../helpers/python.js';
import { NPY_CASES, npyCaseBytes } from './npy-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'rcf-npy-'));

describe('.npy', () => {
  it('writes files NumPy reads back exactly', () => {
    const data = Float32Array.from({ length: 2 * 3 * 3 * 3 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
    const file = join(dir, 'ours.npy');
    writeFileSync(file, serializeNpy({ shape: [2, 3, 3, 3], data }));
    const out = runPython(
      'import numpy as np,sys,json; a=np.load(sys.argv[1]); print(json.dumps([a.dtype.str, list(a.shape), a.ravel().tolist()]))',
      [file],
    );
    const [dtype, shape, values] = JSON.parse(out) as [string, number[], number[]];
    expect(dtype).toBe('<f4');
    expect(shape).toEqual([2, 3, 3, 3]);
    expect(values).toEqual(Array.from(data));
  });

  it('reads what NumPy writes: float32, big-endian float64, 1-D and version 2 headers', () => {
    const script = `
import numpy as np, sys
a = (np.arange(24, dtype=np.float64).reshape(2,3,2,2) / 7)
np.save(sys.argv[1] + '/f4.npy', a.astype('<f4'))
np.save(sys.argv[1] + '/f8be.npy', a.astype('>f8'))
np.save(sys.argv[1] + '/v1d.npy', a.ravel()[:5].astype('<f4'))
np.lib.format.write_array(open(sys.argv[1] + '/v2.npy', 'wb'), a.astype('<f4'), version=(2, 0))
`;
    runPython(script, [dir]);
    const expected = Array.from({ length: 24 }, (_, i) => Math.fround(i / 7));
    for (const name of ['f4', 'f8be', 'v2']) {
      const a = parseNpy(readFileSync(join(dir, `${name}.npy`)));
      expect(a.shape).toEqual([2, 3, 2, 2]);
      expect(Array.from(a.data)).toEqual(expected);
    }
    expect(parseNpy(readFileSync(join(dir, 'v1d.npy'))).shape).toEqual([5]);
  });

  it('refuses what it cannot read, saying why', () => {
    runPython(
      'import numpy as np,sys; ' +
        "np.save(sys.argv[1]+'/i.npy', np.zeros(3, dtype=np.int32)); " +
        "np.save(sys.argv[1]+'/F.npy', np.asfortranarray(np.zeros((2,3),dtype='<f4')))",
      [dir],
    );
    expect(() => parseNpy(readFileSync(join(dir, 'i.npy')))).toThrow(/dtype '<i4'/);
    expect(parseNpy(readFileSync(join(dir, 'F.npy'))).shape).toEqual([2, 3]);
    expect(() => parseNpy(new Uint8Array([1, 2, 3]))).toThrow(/not a NumPy/);
    const good = readFileSync(join(dir, 'f4.npy'));
    expect(() => parseNpy(good.subarray(0, good.length - 4))).toThrow(/truncated/);
  });

  it('reads every generated header exactly as numpy.load does, or refuses it; never differently', () => {
    const files = NPY_CASES.map((c, i) => {
      const file = join(dir, `case${i}.npy`);
      writeFileSync(file, npyCaseBytes(c));
      return file;
    });
    const truth = JSON.parse(
      runPython(
        `
import numpy as np, sys, json, warnings
warnings.simplefilter('ignore')
out = []
for f in sys.argv[1:]:
    try:
        a = np.load(f)
        out.append({'shape': list(a.shape), 'values': a.astype('<f4').ravel(order='C').tolist()})
    except Exception as e:
        out.append({'error': type(e).__name__})
print(json.dumps(out))
`,
        files,
      ),
    ) as ({ shape: number[]; values: number[] } | { error: string })[];
    const wrong: string[] = [];
    NPY_CASES.forEach((c, i) => {
      let ours: ReturnType<typeof parseNpy> | Error;
      try {
        ours = parseNpy(readFileSync(files[i]));
      } catch (e) {
        ours = e as Error;
      }
      const numpy = truth[i];
      const numpyReads = !('error' in numpy);
      const label = `${c.name}: ours ${ours instanceof Error ? ours.message : 'read it'}; numpy ${JSON.stringify(numpy).slice(0, 60)}`;
      if (ours instanceof Error) {
        // 'stricter': numpy reads it, we refuse on purpose (and say why); 'refuse': numpy refuses it too.
        if (c.expect === 'read' || numpyReads !== (c.expect === 'stricter') || ours.message.includes('\n')) wrong.push(label);
      } else if (c.expect !== 'read' || JSON.stringify(numpy) !== JSON.stringify({ shape: ours.shape, values: Array.from(ours.data) })) {
        wrong.push(label);
      }
    });
    expect(wrong).toEqual([]);
  });
});

import { describe, it, expect } from 'vitest';
import { csvField, formatFloat32 } from '../../../electron/engine/export/format.js';
import { SeededRandom } from '../../../shared/rcf/random.js';

describe('formatFloat32', () => {
  it('round-trips every float32 exactly with the fewest digits', () => {
    const rng = new SeededRandom(1);
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 50_000; i++) {
      view.setUint32(0, rng.nextUint32());
      const f = view.getFloat32(0);
      if (!Number.isFinite(f)) continue;
      const s = formatFloat32(f);
      expect(Math.fround(Number(s))).toBe(f === 0 ? 0 : f);
      // No shorter string round-trips.
      const digits = s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
      if (digits > 1) expect(Math.fround(Number(f.toPrecision(digits - 1)))).not.toBe(f);
    }
  });

  it('writes simple values simply and NaN as an empty field', () => {
    expect(formatFloat32(0.5)).toBe('0.5');
    expect(formatFloat32(1)).toBe('1');
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(-0)).toBe('0');
    expect(formatFloat32(36000.25)).toBe('36000.25');
    expect(formatFloat32(NaN)).toBe('');
  });
});

describe('csvField', () => {
  it('quotes only when needed', () => {
    expect(csvField('a.tif')).toBe('a.tif');
    expect(csvField('a,b.tif')).toBe('"a,b.tif"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });
});

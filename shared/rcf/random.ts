/**
 * The project's seeded random generator: the same seed gives the same numbers on
 * every platform and JavaScript engine.
 *
 * - Uniform bits: xoshiro128** (Blackman & Vigna, 2018), state seeded by
 *   SplitMix32 from the 32-bit seed. Only 32-bit integer arithmetic is used.
 * - Uniform doubles in [0, 1): 53 random bits (two draws), exactly like
 *   `Math.random`-free implementations in numpy's PCG64 `random()`.
 * - Normal deviates: Marsaglia's polar method. Its logarithm is computed here
 *   with + − × ÷ only (see `lnExact`), because `Math.log` is not required to be
 *   correctly rounded and may differ between engines; IEEE-754 basic operations
 *   and `Math.sqrt` are exact, so the deviates are bit-identical everywhere.
 *
 * Seed 0 is an ordinary seed (torchgeo's `if seed:` quirk, which maps 0 to a
 * default seed, is deliberately not copied).
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    let x = seed >>> 0;
    const next = (): number => {
      // SplitMix32 (a 32-bit variant of SplitMix64's finaliser).
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Next 32 uniformly random bits as an unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling), for n ≤ 2^32. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`bad range ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Standard normal deviate N(0, 1) (Marsaglia polar method). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.nextDouble() - 1;
      const v = 2 * this.nextDouble() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * lnExact(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const LN2 = 0.6931471805599453;
const SQRT_HALF = 0.7071067811865476;

/**
 * Natural logarithm of a positive finite double using only IEEE-754 basic
 * operations, so it is bit-identical on every platform. Accurate to ~1 ulp,
 * which is plenty for Gaussian deviates rounded to float32.
 */
export function lnExact(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`lnExact needs a positive finite number, got ${x}`);
  // Split x = m · 2^e with m in [√½, √2), reading the exponent from the bits.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let e = ((view.getUint16(0) >>> 4) & 0x7ff) - 1023;
  if (e === -1023) {
    // Subnormal: scale into the normal range first.
    return lnExact(x * 2 ** 54) - 54 * LN2;
  }
  view.setUint16(0, (view.getUint16(0) & 0x800f) | (1023 << 4));
  let m = view.getFloat64(0); // in [1, 2)
  if (m >= 2 * SQRT_HALF) {
    m /= 2;
    e += 1;
  }
  // ln m = 2·atanh(t), t = (m−1)/(m+1), |t| ≤ 0.1716: the series converges fast.
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let term = t;
  let sum = 0;
  for (let n = 1; n < 40; n += 2) {
    sum += term / n;
    term *= t2;
  }
  return e * LN2 + 2 * sum;
}

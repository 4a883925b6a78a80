// Random kernel problems shared by the native and WebGPU kernel tests.

/** Small deterministic PRNG so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s >>> 12;
    return s / 4294967296;
  };
}

export function randomArray(n: number, rand: () => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

/** Filters [F, C, k, k], biases and an image [C, H, W] in [0, 1). */
export interface Problem {
  C: number;
  k: number;
  F: number;
  H: number;
  W: number;
  weights: Float32Array;
  biasPos: Float32Array;
  biasNeg: Float32Array;
  image: Float32Array;
}

export function makeProblem(C: number, k: number, F: number, H: number, W: number, seed: number): Problem {
  const rand = rng(seed);
  return {
    C,
    k,
    F,
    H,
    W,
    weights: randomArray(F * C * k * k, rand),
    biasPos: randomArray(F, rand),
    biasNeg: randomArray(F, rand),
    image: randomArray(C * H * W, rand, 0, 1),
  };
}

// TypeScript face of the models' linear algebra addon (electron/engine/model/native):
// BLAS and LAPACK from OpenBLAS, in float64, each call on the libuv thread pool.
//
// Matrices are Float64Arrays in row-major order (views into larger arrays are fine).
// A symmetric matrix is read from and written to its upper triangle only.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UserError } from '../../../shared/errors/index.js';
import { packageRoot } from '../app-version.js';

interface LinalgAddon {
  library(): string;
  syrk(C: Float64Array, A: Float64Array, n: number, k: number, alpha: number, beta: number, trans: boolean): Promise<void>;
  gemm(
    C: Float64Array,
    A: Float64Array,
    B: Float64Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    alpha: number,
    beta: number,
  ): Promise<void>;
  eigh(A: Float64Array, n: number, w: Float64Array): Promise<void>;
  posv(A: Float64Array, B: Float64Array, n: number, nrhs: number): Promise<void>;
}

let addon: LinalgAddon | null = null;
let loadError = 'not loaded';

function load(): void {
  let file: string;
  try {
    file = join(packageRoot(), 'dist', 'native', 'rcf_linalg.node');
  } catch (err) {
    loadError = (err as Error).message;
    return;
  }
  if (!existsSync(file)) {
    loadError = `${file} not found; run npm run build:native (it needs libopenblas-dev and liblapacke-dev)`;
    return;
  }
  try {
    addon = createRequire(import.meta.url)(file) as LinalgAddon;
  } catch (err) {
    loadError = `${file} failed to load: ${err instanceof Error ? err.message : String(err)}`;
  }
}
load();

function native(): LinalgAddon {
  if (!addon) throw new UserError(`model fitting needs the native linear algebra addon: ${loadError}`, { kind: 'bug' });
  return addon;
}

/** OpenBLAS's build, the CPU core it chose and its thread count, e.g. for a model's provenance. */
export function linalgLibrary(): string {
  return native().library();
}

function scale(C: Float64Array, count: number, beta: number): void {
  if (beta === 1) return;
  for (let i = 0; i < count; i++) C[i] = beta === 0 ? 0 : C[i] * beta;
}

/** C = alpha·AᵀA + beta·C (A k×n, `trans`) or alpha·AAᵀ + beta·C (A n×k); C is n×n, upper triangle only. */
export async function syrk(C: Float64Array, A: Float64Array, n: number, k: number, alpha: number, beta: number, trans: boolean) {
  if (n === 0) return;
  if (k === 0) return scale(C, n * n, beta);
  await native().syrk(C, A, n, k, alpha, beta, trans);
}

/** C (m×n) = alpha·op(A)·op(B) + beta·C, op(A) m×k and op(B) k×n; op transposes when asked. */
export async function gemm(
  C: Float64Array,
  A: Float64Array,
  B: Float64Array,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false, alpha = 1, beta = 0 } = {},
) {
  if (m === 0 || n === 0) return;
  if (k === 0) return scale(C, m * n, beta);
  await native().gemm(C, A, B, m, n, k, transA, transB, alpha, beta);
}

/** A = V diag(w) Vᵀ by LAPACK's dsyevd, w ascending; afterwards row i of A is the unit eigenvector of w[i]. */
export async function eigh(A: Float64Array, n: number, w: Float64Array) {
  if (n > 0) await native().eigh(A, n, w);
}

/** Solves A X = B for a positive definite A (dposv, Cholesky); B (n×nrhs) becomes X and A its factor. */
export async function posv(A: Float64Array, B: Float64Array, n: number, nrhs: number) {
  if (n > 0 && nrhs > 0) await native().posv(A, B, n, nrhs);
}

/**
 * L-BFGS for unconstrained minimisation, following what scipy's `minimize(method='L-BFGS-B')`
 * (L-BFGS-B 3.0) does when there are no bounds, so that a fit stops where scikit-learn's does:
 *
 * - the direction is −Hg with the last `memory` (s, y) pairs and H₀ = (sᵀy / yᵀy)·I (the compact
 *   form L-BFGS-B uses is the same matrix); the first direction is −g;
 * - the line search is MINPACK-2's `dcsrch` (Moré–Thuente) with ftol 1e-3, gtol 0.9, xtol 0.1,
 *   starting at 1/‖g‖ on the first iteration and at 1 afterwards, at most `maxLineSearch` steps;
 * - a pair with sᵀy ≤ ε·(−gᵀs) is not stored;
 * - it stops when max|g| ≤ gtol (also at the start), when (f_old − f) ≤ ftol·max(|f_old|, |f|, 1),
 *   or after `maxIter` iterations; a failed line search restarts from −g once memory is held, and
 *   ends the run otherwise.
 */
import { throwIfCancelled } from '../../../shared/errors/index.js';

export interface LbfgsOptions {
  /** Default 100 (scikit-learn's max_iter). */
  maxIter?: number;
  /** Stop when max |gᵢ| ≤ gtol; default 1e-5 (scipy's; scikit-learn passes its tol). */
  gtol?: number;
  /** Relative reduction of f to stop at; default scipy's 2.220446049250313e-9 (factr 1e7). */
  ftol?: number;
  /** Pairs kept; default 10. */
  memory?: number;
  /** Function evaluations per line search; default 20. */
  maxLineSearch?: number;
  signal?: AbortSignal;
  onIteration?: (iteration: number, f: number) => void;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  /** Stopped by gtol or ftol (scipy's status 0). */
  converged: boolean;
  /** scipy's message. */
  message: string;
}

/** f(x), writing ∇f(x) into g. */
export type Objective = (x: Float64Array, g: Float64Array) => number | Promise<number>;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

interface Bracket {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  brackt: boolean;
}

/** MINPACK-2 `dcstep`: updates the interval and returns the next trial step. */
function dcstep(b: Bracket, stp: number, fp: number, dp: number, stpmin: number, stpmax: number): number {
  const { stx, fx, dx, sty, fy, dy } = b;
  const sgnd = dp * (dx / Math.abs(dx));
  let stpf: number;
  if (fp > fx) {
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const stpc = stx + (p / q) * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    b.brackt = true;
  } else if (sgnd < 0) {
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const stpc = stp + (p / q) * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    b.brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    const stpc = r < 0 && gamma !== 0 ? stp + r * (stx - stp) : stp > stx ? stpmax : stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (b.brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (b.brackt) {
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    stpf = stp + (p / q) * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }
  if (fp > fx) {
    b.sty = stp;
    b.fy = fp;
    b.dy = dp;
  } else {
    if (sgnd < 0) {
      b.sty = stx;
      b.fy = fx;
      b.dy = dx;
    }
    b.stx = stp;
    b.fx = fp;
    b.dx = dp;
  }
  return stpf;
}

/** MINPACK-2 `dcsrch` as a state machine: `next(f, g)` after each evaluation at `stp` returns 'FG', 'CONV', 'WARN' or 'ERROR'. */
class LineSearch {
  stp: number;
  private readonly ftol = 1e-3;
  private readonly gtol = 0.9;
  private readonly xtol = 0.1;
  private readonly stpmin = 0;
  private readonly stpmax: number;
  private started = false;
  private stage = 1;
  private finit = 0;
  private ginit = 0;
  private gtest = 0;
  private width = 0;
  private width1 = 0;
  private stmin = 0;
  private stmax = 0;
  private readonly b: Bracket = { stx: 0, fx: 0, dx: 0, sty: 0, fy: 0, dy: 0, brackt: false };

  constructor(stp: number, stpmax: number) {
    this.stp = stp;
    this.stpmax = stpmax;
  }

  next(f: number, g: number): 'FG' | 'CONV' | 'WARN' | 'ERROR' {
    const { b, xtol } = this;
    if (!this.started) {
      this.started = true;
      if (this.stp < this.stpmin || this.stp > this.stpmax || g >= 0) return 'ERROR';
      this.finit = f;
      this.ginit = g;
      this.gtest = this.ftol * g;
      this.width = this.stpmax - this.stpmin;
      this.width1 = this.width / 0.5;
      Object.assign(b, { stx: 0, fx: f, dx: g, sty: 0, fy: f, dy: g, brackt: false });
      this.stmin = 0;
      this.stmax = this.stp + 4 * this.stp;
      return 'FG';
    }
    const { stp, gtest } = this;
    const ftest = this.finit + stp * gtest;
    if (this.stage === 1 && f <= ftest && g >= 0) this.stage = 2;
    let task: 'FG' | 'CONV' | 'WARN' = 'FG';
    if (b.brackt && (stp <= this.stmin || stp >= this.stmax)) task = 'WARN';
    if (b.brackt && this.stmax - this.stmin <= xtol * this.stmax) task = 'WARN';
    if (stp === this.stpmax && f <= ftest && g <= gtest) task = 'WARN';
    if (stp === this.stpmin && (f > ftest || g >= gtest)) task = 'WARN';
    if (f <= ftest && Math.abs(g) <= this.gtol * -this.ginit) task = 'CONV';
    if (task !== 'FG') return task;
    let next: number;
    if (this.stage === 1 && f <= b.fx && f > ftest) {
      // The modified function ψ(α) = f(α) − f(0) − α·ftol·f'(0) predicts the step in the first stage.
      Object.assign(b, { fx: b.fx - b.stx * gtest, fy: b.fy - b.sty * gtest, dx: b.dx - gtest, dy: b.dy - gtest });
      next = dcstep(b, stp, f - stp * gtest, g - gtest, this.stmin, this.stmax);
      Object.assign(b, { fx: b.fx + b.stx * gtest, fy: b.fy + b.sty * gtest, dx: b.dx + gtest, dy: b.dy + gtest });
    } else {
      next = dcstep(b, stp, f, g, this.stmin, this.stmax);
    }
    if (b.brackt) {
      if (Math.abs(b.sty - b.stx) >= 0.66 * this.width1) next = b.stx + 0.5 * (b.sty - b.stx);
      this.width1 = this.width;
      this.width = Math.abs(b.sty - b.stx);
      this.stmin = Math.min(b.stx, b.sty);
      this.stmax = Math.max(b.stx, b.sty);
    } else {
      this.stmin = next + 1.1 * (next - b.stx);
      this.stmax = next + 4 * (next - b.stx);
    }
    next = Math.min(Math.max(next, this.stpmin), this.stpmax);
    if ((b.brackt && (next <= this.stmin || next >= this.stmax)) || (b.brackt && this.stmax - this.stmin <= xtol * this.stmax))
      next = b.stx;
    this.stp = next;
    return 'FG';
  }
}

export async function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): Promise<LbfgsResult> {
  const { maxIter = 100, gtol = 1e-5, ftol = 2.220446049250313e-9, memory = 10, maxLineSearch = 20, signal } = options;
  const n = x0.length;
  let x = x0.slice();
  let g = new Float64Array(n);
  let evaluations = 1;
  let f = await objective(x, g);
  const done = (message: string, iterations: number, converged: boolean): LbfgsResult => ({
    x,
    f,
    iterations,
    evaluations,
    converged,
    message,
  });
  if (maxAbs(g) <= gtol) return done('CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL', 0, true);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Float64Array(memory);
  for (let iteration = 0; ;) {
    throwIfCancelled(signal);
    // d = −Hg, two-loop recursion.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * Y[j][i];
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = 1 / (rho[last] * dot(Y[last], Y[last]));
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < S.length; j++) {
      const beta = rho[j] * dot(Y[j], d);
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * S[j][i];
    }
    const dnorm = Math.sqrt(dot(d, d));
    const search = new LineSearch(iteration === 0 ? Math.min(1 / dnorm, 1e10) : 1, 1e10);
    const fOld = f;
    const gOld = g;
    const gdOld = dot(g, d);
    let status = gdOld >= 0 ? 'ERROR' : search.next(f, gdOld);
    let xNew = x;
    let gNew = g;
    let fNew = f;
    let gd = gdOld;
    let backtracks = 0;
    while (status === 'FG') {
      if (backtracks >= maxLineSearch) break;
      xNew = new Float64Array(n);
      for (let i = 0; i < n; i++) xNew[i] = search.stp * d[i] + x[i];
      gNew = new Float64Array(n);
      fNew = await objective(xNew, gNew);
      evaluations++;
      backtracks++;
      gd = dot(gNew, d);
      status = search.next(fNew, gd);
    }
    if (status === 'FG' || status === 'ERROR') {
      // L-BFGS-B restores the iterate; with no memory to drop it gives up.
      if (S.length === 0) return done('ABNORMAL_TERMINATION_IN_LNSRCH', iteration + 1, false);
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      continue;
    }
    const stp = search.stp;
    x = xNew;
    g = gNew;
    f = fNew;
    iteration++;
    options.onIteration?.(iteration, f);
    if (iteration >= maxIter) return done('STOP: TOTAL NO. of ITERATIONS REACHED LIMIT', iteration, false);
    if (maxAbs(g) <= gtol) return done('CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL', iteration, true);
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1))
      return done('CONVERGENCE: REL_REDUCTION_OF_F_<=_FACTR*EPSMCH', iteration, true);
    const s = Float64Array.from(d, (v) => v * stp);
    const y = Float64Array.from(g, (v, i) => v - gOld[i]);
    const sy = (gd - gdOld) * stp;
    if (sy <= Number.EPSILON * (-gdOld * stp)) continue;
    if (S.length === memory) {
      S.shift();
      Y.shift();
      rho.shift();
    }
    S.push(s);
    Y.push(y);
    rho.push(1 / sy);
  }
}

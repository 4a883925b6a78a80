/**
 * The fit's charts, drawn as small SVGs: the cross-validation score against
 * λ (or C) on a log axis, random k-fold beside a spatial scheme; observed
 * against out-of-fold predicted values (regression); the pooled confusion
 * matrix (classes). Each has a title and a text alternative.
 */
import type { FitResults } from '../../../shared/ipc/contract.js';
import { svg } from '../ui/dom.js';
import { rampColour } from './model-layers.js';

const W = 312;
const H = 200;
const M = { left: 44, right: 10, top: 36, bottom: 34 };
/** A key's row, under the title. */
const KEY_Y = 28;

/** Short numbers for axes: 3 significant digits, powers of ten as 10^k. */
export function axisNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** About `n` round ticks over [lo, hi]. */
function ticks(lo: number, hi: number, n = 4): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function frame(title: string, description: string, testId: string): SVGSVGElement {
  return svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      role: 'img',
      'aria-label': `${title}: ${description}`,
      'data-testid': testId,
      class: 'chart',
    },
    svg('text', { x: M.left, y: 14, class: 'chart-title' }, title),
  );
}

interface Scale {
  at(v: number): number;
  lo: number;
  hi: number;
}

function scale(lo: number, hi: number, from: number, to: number): Scale {
  const span = hi > lo ? hi - lo : 1;
  return { lo, hi, at: (v) => from + ((v - lo) / span) * (to - from) };
}

/** Axes with ticks: x at the bottom, y at the left; `xLabel` under the axis. */
function axes(chart: SVGSVGElement, x: Scale, y: Scale, xTicks: number[], xText: (v: number) => string, xLabel: string, yLabel: string) {
  const bottom = H - M.bottom;
  chart.append(
    svg('line', { x1: M.left, y1: bottom, x2: W - M.right, y2: bottom, class: 'axis' }),
    svg('line', { x1: M.left, y1: M.top, x2: M.left, y2: bottom, class: 'axis' }),
  );
  for (const t of xTicks) {
    chart.append(
      svg('line', { x1: x.at(t), y1: bottom, x2: x.at(t), y2: bottom + 3, class: 'axis' }),
      svg('text', { x: x.at(t), y: bottom + 13, 'text-anchor': 'middle', class: 'tick' }, xText(t)),
    );
  }
  for (const t of ticks(y.lo, y.hi)) {
    chart.append(
      svg('line', { x1: M.left - 3, y1: y.at(t), x2: W - M.right, y2: y.at(t), class: 'grid' }),
      svg('text', { x: M.left - 5, y: y.at(t) + 3, 'text-anchor': 'end', class: 'tick' }, axisNumber(t)),
    );
  }
  chart.append(
    svg('text', { x: (M.left + W - M.right) / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, xLabel),
    svg(
      'text',
      { x: 10, y: (M.top + bottom) / 2, transform: `rotate(-90 10 ${(M.top + bottom) / 2})`, 'text-anchor': 'middle', class: 'axis-label' },
      yLabel,
    ),
  );
}

function scoreName(score: 'r2' | 'accuracy'): string {
  return score === 'r2' ? 'R²' : 'accuracy';
}

/** The mean fold score against λ (or C), one line per validation, the chosen value marked. */
export function lambdaCurve(results: FitResults): SVGSVGElement {
  const { model } = results;
  const v = model.validation;
  const penalty = model.model.kind === 'logistic' ? 'C' : 'λ';
  const series = [
    { name: v.scheme, scores: v.mean_score.map((row) => row[0]), best: v.best[0], dashed: false },
    ...(model.random
      ? [{ name: 'random k-fold', scores: model.random.mean_score.map((row) => row[0]), best: model.random.best[0], dashed: true }]
      : []),
  ];
  const logs = v.grid.map((g) => Math.log10(g));
  const values = series.flatMap((s) => s.scores).filter((s): s is number => s !== null && Number.isFinite(s));
  const yLo = Math.min(...values);
  const yHi = Math.max(...values);
  const pad = (yHi - yLo) * 0.08 || 0.05;
  const x = scale(Math.min(...logs), Math.max(...logs), M.left + 6, W - M.right - 6);
  const y = scale(yLo - pad, yHi + pad, H - M.bottom, M.top);
  const chosen = v.grid[v.best[0]];
  const title = `CV ${scoreName(v.score)} against ${penalty}`;
  const chart = frame(title, `the best mean fold ${scoreName(v.score)} is at ${penalty} = ${axisNumber(chosen)}`, 'lambda-curve');
  const xTicks = [...new Set(logs.map((l) => Math.round(l)))];
  axes(chart, x, y, xTicks, (t) => `1e${t}`, `${penalty} (log scale)`, `mean fold ${scoreName(v.score)}`);
  series.forEach((s, k) => {
    const points = s.scores.flatMap((score, i) => (score === null || !Number.isFinite(score) ? [] : [`${x.at(logs[i])},${y.at(score)}`]));
    const colour = k === 0 ? '#1f6feb' : '#888';
    chart.append(
      svg('polyline', {
        points: points.join(' '),
        fill: 'none',
        stroke: colour,
        'stroke-width': 2,
        'stroke-dasharray': s.dashed ? '4 3' : undefined,
      }),
    );
    const best = s.scores[s.best];
    if (best !== null && Number.isFinite(best))
      chart.append(
        svg('circle', { cx: x.at(logs[s.best]), cy: y.at(best), r: 4, fill: colour, 'data-testid': k === 0 ? 'lambda-best' : undefined }),
      );
    // The key, in a row under the title (about 6 px per character of its 10 px font).
    const kx = M.left + series.slice(0, k).reduce((x, other) => x + 24 + 6 * other.name.length, 0);
    chart.append(
      svg('line', {
        x1: kx,
        y1: KEY_Y - 3,
        x2: kx + 14,
        y2: KEY_Y - 3,
        stroke: colour,
        'stroke-width': 2,
        'stroke-dasharray': s.dashed ? '4 3' : undefined,
      }),
      svg('text', { x: kx + 18, y: KEY_Y, class: 'tick' }, s.name),
    );
  });
  return chart;
}

/** Observed against out-of-fold predicted, with the 1:1 line. */
export function scatterChart(results: FitResults): SVGSVGElement {
  const { observed, predicted } = results.scatter!;
  const pairs = observed.flatMap((o, i) => (predicted[i] === null ? [] : [[o, predicted[i]!] as const]));
  const all = pairs.flatMap(([o, p]) => [o, p]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || 1;
  const x = scale(lo - pad, hi + pad, M.left, W - M.right);
  const y = scale(lo - pad, hi + pad, H - M.bottom, M.top);
  const r2 = results.model.validation.pooled[0].r2;
  const chart = frame(
    'Observed against predicted (out of fold)',
    `${pairs.length} training rows; pooled R² ${r2 === null || r2 === undefined ? 'n/a' : r2.toFixed(3)}`,
    'scatter',
  );
  axes(chart, x, y, ticks(x.lo, x.hi), axisNumber, 'observed', 'predicted');
  chart.append(svg('line', { x1: x.at(x.lo), y1: y.at(x.lo), x2: x.at(x.hi), y2: y.at(x.hi), class: 'one-to-one' }));
  for (const [o, p] of pairs) chart.append(svg('circle', { cx: x.at(o), cy: y.at(p), r: 2.5, class: 'dot' }));
  return chart;
}

/** The pooled confusion matrix: rows the true class, columns the predicted, shaded by the share of the row. */
export function confusionChart(results: FitResults): SVGSVGElement {
  const matrix = results.model.validation.confusion ?? [];
  const classes = (results.model.model.classes ?? []).map(String);
  const n = classes.length;
  const side = Math.min(W - M.left - 70, H - M.top - M.bottom);
  const cell = side / Math.max(1, n);
  const x0 = M.left + 30;
  const y0 = M.top;
  const chart = frame(
    'Confusion matrix (pooled, out of fold)',
    `${n} classes; rows are the true class, columns the predicted`,
    'confusion',
  );
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      const share = count / total;
      chart.append(
        svg('rect', { x: x0 + j * cell, y: y0 + i * cell, width: cell - 1, height: cell - 1, fill: rampColour(share) }),
        svg(
          'text',
          { x: x0 + (j + 0.5) * cell, y: y0 + (i + 0.5) * cell + 4, 'text-anchor': 'middle', class: share > 0.6 ? 'count dark' : 'count' },
          String(count),
        ),
      );
    });
  });
  const short = (c: string) => (c.length > 8 ? `${c.slice(0, 7)}…` : c);
  classes.forEach((c, i) => {
    chart.append(
      svg('text', { x: x0 - 4, y: y0 + (i + 0.5) * cell + 4, 'text-anchor': 'end', class: 'tick' }, short(c)),
      svg('text', { x: x0 + (i + 0.5) * cell, y: y0 + n * cell + 12, 'text-anchor': 'middle', class: 'tick' }, short(c)),
    );
  });
  const middle = y0 + side / 2;
  chart.append(
    svg('text', { x: x0 + side / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, 'predicted class'),
    svg('text', { x: 10, y: middle, transform: `rotate(-90 10 ${middle})`, 'text-anchor': 'middle', class: 'axis-label' }, 'true class'),
  );
  return chart;
}

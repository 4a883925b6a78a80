/**
 * Contrast stretches for display, computed from a preview's values (which come
 * from overviews, as in QGIS): `minmax` uses the full range, `cut` the 2nd and
 * 98th percentiles (QGIS's "cumulative count cut"), ignoring NaN (nodata).
 */
export type StretchMode = 'minmax' | 'cut';

export interface Stretch {
  min: number;
  max: number;
}

/** Linear-interpolated percentile (numpy's default) of sorted values; q in [0, 1]. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = q * (n - 1);
  const lo = Math.floor(position);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

/** The stretch of one band's values; null when it has no valid value. */
export function computeStretch(values: ArrayLike<number>, mode: StretchMode): Stretch | null {
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) finite[n++] = v;
  }
  if (n === 0) return null;
  const sorted = finite.subarray(0, n).sort();
  const [min, max] = mode === 'minmax' ? [sorted[0], sorted[n - 1]] : [percentileSorted(sorted, 0.02), percentileSorted(sorted, 0.98)];
  return { min, max };
}

/** 0–255 for a value under a stretch (clamped); a flat band maps to mid-grey. */
export function stretchByte(value: number, stretch: Stretch): number {
  if (stretch.max <= stretch.min) return 128;
  const t = (value - stretch.min) / (stretch.max - stretch.min);
  return Math.round(255 * Math.min(1, Math.max(0, t)));
}

/**
 * Run settings stored by the first version (history's record.json) nested the
 * filters and the scaling: `{ filters: { mode, features, ... }, scaling: { scale,
 * offset, useRasterScale } }`. They are read as the flat options they meant.
 */
export function upgradeRunSettings(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const { filters, scaling, ...rest } = input as Record<string, unknown>;
  if (typeof filters !== 'object' && typeof scaling !== 'object') return input;
  const out: Record<string, unknown> = { ...rest };
  if (typeof filters === 'object' && filters !== null) Object.assign(out, filters);
  if (typeof scaling === 'object' && scaling !== null) {
    const { useRasterScale, ...s } = scaling as Record<string, unknown>;
    Object.assign(out, s, { rasterScale: useRasterScale });
  }
  return out;
}

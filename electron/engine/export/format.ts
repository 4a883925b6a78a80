/** Number formatting for text exports. */

/**
 * The shortest decimal string that reads back as the same float32 (the value
 * is rounded to float32 first). NaN becomes an empty field, which pandas, R
 * and QGIS read as missing.
 */
export function formatFloat32(value: number): string {
  if (Number.isNaN(value)) return '';
  const f = Math.fround(value);
  if (f === 0) return '0';
  if (!Number.isFinite(f)) return f > 0 ? 'inf' : '-inf';
  // Most float32 values need 7–9 significant digits; search from 7 both ways.
  let s = f.toPrecision(7);
  if (Math.fround(Number(s)) === f) {
    for (let p = 6; p >= 1; p--) {
      const shorter = f.toPrecision(p);
      if (Math.fround(Number(shorter)) !== f) break;
      s = shorter;
    }
    return trimZeros(s);
  }
  s = f.toPrecision(8);
  return trimZeros(Math.fround(Number(s)) === f ? s : f.toPrecision(9));
}

/** Full float64 precision (coordinates); NaN as an empty field. */
export function formatFloat64(value: number): string {
  return Number.isNaN(value) ? '' : String(value);
}

function trimZeros(s: string): string {
  // "1.500000e+5" → "1.5e+5", "2.000" → "2"
  return s.replace(/(\.[0-9]*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
}

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

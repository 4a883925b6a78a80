/**
 * Playwright carries binding arguments and evaluate() values as JSON, so the
 * test transport encodes the one non-JSON value the contract uses
 * (Float32Array, raster previews) and NaN/Infinity, losslessly.
 */
export function encode(value: unknown): unknown {
  if (value instanceof Float32Array) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { __float32: btoa(binary) };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { __number: String(value) };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.__float32 === 'string') {
      const binary = atob(o.__float32);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return new Float32Array(bytes.buffer);
    }
    if (typeof o.__number === 'string') return Number(o.__number);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

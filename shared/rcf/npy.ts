/**
 * NumPy `.npy` reading and writing (format versions 1–3), for weight files that
 * torchgeo users can produce with `np.save('w.npy', model.weights.numpy())`.
 * Pure byte handling: the engine does the file I/O.
 */

/** An n-dimensional array of float32 values in C order. */
export interface NdArrayF32 {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Parses an `.npy` file holding float32 or float64 data (either byte order), returned as float32. */
export function parseNpy(bytes: Uint8Array): NdArrayF32 {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error('not a NumPy .npy file (bad magic bytes)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`unsupported .npy format version ${major}`);
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error('malformed .npy header');
  }
  if (fortran === 'True') throw new Error('Fortran-ordered .npy arrays are not supported; save with np.ascontiguousarray');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s));
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`bad .npy shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const kinds: Record<string, { size: number; little: boolean }> = {
    '<f4': { size: 4, little: true },
    '>f4': { size: 4, little: false },
    '<f8': { size: 8, little: true },
    '>f8': { size: 8, little: false },
  };
  const kind = kinds[descr];
  if (!kind) throw new Error(`unsupported .npy dtype '${descr}' (need float32 or float64)`);
  if (bytes.length - offset < count * kind.size) {
    throw new Error(`truncated .npy file: needs ${count * kind.size} data bytes, has ${bytes.length - offset}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = offset + i * kind.size;
    data[i] = kind.size === 4 ? view.getFloat32(at, kind.little) : view.getFloat64(at, kind.little);
  }
  return { shape, data };
}

/** Serialises a float32 C-order array as a version 1.0 `.npy` file. */
export function serializeNpy(array: NdArrayF32): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) throw new Error(`shape ${array.shape} does not match ${array.data.length} values`);
  const shapeText = array.shape.length === 1 ? `${array.shape[0]},` : array.shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shapeText}), }`;
  // Pad with spaces so magic + length + header + '\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + count * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dataOffset = 10 + header.length;
  for (let i = 0; i < count; i++) view.setFloat32(dataOffset + i * 4, array.data[i], true);
  return out;
}

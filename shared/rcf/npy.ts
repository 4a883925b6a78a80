/**
 * NumPy `.npy` reading and writing (format versions 1–3), for weight files that
 * torchgeo users can produce with `np.save('w.npy', model.weights.numpy())`.
 * Pure byte handling: the engine does the file I/O.
 *
 * The header is read the way `numpy.lib.format` reads it: a Python dict
 * literal (`ast.literal_eval`), so quoting, escapes, implicit string
 * concatenation, comments and duplicate keys (the last wins) mean what they
 * mean to numpy. The few literals numpy would take but no weights file needs
 * (floats, bytes, sets, triple quotes, `\N{...}`) are refused, never read differently.
 */

/** An n-dimensional array of float32 values in C order. */
export interface NdArrayF32 {
  shape: number[];
  data: Float32Array;
}

/** What a `.npy` header declares. */
export interface NpyHeader {
  shape: number[];
  /** Bytes per value: 4 (float32) or 8 (float64). */
  itemSize: 4 | 8;
  littleEndian: boolean;
  fortranOrder: boolean;
  /** Where the data starts. */
  dataOffset: number;
  /** How many data bytes the shape and dtype need: the file holds exactly these after the header. */
  dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy refuses longer headers unless the file is trusted (`max_header_size`, numpy ≥ 1.24). */
export const NPY_MAX_HEADER_CHARS = 10_000;
/** Enough leading bytes to hold any header numpy reads: magic, version, length, and the header in UTF-8. */
export const NPY_HEADER_BYTES = 12 + 4 * NPY_MAX_HEADER_CHARS;

const DTYPES: Record<string, { itemSize: 4 | 8; littleEndian: boolean }> = {
  '<f4': { itemSize: 4, littleEndian: true },
  '>f4': { itemSize: 4, littleEndian: false },
  '<f8': { itemSize: 8, littleEndian: true },
  '>f8': { itemSize: 8, littleEndian: false },
};

/** Reads the header from the file's first bytes (at least the whole header; `NPY_HEADER_BYTES` always suffice). */
export function parseNpyHeader(head: Uint8Array): NpyHeader {
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b)) throw new Error('not a NumPy .npy file (bad magic bytes)');
  const [major, minor] = [head[6], head[7]];
  if (![1, 2, 3].includes(major) || minor !== 0)
    throw new Error(`unsupported .npy format version ${major}.${minor} (numpy writes 1.0, 2.0, 3.0)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const start = major === 1 ? 10 : 12;
  if (head.length < start) throw new Error('truncated .npy header');
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (length > 4 * NPY_MAX_HEADER_CHARS)
    throw new Error(`the .npy header is ${length} bytes long; numpy reads at most ${NPY_MAX_HEADER_CHARS} characters`);
  if (head.length < start + length) throw new Error('truncated .npy header');
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true, ignoreBOM: true }).decode(head.subarray(start, start + length));
  } catch {
    throw new Error('the .npy header is not valid UTF-8');
  }
  if (text.length > NPY_MAX_HEADER_CHARS) {
    throw new Error(`the .npy header is ${text.length} characters long; numpy reads at most ${NPY_MAX_HEADER_CHARS}`);
  }
  const dict = parseHeaderLiteral(text);
  const keys = [...dict.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw new Error(
      `the .npy header must have exactly the keys 'descr', 'fortran_order' and 'shape', not ${keys.map((k) => `'${k}'`).join(', ')}`,
    );
  }
  const shapeValue = dict.get('shape')!;
  if (shapeValue.type !== 'tuple' || shapeValue.items.some((v) => v.type !== 'int')) {
    throw new Error(`the .npy header's shape is not a tuple of integers`);
  }
  const dims = shapeValue.items.map((v) => (v as { value: bigint }).value);
  if (dims.some((d) => d < 0n)) throw new Error(`the .npy header's shape (${dims.join(', ')}) has a negative dimension`);
  const fortran = dict.get('fortran_order')!;
  if (fortran.type !== 'bool') throw new Error("the .npy header's fortran_order is not True or False");
  const descr = dict.get('descr')!;
  if (descr.type !== 'str') throw new Error("unsupported .npy dtype (a structured dtype); need float32 or float64 ('<f4', '<f8')");
  const dtype = DTYPES[descr.value];
  if (!dtype) throw new Error(`unsupported .npy dtype '${descr.value.slice(0, 40)}' (need float32 or float64)`);
  const bytes = dims.reduce((a, b) => a * b, 1n) * BigInt(dtype.itemSize);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`the .npy header's shape (${dims.join(', ')}) is larger than any file`);
  return {
    shape: dims.map(Number),
    ...dtype,
    fortranOrder: fortran.value,
    dataOffset: start + length,
    dataBytes: Number(bytes),
  };
}

/** Parses an `.npy` file holding float32 or float64 data (either byte order, C or Fortran order), returned as float32 in C order. */
export function parseNpy(bytes: Uint8Array): NdArrayF32 {
  const header = parseNpyHeader(bytes);
  checkNpySize(header, bytes.length);
  const { shape, itemSize, littleEndian, dataOffset } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = header.dataBytes / itemSize;
  const data = new Float32Array(count);
  // Fortran order stores the reversed shape in C order: map each C index to its place in the file.
  const source = header.fortranOrder ? fortranIndex(shape) : (i: number) => i;
  for (let i = 0; i < count; i++) {
    const at = dataOffset + source(i) * itemSize;
    data[i] = itemSize === 4 ? view.getFloat32(at, littleEndian) : view.getFloat64(at, littleEndian);
  }
  return { shape, data };
}

/**
 * The file must hold exactly the header and the data it declares. numpy ignores extra bytes, but they are
 * usually a second array saved into the same file, which would not be read.
 */
export function checkNpySize(header: NpyHeader, fileBytes: number): void {
  const needs = header.dataOffset + header.dataBytes;
  if (fileBytes < needs) {
    throw new Error(`truncated .npy file: the shape (${header.shape.join(', ')}) needs ${needs} bytes, the file has ${fileBytes}`);
  }
  if (fileBytes > needs) {
    throw new Error(
      `the .npy file has ${fileBytes - needs} bytes after the array its header declares (several arrays saved into one file?)`,
    );
  }
}

/** For C-order index i of an array of `shape`, its index in the Fortran-order (column-major) data. */
function fortranIndex(shape: number[]): (i: number) => number {
  const cStrides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const fStrides = shape.map((_, d) => shape.slice(0, d).reduce((a, b) => a * b, 1));
  return (i) => {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += (Math.floor(i / cStrides[d]) % shape[d]) * fStrides[d];
    return at;
  };
}

/** Serialises a float32 C-order array as a version 1.0 `.npy` file. */
export function serializeNpy(array: NdArrayF32): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) throw new Error(`shape ${array.shape} does not match ${array.data.length} values`);
  const header = npyHeaderBytes(array.shape);
  const out = new Uint8Array(header.length + count * 4);
  out.set(header, 0);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) view.setFloat32(header.length + i * 4, array.data[i], true);
  return out;
}

/** The version 1.0 header (magic to padding) of a float32 C-order array of `shape`, as `serializeNpy` writes it. */
export function npyHeaderBytes(shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shapeText}), }`;
  // Pad with spaces so magic + length + header + '\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

// ---- The header's Python literal ------------------------------------------------------------------------------------------

type PyValue =
  | { type: 'str'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'none' }
  | { type: 'tuple' | 'list'; items: PyValue[] }
  | { type: 'dict'; entries: Map<string, PyValue> };

/** Deeper nesting than any header needs (Python itself stops at 200). */
const MAX_DEPTH = 64;

/**
 * `ast.literal_eval` of a header, for the literals a header can hold: a dict with string keys
 * of strings, integers, True/False/None, tuples, lists and dicts.
 */
function parseHeaderLiteral(text: string): Map<string, PyValue> {
  if (text.includes('\0')) throw new Error('cannot parse the .npy header (it contains a NUL byte)');
  const p = new LiteralParser(text);
  // literal_eval strips leading spaces and tabs; after a newline, the dict must start its line (else Python sees an indent).
  const start = p.skipBlank();
  if (/[\n\r][ \t\f]+$/.test(text.slice(0, start))) p.fail('the dict is indented');
  const value = p.value(0);
  const rest = text.slice(p.at);
  // Only blank space and comments may follow; a last line of bare spaces is an indent to Python.
  const lastLine = rest.split(/\r\n|\r|\n/).pop()!;
  if (!/^([ \t\f]*(#[^\n\r]*)?(\r\n|\r|\n))*[ \t\f]*(#.*)?$/.test(rest) || (rest !== lastLine && /^[ \t\f]+$/.test(lastLine))) {
    p.fail('unexpected text after the dict');
  }
  if (value.type !== 'dict') return p.fail('the header is not a dict');
  return value.entries;
}

class LiteralParser {
  at = 0;
  private readonly s: string;
  constructor(text: string) {
    this.s = text;
  }

  /** The text `re` (a sticky regex) matches at the current position, if any; does not advance. */
  peek(re: RegExp): string | undefined {
    re.lastIndex = this.at;
    return re.exec(this.s)?.[0];
  }

  fail(why: string): never {
    throw new Error(`cannot parse the .npy header as numpy does: ${why} (at character ${this.at})`);
  }

  /** Skips spaces, newlines and comments; returns the position reached. */
  skipBlank(): number {
    const s = this.s;
    while (this.at < s.length) {
      const c = s[this.at];
      if (c === ' ' || c === '\t' || c === '\f' || c === '\n' || c === '\r') this.at++;
      else if (c === '#') while (this.at < s.length && s[this.at] !== '\n' && s[this.at] !== '\r') this.at++;
      else break;
    }
    return this.at;
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.skipBlank();
    const s = this.s;
    const c = s[this.at];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.sequence(depth);
    if (c === '-' || c === '+') {
      this.at++;
      this.skipBlank();
      const n = this.number();
      return { type: 'int', value: c === '-' ? -n : n };
    }
    if (c !== undefined && c >= '0' && c <= '9') return { type: 'int', value: this.number() };
    const word = this.peek(/[A-Za-z_][A-Za-z0-9_]*/y);
    if (word !== undefined && (s[this.at + word.length] === "'" || s[this.at + word.length] === '"')) return this.strings();
    if (c === "'" || c === '"') return this.strings();
    if (word === 'True' || word === 'False') {
      this.at += word.length;
      return { type: 'bool', value: word === 'True' };
    }
    if (word === 'None') {
      this.at += word.length;
      return { type: 'none' };
    }
    return this.fail(
      c === undefined ? 'the header ends early' : word !== undefined ? `'${word.slice(0, 20)}' is not a literal` : `unexpected '${c}'`,
    );
  }

  private dict(depth: number): PyValue {
    this.at++; // {
    const entries = new Map<string, PyValue>();
    for (;;) {
      this.skipBlank();
      if (this.s[this.at] === '}') break;
      const key = this.value(depth + 1);
      this.skipBlank();
      if (this.s[this.at] !== ':') this.fail(entries.size === 0 ? 'a set, not a dict' : "expected ':' after a key");
      this.at++;
      const value = this.value(depth + 1);
      if (key.type !== 'str') this.fail('a key is not a string');
      entries.set(key.value, value); // a later duplicate wins, as in a Python dict
      this.skipBlank();
      if (this.s[this.at] === ',') this.at++;
      else if (this.s[this.at] !== '}') this.fail("expected ',' or '}'");
    }
    this.at++; // }
    return { type: 'dict', entries };
  }

  /** A tuple, a list, or a parenthesised value. */
  private sequence(depth: number): PyValue {
    const open = this.s[this.at++];
    const close = open === '(' ? ')' : ']';
    const items: PyValue[] = [];
    let comma = false;
    for (;;) {
      this.skipBlank();
      if (this.s[this.at] === close) break;
      items.push(this.value(depth + 1));
      this.skipBlank();
      if (this.s[this.at] === ',') {
        this.at++;
        comma = true;
      } else if (this.s[this.at] !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.at++;
    if (open === '(' && items.length === 1 && !comma) return items[0];
    return { type: open === '(' ? 'tuple' : 'list', items };
  }

  /** An integer literal (decimal, hex, octal or binary, with underscores); floats and complex numbers are refused. */
  private number(): bigint {
    const literal = this.peek(/(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0+(?:_?0)*|[1-9](?:_?[0-9])*)/y);
    if (literal === undefined || /[0-9A-Za-z_.]/.test(this.s[this.at + literal.length] ?? '')) this.fail('not an integer literal');
    this.at += literal.length;
    const digits = literal.replace(/_/g, '');
    return BigInt(/^0+$/.test(digits) ? '0' : digits);
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): PyValue {
    let value = '';
    do value += this.string();
    while (this.skipBlank() < this.s.length && this.peek(/[A-Za-z]{0,2}['"]/y) !== undefined);
    return { type: 'str', value };
  }

  private string(): string {
    const s = this.s;
    const prefix = this.peek(/[A-Za-z]*/y)!;
    if (!['', 'u', 'U', 'r', 'R'].includes(prefix)) this.fail(`string prefix '${prefix.slice(0, 4)}' (only plain, u and r strings)`);
    const raw = prefix === 'r' || prefix === 'R';
    this.at += prefix.length;
    const quote = s[this.at];
    if (s[this.at + 1] === quote && s[this.at + 2] === quote) this.fail('a triple-quoted string');
    this.at++;
    let out = '';
    for (;;) {
      const c = s[this.at];
      if (c === undefined || c === '\n' || c === '\r') this.fail('a string is not closed on its line');
      this.at++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.at];
      if (e === undefined) this.fail('a string is not closed');
      if (raw) {
        // A raw string keeps the backslash and the character after it (which may be the quote or a line break).
        out += c + (e === '\r' && s[this.at + 1] === '\n' ? '\r\n' : e);
        this.at += e === '\r' && s[this.at + 1] === '\n' ? 2 : 1;
        continue;
      }
      out += this.escape();
    }
  }

  /** The character(s) a backslash escape (after the backslash) stands for, as Python reads it. */
  private escape(): string {
    const s = this.s;
    const e = s[this.at++];
    const simple: Record<string, string> = {
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\n': '',
    };
    if (e in simple) return simple[e];
    if (e === '\r') {
      if (s[this.at] === '\n') this.at++;
      return '';
    }
    if (e >= '0' && e <= '7') {
      this.at--;
      const digits = this.peek(/[0-7]{1,3}/y)!;
      this.at += digits.length;
      return String.fromCharCode(parseInt(digits, 8));
    }
    const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = s.slice(this.at, this.at + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) this.fail(`a truncated \\${e} escape`);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) this.fail(`\\${e}${hex} is not a character`);
      this.at += hexLength;
      return String.fromCodePoint(code);
    }
    if (e === 'N') this.fail('a \\N{...} escape');
    return '\\' + e; // Python keeps unknown escapes as they are
  }
}

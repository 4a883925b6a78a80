// Generated .npy files with tricky headers, for comparing our reader with numpy.load (tests/shared/rcf/npy.test.ts)
// and for the hostile-input suite (tests/hostile/npy.test.ts).

export interface NpyCase {
  name: string;
  /** The header text (the dict literal and whatever follows it), unpadded. */
  header: string;
  version?: [number, number];
  /** The data written after the header: `count` values of `dtype`. */
  data: { dtype: '<f4' | '>f4' | '<f8' | '>f8'; count: number };
  /** Write the header as it is, without padding it to 64 bytes and ending it with a newline. */
  unpadded?: boolean;
  /** Extra bytes after the data. */
  trailing?: number;
  /** read: numpy and we read it; refuse: numpy refuses it, so do we; stricter: numpy reads it, we refuse on purpose. */
  expect: 'read' | 'refuse' | 'stricter';
}

const f4 = (count: number) => ({ dtype: '<f4' as const, count });
const std = (shape: string, extra = '') => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, ${extra}}`;

export const NPY_CASES: NpyCase[] = [
  // What numpy writes, and literal forms it reads the same way.
  { name: 'as numpy writes it', header: std('(2, 3)'), data: f4(6), expect: 'read' },
  { name: 'double quotes', header: `{"descr": "<f4", "fortran_order": False, "shape": (6,)}`, data: f4(6), expect: 'read' },
  {
    name: 'duplicate shape: the last wins',
    header: `{'descr':'<f4','fortran_order':False,'shape':(3,),'shape':(2,3)}`,
    data: f4(6),
    expect: 'read',
  },
  {
    name: 'duplicate descr: the last wins',
    header: `{'descr':'<f8','fortran_order':False,'shape':(6,),'descr':'<f4'}`,
    data: f4(6),
    expect: 'read',
  },
  {
    name: 'duplicate fortran_order',
    header: `{'descr':'<f4','fortran_order':True,'shape':(2,3),'fortran_order':False}`,
    data: f4(6),
    expect: 'read',
  },
  { name: 'escaped key', header: `{'sh\\x61pe': (6,), 'descr': '<f4', 'fortran_order': False}`, data: f4(6), expect: 'read' },
  {
    name: 'octal and unicode escapes',
    header: `{'descr': '\\74f\\u0034', 'fortran_order': False, 'shape': (6,)}`,
    data: f4(6),
    expect: 'read',
  },
  {
    name: 'implicit concatenation',
    header: `{'de' "scr": '<' 'f4', 'fortran_order': False, 'shape': (2, 3)}`,
    data: f4(6),
    expect: 'read',
  },
  { name: 'string prefixes', header: `{u'descr': r'<f4', U'fortran_order': False, R'shape': (6,)}`, data: f4(6), expect: 'read' },
  {
    name: 'comments and newlines',
    header: `{'descr': '<f4', # dtype\n 'fortran_order':\n False, 'shape': (6,)}\n# end`,
    data: f4(6),
    expect: 'read',
  },
  {
    name: 'leading spaces, tabs, form feed',
    header: ` \t{'descr':\f'<f4',\t'fortran_order': False, 'shape': (6,)}\f`,
    data: f4(6),
    expect: 'read',
  },
  { name: 'CR line ends', header: `{'descr': '<f4',\r'fortran_order': False,\r\n'shape': (6,)}\r`, data: f4(6), expect: 'read' },
  { name: 'hex, binary, underscores, plus sign', header: std('(0x2, +0b1_1)'), data: f4(6), expect: 'read' },
  { name: 'trailing commas', header: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3,),}`, data: f4(6), expect: 'read' },
  { name: 'parenthesised descr', header: `{'descr': ('<f4'), 'fortran_order': (False), 'shape': ((6),)}`, data: f4(6), expect: 'read' },
  { name: 'Fortran order', header: `{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4)}`, data: f4(24), expect: 'read' },
  {
    name: 'big-endian float64',
    header: `{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2)}`,
    data: { dtype: '>f8', count: 6 },
    expect: 'read',
  },
  {
    name: 'big-endian float32',
    header: `{'descr': '>f4', 'fortran_order': False, 'shape': (6,)}`,
    data: { dtype: '>f4', count: 6 },
    expect: 'read',
  },
  { name: 'a scalar', header: std('()'), data: f4(1), expect: 'read' },
  { name: 'an empty array', header: std('(0, 3)'), data: f4(0), expect: 'read' },
  { name: 'version 2', header: std('(2, 3)'), version: [2, 0], data: f4(6), expect: 'read' },
  {
    name: 'version 3 with UTF-8',
    header: `{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} # écrit`,
    version: [3, 0],
    data: f4(6),
    expect: 'read',
  },
  {
    name: 'an extra key with an escaped quote',
    header: `{'descr': '<' r'f4', 'fortran_order': False, 'shape': (6,), 'x\\'': 1}`,
    data: f4(6),
    expect: 'refuse',
  },
  // Headers numpy refuses.
  { name: 'missing key', header: `{'descr': '<f4', 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'extra key', header: std('(6,)', "'extra': 1"), data: f4(6), expect: 'refuse' },
  { name: 'shape is a list', header: std('[6]'), data: f4(6), expect: 'refuse' },
  { name: 'shape is an int', header: std('(6)'), data: f4(6), expect: 'refuse' },
  { name: 'shape holds a bool', header: std('(True, 6)'), data: f4(6), expect: 'refuse' },
  { name: 'shape holds a float', header: std('(6.0,)'), data: f4(6), expect: 'refuse' },

  { name: 'fortran_order is 0', header: `{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'lower-case false', header: `{'descr': '<f4', 'fortran_order': false, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'too little data', header: std('(2, 3)'), data: f4(5), expect: 'refuse' },
  { name: 'huge shape', header: std('(4611686018427387904, 4)'), data: f4(6), expect: 'refuse' },
  { name: 'format version 1.1', header: std('(6,)'), version: [1, 1], data: f4(6), expect: 'refuse' },
  { name: 'format version 4', header: std('(6,)'), version: [4, 0], data: f4(6), expect: 'refuse' },
  { name: 'header over 10000 characters', header: std('(6,)') + ' '.repeat(10_001), version: [2, 0], data: f4(6), expect: 'refuse' },
  { name: 'NUL in the header', header: std('(6,)') + '\0', data: f4(6), expect: 'refuse' },
  { name: 'a set', header: `{'descr', 'fortran_order', 'shape'}`, data: f4(6), expect: 'refuse' },
  { name: 'missing comma (concatenates)', header: `{'descr': '<f4' 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'unclosed string', header: `{'descr': '<f4, 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'bad \\x escape', header: `{'descr': '\\x3', 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'indented after a newline', header: `\n  ${std('(6,)')}`, data: f4(6), expect: 'refuse' },
  {
    name: 'spaces after the last newline (version 3)',
    header: `${std('(6,)')}\n  `,
    unpadded: true,
    version: [3, 0],
    data: f4(6),
    expect: 'refuse',
  },
  { name: 'blank lines with spaces', header: `${std('(6,)')}\n  \n\t\n`, unpadded: true, data: f4(6), expect: 'read' },
  { name: 'an unpadded header', header: std('(6,)'), unpadded: true, data: f4(6), expect: 'read' },
  { name: 'leading zero', header: std('(06,)'), data: f4(6), expect: 'refuse' },
  { name: 'trailing underscore', header: std('(6_,)'), data: f4(6), expect: 'refuse' },
  { name: 'two dicts', header: `${std('(6,)')}{}`, data: f4(6), expect: 'refuse' },
  { name: 'a semicolon after', header: `${std('(6,)')};`, data: f4(6), expect: 'refuse' },
  { name: 'double minus', header: std('(--6,)'), data: f4(6), expect: 'refuse' },
  { name: 'vertical tab', header: `${std('(6,)')}\v`, data: f4(6), expect: 'refuse' },
  { name: 'a BOM (version 3)', header: `\uFEFF${std('(6,)')}`, version: [3, 0], data: f4(6), expect: 'refuse' },
  { name: 'unknown dtype', header: `{'descr': '<f5', 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  { name: 'dict unpacking', header: `{**{'descr': '<f4'}, 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'refuse' },
  // Headers numpy reads but we refuse, saying why.
  { name: 'negative dimension (numpy reads it from a file as its absolute value)', header: std('(-6,)'), data: f4(6), expect: 'stricter' },
  { name: 'int32 data', header: `{'descr': '<i4', 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'stricter' },
  { name: 'native-order dtype', header: `{'descr': 'f4', 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'stricter' },
  { name: 'a second array after the first', header: std('(6,)'), data: f4(6), trailing: 88, expect: 'stricter' },
  // Python sees an indent, numpy ≤ 2.0 files are retried through its Python 2 header filter, which drops it.
  { name: 'spaces after the last newline (version 1)', header: `${std('(6,)')}\n  `, unpadded: true, data: f4(6), expect: 'stricter' },
  { name: 'Python 2 long', header: std('(6L,)'), data: f4(6), expect: 'stricter' },
  {
    name: 'a float in an overridden key',
    header: `{'shape': 1.5, 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}`,
    data: f4(6),
    expect: 'stricter',
  },
  { name: 'triple-quoted descr', header: `{'descr': '''<f4''', 'fortran_order': False, 'shape': (6,)}`, data: f4(6), expect: 'stricter' },
];

/** The case as file bytes: magic, version, header length, the header padded to 64 bytes with a newline, the data. */
export function npyCaseBytes(c: NpyCase): Uint8Array {
  const [major, minor] = c.version ?? [1, 0];
  const lengthBytes = major === 1 ? 2 : 4;
  const encode = (text: string) => (major === 3 ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1'));
  const unpadded = 8 + lengthBytes + encode(c.header).length + 1;
  const header = encode(c.unpadded ? c.header : c.header + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n');
  const item = c.data.dtype.endsWith('8') ? 8 : 4;
  const little = c.data.dtype.startsWith('<');
  const out = Buffer.alloc(8 + lengthBytes + header.length + c.data.count * item + (c.trailing ?? 0));
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]).copy(out, 0);
  if (lengthBytes === 2) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  header.copy(out, 8 + lengthBytes);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const at = 8 + lengthBytes + header.length;
  for (let i = 0; i < c.data.count; i++) {
    const v = Math.sin(i + 1) * 100 + i / 7;
    if (item === 4) view.setFloat32(at + i * 4, v, little);
    else view.setFloat64(at + i * 8, v, little);
  }
  for (let i = 0; i < (c.trailing ?? 0); i++) out[at + c.data.count * item + i] = 0x93;
  return out;
}

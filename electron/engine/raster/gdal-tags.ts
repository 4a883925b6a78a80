/**
 * The private TIFF tags GDAL writes (GDAL_NODATA 42113, GDAL_METADATA 42112)
 * and GDAL's names for TIFF sample types and compressions. Pure string/number
 * parsing, so it is easy to test without files.
 */

/** Nodata as GDAL reports it: a number, the string 'nan' for NaN, or null when absent. */
export type NoData = number | 'nan' | null;

/**
 * Parses the GDAL_NODATA ASCII tag. GDAL stores the value as text ("0",
 * "-32768", "nan", "-3.4028234663852886e+38", "inf"), NUL-terminated.
 */
export function parseGdalNoData(raw: unknown): NoData {
  if (typeof raw !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const text = raw.replace(/\u0000/g, '').trim();
  if (text === '') return null;
  const lower = text.toLowerCase();
  if (lower === 'nan' || lower === '-nan' || lower === '+nan') return 'nan';
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const value = Number(text);
  // GDAL uses CPLAtof, which reads the leading number and ignores trailing junk.
  if (Number.isNaN(value)) {
    const lead = Number.parseFloat(text);
    return Number.isNaN(lead) ? null : lead;
  }
  return value;
}

/** One <Item> of GDAL_METADATA. */
export interface GdalMetadataItem {
  name: string;
  /** 0-based band the item belongs to; null for dataset-level items. */
  sample: number | null;
  role: string | null;
  domain: string | null;
  value: string;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined entities and character references; nothing else is expanded (there is no DTD). */
function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ent: string) => {
    if (ent[0] === '#') {
      const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES[ent] ?? whole;
  });
}

/**
 * `indexOf(needle, from)` for searches whose `from` only grows: the last answer is reused while it is still ahead,
 * so a text with many openings and no closing is scanned once, not once per opening.
 */
function forwardSearch(text: string, needle: string): (from: number) => number {
  let found = -2; // not searched yet
  return (from) => {
    if (found === -1 || found >= from) return found;
    found = text.indexOf(needle, from);
    return found;
  };
}

const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c === 45;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;

/** The `name="value"` attributes of a tag's text (names lower-cased), scanned once from left to right. */
function parseAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    if (!isNameChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
    const name = text.slice(start, i);
    let j = i;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text[j] !== '=') continue;
    j++;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text[j] !== '"') continue;
    const close = text.indexOf('"', j + 1);
    if (close < 0) break; // no closing quote anywhere further: no later attribute can close either
    attrs[name.toLowerCase()] = decodeXml(text.slice(j + 1, close));
    i = close + 1;
  }
  return attrs;
}

/**
 * Parses the GDAL_METADATA XML tag into items. GDAL's format is flat
 * (`<GDALMetadata><Item name=".." sample=".." role="..">value</Item>...`), so a
 * single left-to-right scan is enough (linear in the tag's length, whatever it
 * holds) and avoids an XML dependency: `<Item attrs/>` or `<Item attrs>value</Item>`,
 * attributes up to the first `>`.
 */
export function parseGdalMetadata(raw: unknown): GdalMetadataItem[] {
  if (typeof raw !== 'string') return [];
  const items: GdalMetadataItem[] = [];
  const nextOpen = forwardSearch(raw, '<Item');
  const nextGt = forwardSearch(raw, '>');
  const nextClose = forwardSearch(raw, '</Item>');
  for (let from = 0; ;) {
    const at = nextOpen(from);
    if (at < 0) break;
    // Where a global regular expression would go on: after this match, or one character on when this is none.
    from = at + 1;
    const after = at + 5;
    const c = raw.charCodeAt(after);
    if (isNameChar(c) && c !== 58 && c !== 45) continue; // `<Items`: no word boundary after `<Item`
    const gt = nextGt(after);
    if (gt < 0) break;
    const selfClosing = gt - 1 >= after && raw[gt - 1] === '/';
    let value = '';
    if (selfClosing) from = gt + 1;
    else {
      const close = nextClose(gt + 1);
      if (close < 0) continue;
      value = raw.slice(gt + 1, close);
      from = close + 7;
    }
    const attrs = parseAttributes(raw.slice(after, selfClosing ? gt - 1 : gt));
    if (attrs.name === undefined) continue;
    const sample = attrs.sample === undefined ? null : Number(attrs.sample);
    items.push({
      name: attrs.name,
      sample: sample !== null && Number.isInteger(sample) && sample >= 0 ? sample : null,
      role: attrs.role ?? null,
      domain: attrs.domain ?? null,
      value: decodeXml(value).trim(),
    });
  }
  return items;
}

/** Per-band scale, offset and description from GDAL_METADATA (1, 0 and '' when absent). */
export function bandMetadata(items: GdalMetadataItem[], bands: number): { scales: number[]; offsets: number[]; descriptions: string[] } {
  const scales = new Array<number>(bands).fill(1);
  const offsets = new Array<number>(bands).fill(0);
  const descriptions = new Array<string>(bands).fill('');
  for (const item of items) {
    // Only the default domain holds band properties; other domains are free-form.
    if (item.sample === null || item.sample >= bands || item.domain) continue;
    const key = (item.role ?? item.name).toLowerCase();
    const num = Number(item.value);
    if (key === 'scale' && item.value !== '' && Number.isFinite(num)) scales[item.sample] = num;
    else if (key === 'offset' && item.value !== '' && Number.isFinite(num)) offsets[item.sample] = num;
    else if (key === 'description') descriptions[item.sample] = item.value;
  }
  return { scales, offsets, descriptions };
}

/**
 * GDAL's data type name for a TIFF SampleFormat (1 unsigned, 2 signed,
 * 3 float, 4 undefined = unsigned) and BitsPerSample, or null when geotiff.js
 * cannot decode it. Odd bit depths are widened like GDAL does (e.g. 12-bit →
 * UInt16); half floats are exposed as Float32 as in GDAL 3.6.
 */
export function gdalDataType(sampleFormat: number, bits: number): string | null {
  if (sampleFormat === 1 || sampleFormat === 4) {
    if (bits >= 1 && bits <= 8) return 'Byte';
    if (bits <= 16) return 'UInt16';
    if (bits <= 32) return 'UInt32';
    return null;
  }
  if (sampleFormat === 2) {
    if (bits === 8) return 'Int8';
    if (bits === 16) return 'Int16';
    if (bits === 32) return 'Int32';
    return null;
  }
  if (sampleFormat === 3) {
    if (bits === 16 || bits === 32) return 'Float32';
    if (bits === 64) return 'Float64';
    return null;
  }
  return null;
}

/** Plain-words name of a sample type, for "unsupported" messages. */
export function describeSampleType(sampleFormat: number, bits: number): string {
  const kind = {
    1: 'unsigned integer',
    2: 'signed integer',
    3: 'floating point',
    4: 'untyped',
    5: 'complex integer',
    6: 'complex floating point',
  }[sampleFormat];
  return `${bits}-bit ${kind ?? `sample format ${sampleFormat}`}`;
}

/** TIFF Compression tag values that geotiff.js can decode under Node, with GDAL's names. */
export const SUPPORTED_COMPRESSIONS: ReadonlyMap<number, string> = new Map([
  [1, 'NONE'],
  [5, 'LZW'],
  [7, 'JPEG'],
  [8, 'DEFLATE'],
  [32946, 'DEFLATE'],
  [32773, 'PACKBITS'],
  [34887, 'LERC'],
  [50000, 'ZSTD'],
]);

/** Names of compressions we recognise but cannot decode (for clear errors). */
const UNSUPPORTED_COMPRESSIONS: ReadonlyMap<number, string> = new Map([
  [2, 'CCITT RLE'],
  [3, 'CCITT FAX3'],
  [4, 'CCITT FAX4'],
  [6, 'old-style JPEG'],
  [34712, 'JPEG 2000'],
  [34925, 'LZMA'],
  [34926, 'ZSTD (old code)'],
  [50001, 'WEBP'],
  [50002, 'JPEG XL'],
  [52546, 'JPEG XL'],
]);

export function compressionName(code: number): string {
  return SUPPORTED_COMPRESSIONS.get(code) ?? UNSUPPORTED_COMPRESSIONS.get(code) ?? `code ${code}`;
}

import { describe, it, expect } from 'vitest';
import {
  bandMetadata,
  compressionName,
  gdalDataType,
  parseGdalMetadata,
  parseGdalNoData,
} from '../../../electron/engine/raster/gdal-tags.js';

describe('parseGdalNoData (GDAL_NODATA tag 42113)', () => {
  it('parses numbers as GDAL writes them, NUL-terminated', () => {
    expect(parseGdalNoData('0\u0000')).toBe(0);
    expect(parseGdalNoData('-32768\u0000')).toBe(-32768);
    expect(parseGdalNoData('255')).toBe(255);
    expect(parseGdalNoData('-9999.5 ')).toBe(-9999.5);
  });

  it('keeps the float32 minimum exactly', () => {
    expect(parseGdalNoData('-3.4028234663852886e+38\u0000')).toBe(-3.4028234663852886e38);
    expect(Math.fround(parseGdalNoData('-3.4028234663852886e+38') as number)).toBe(-3.4028234663852886e38);
  });

  it('spells NaN as the string "nan" and handles infinities', () => {
    expect(parseGdalNoData('nan\u0000')).toBe('nan');
    expect(parseGdalNoData('NaN')).toBe('nan');
    expect(parseGdalNoData('-nan')).toBe('nan');
    expect(parseGdalNoData('inf')).toBe(Infinity);
    expect(parseGdalNoData('-inf')).toBe(-Infinity);
  });

  it('returns null when absent or unparsable', () => {
    expect(parseGdalNoData(undefined)).toBeNull();
    expect(parseGdalNoData('')).toBeNull();
    expect(parseGdalNoData('\u0000')).toBeNull();
    expect(parseGdalNoData('none')).toBeNull();
  });
});

describe('parseGdalMetadata / bandMetadata (GDAL_METADATA tag 42112)', () => {
  const xml = `<GDALMetadata>
  <Item name="STATISTICS_MEAN" sample="0">29.9</Item>
  <Item name="OFFSET" sample="0" role="offset">10</Item>
  <Item name="SCALE" sample="0" role="scale">0.5</Item>
  <Item name="SCALE" sample="1" role="scale">2.0000000000000001e-05</Item>
  <Item name="DESCRIPTION" sample="1" role="description">near &amp; infra&lt;red&gt;</Item>
  <Item name="SCALE" sample="1" domain="custom">99</Item>
  <Item name="AREA_OR_POINT">Area</Item>
</GDALMetadata>\u0000`;

  it('reads items with their attributes and decodes XML entities', () => {
    const items = parseGdalMetadata(xml);
    expect(items).toHaveLength(7);
    expect(items[0]).toEqual({ name: 'STATISTICS_MEAN', sample: 0, role: null, domain: null, value: '29.9' });
    expect(items[4].value).toBe('near & infra<red>');
    expect(items[6].sample).toBeNull();
  });

  it('gives per-band scale/offset/description with defaults 1, 0, empty', () => {
    const meta = bandMetadata(parseGdalMetadata(xml), 3);
    expect(meta.scales).toEqual([0.5, 2e-5, 1]);
    expect(meta.offsets).toEqual([10, 0, 0]);
    expect(meta.descriptions).toEqual(['', 'near & infra<red>', '']);
  });

  it('tolerates a missing tag', () => {
    expect(parseGdalMetadata(undefined)).toEqual([]);
    expect(bandMetadata([], 2)).toEqual({ scales: [1, 1], offsets: [0, 0], descriptions: ['', ''] });
  });

  /** The first version's regular expressions (quadratic on hostile tags), kept as the reference for small inputs. */
  function regexReference(raw: string) {
    const out = [];
    for (const m of raw.matchAll(/<Item\b([^>]*?)(?:\/>|>([\s\S]*?)<\/Item>)/g)) {
      const attrs: Record<string, string> = {};
      for (const a of m[1].matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1].toLowerCase()] = a[2];
      if (attrs.name === undefined) continue;
      const sample = attrs.sample === undefined ? null : Number(attrs.sample);
      out.push({
        name: attrs.name,
        sample: sample !== null && Number.isInteger(sample) && sample >= 0 ? sample : null,
        role: attrs.role ?? null,
        domain: attrs.domain ?? null,
        value: (m[2] ?? '').trim(),
      });
    }
    return out;
  }

  it('reads what the regular expressions read, on thousands of random fragments of tags', () => {
    const pieces = [
      '<Item',
      '<Items',
      '<Item:',
      ' name="a"',
      ' name = "b"',
      'sample="1"',
      ' role="scale"',
      '>',
      '/>',
      '/',
      '</Item>',
      'x',
      ' ',
      '"',
      '=',
      'name',
      '\n',
      'domain="d"',
      '<',
    ];
    let seed = 12345;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let t = 0; t < 5000; t++) {
      const raw = Array.from({ length: 1 + random(24) }, () => pieces[random(pieces.length)]).join('');
      expect(parseGdalMetadata(raw), raw).toEqual(regexReference(raw));
    }
  });

  it('is linear: hostile 1.2 MB tags (openings never closed, endless names, unclosed quotes) take well under a second', () => {
    const hostile = [
      '<Item name="x">'.repeat(80_000),
      `<Item ${'a'.repeat(1_200_000)}>`,
      `<Item name="${'<Item '.repeat(200_000)}`,
      '<Item '.repeat(200_000),
      `<GDALMetadata>${'<Item name="SCALE" sample="0" role="scale">0.5</Item>'.repeat(20_000)}`,
      '&#x110000;'.repeat(100_000),
    ];
    for (const raw of hostile) {
      const start = performance.now();
      parseGdalMetadata(raw);
      expect(performance.now() - start, raw.slice(0, 40)).toBeLessThan(500);
    }
    expect(parseGdalMetadata('<Item name="d">&#x110000;&#65;</Item>')[0].value).toBe('&#x110000;A');
  });
});

describe('gdalDataType', () => {
  it('names TIFF sample types like GDAL', () => {
    expect(gdalDataType(1, 8)).toBe('Byte');
    expect(gdalDataType(1, 1)).toBe('Byte');
    expect(gdalDataType(1, 12)).toBe('UInt16');
    expect(gdalDataType(1, 16)).toBe('UInt16');
    expect(gdalDataType(1, 32)).toBe('UInt32');
    expect(gdalDataType(2, 8)).toBe('Int8');
    expect(gdalDataType(2, 16)).toBe('Int16');
    expect(gdalDataType(2, 32)).toBe('Int32');
    expect(gdalDataType(3, 16)).toBe('Float32');
    expect(gdalDataType(3, 32)).toBe('Float32');
    expect(gdalDataType(3, 64)).toBe('Float64');
    expect(gdalDataType(4, 8)).toBe('Byte');
  });

  it('returns null for what geotiff.js cannot decode', () => {
    expect(gdalDataType(2, 64)).toBeNull();
    expect(gdalDataType(1, 64)).toBeNull();
    expect(gdalDataType(5, 32)).toBeNull();
    expect(gdalDataType(6, 64)).toBeNull();
  });

  it('names compressions', () => {
    expect(compressionName(8)).toBe('DEFLATE');
    expect(compressionName(34712)).toBe('JPEG 2000');
    expect(compressionName(12345)).toBe('code 12345');
  });
});

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

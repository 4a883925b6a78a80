/** The bundled EPSG index. */
import { describe, it, expect } from 'vitest';
import { lookupEpsg } from '../../../electron/engine/crs/index.js';

describe('EPSG lookup (bundled, offline)', () => {
  it('knows UTM, WGS84 and Web Mercator', () => {
    expect(lookupEpsg(32616)).toMatchObject({ name: 'WGS 84 / UTM zone 16N', proj4: expect.stringContaining('+proj=utm +zone=16') });
    expect(lookupEpsg(4326)?.proj4).toContain('+proj=longlat +datum=WGS84');
    expect(lookupEpsg(3857)?.wkt).toContain('Pseudo-Mercator');
  });

  it('returns null for unknown or malformed codes', () => {
    expect(lookupEpsg(1)).toBeNull();
    expect(lookupEpsg(32767)).toBeNull();
    expect(lookupEpsg(-5)).toBeNull();
    expect(lookupEpsg(4326.5)).toBeNull();
  });
});

/** The basemap's polygons that cross the antimeridian, on Natural Earth's own land (world-atlas). */
import { describe, expect, it } from 'vitest';
import TopoJSON from 'ol/format/TopoJSON.js';
import MultiPolygon from 'ol/geom/MultiPolygon.js';
import Polygon from 'ol/geom/Polygon.js';
import land from 'world-atlas/land-50m.json';
import { splitAtAntimeridian, type Ring } from '../../renderer/src/map/antimeridian.js';

/** Natural Earth's land polygons, in lon/lat, as the basemap reads them. */
const landPolygons: Ring[][] = new TopoJSON({ layers: ['land'] }).readFeatures(land).flatMap((f) => {
  const g = f.getGeometry();
  return g instanceof MultiPolygon ? g.getCoordinates() : g instanceof Polygon ? [g.getCoordinates()] : [];
});

/** The longest step in longitude between consecutive points of any ring. */
function longestStep(polygons: Ring[][]): number {
  let longest = 0;
  for (const polygon of polygons)
    for (const ring of polygon) for (let i = 1; i < ring.length; i++) longest = Math.max(longest, Math.abs(ring[i][0] - ring[i - 1][0]));
  return longest;
}

describe('splitAtAntimeridian', () => {
  const polygons = landPolygons;
  const antarctica = polygons.filter((p) => p[0].some(([, lat]) => lat < -80));
  const others = polygons.filter((p) => !antarctica.includes(p));

  it('leaves no edge spanning the map (the stripe at 65–71° N) outside the rings around the pole', () => {
    expect(longestStep(others)).toBeGreaterThan(180); // Chukotka, Wrangel Island and Fiji, as Natural Earth has them
    expect(longestStep(others.flatMap(splitAtAntimeridian))).toBeLessThan(30);
  });

  it('draws each crossing polygon on both sides, and keeps every other polygon as it is', () => {
    const crossing = others.filter((p) => longestStep([p]) > 180);
    expect(crossing).toHaveLength(3);
    for (const polygon of crossing) {
      const [first, copy] = splitAtAntimeridian(polygon);
      expect(first[0]).toHaveLength(polygon[0].length);
      const shift = copy[0][0][0] - first[0][0][0];
      expect(Math.abs(shift)).toBe(360);
      copy.forEach((ring, r) => ring.forEach((p, i) => expect(p[0] - first[r][i][0]).toBe(shift)));
      // Together the two pieces cover the polygon's part on each side of the map.
      const inside = (piece: Ring[]) => piece[0].filter(([lon]) => lon >= -180 && lon <= 180).length;
      expect(inside(first) + inside(copy)).toBeGreaterThanOrEqual(polygon[0].length);
    }
    const plain = others.find((p) => longestStep([p]) < 180)!;
    expect(splitAtAntimeridian(plain)).toEqual([plain]);
    for (const polygon of antarctica) expect(splitAtAntimeridian(polygon)).toEqual([polygon]);
  });
});

/**
 * Polygons that cross the antimeridian, for a map that does not wrap: in
 * Natural Earth, Chukotka, Wrangel Island and Fiji jump from +180° to −180°
 * and back, which a flat map draws as a stripe across the whole world. Each
 * such polygon is unwrapped into one continuous piece (reaching past ±180°)
 * and drawn twice, once on each side. Rings around a pole (Antarctica), whose
 * jumps do not cancel out, are left as they are: they draw correctly.
 */
export type Ring = number[][];

/** The jumps of a ring across the antimeridian: +1 for each eastward wrap (−180 → +180), −1 for each westward one. */
function jumps(ring: Ring): number[] {
  const found: number[] = [];
  for (let i = 1; i < ring.length; i++) {
    const d = ring[i][0] - ring[i - 1][0];
    if (Math.abs(d) > 180) found.push(Math.sign(d));
  }
  return found;
}

/** The ring with every antimeridian jump undone, so consecutive longitudes never differ by more than 180°. */
function unwrap(ring: Ring, start: number): Ring {
  let shift = 0;
  let previous = start;
  return ring.map(([lon, lat, ...rest]) => {
    const d = lon + shift - previous;
    if (d > 180) shift -= 360;
    else if (d < -180) shift += 360;
    previous = lon + shift;
    return [lon + shift, lat, ...rest];
  });
}

/** A polygon (outer ring first, then holes) as the polygons a flat map should draw. */
export function splitAtAntimeridian(polygon: Ring[]): Ring[][] {
  const outer = polygon[0];
  const crossing = jumps(outer);
  if (crossing.length === 0 || crossing.reduce((a, b) => a + b, 0) !== 0) return [polygon];
  const start = outer[0][0];
  const unwrapped = polygon.map((ring) => unwrap(ring, start));
  const lons = unwrapped[0].map((p) => p[0]);
  const side = Math.max(...lons) > 180 ? -360 : 360;
  const shifted = unwrapped.map((ring) => ring.map(([lon, ...rest]) => [lon + side, ...rest]));
  return [unwrapped, shifted];
}

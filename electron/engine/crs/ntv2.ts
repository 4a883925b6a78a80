/**
 * NTv2 grid shift files (.gsb), read and interpolated as PROJ does: a
 * single-grid file in arc-seconds, bilinear interpolation between nodes, and
 * PROJ's iteration for the inverse shift.
 */
import { readFileSync } from 'node:fs';

export interface Ntv2Grid {
  /** Radians. */
  west: number;
  south: number;
  east: number;
  north: number;
  resX: number;
  resY: number;
  width: number;
  height: number;
  /** [lonShift, latShift] per node in radians (east positive), row 0 south, column 0 west. */
  shifts: Float64Array;
}

/** Radians per arc-second: NTv2 shifts and Helmert rotations are given in arc-seconds. */
export const ARCSEC = Math.PI / 180 / 3600;

/** Reads a single-grid NTv2 file in seconds; throws when the file is anything else. */
export function readNtv2(path: string): Ntv2Grid {
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const label = (offset: number) => buf.toString('latin1', offset, offset + 8).trim();
  if (label(0) !== 'NUM_OREC') throw new Error(`${path}: not an NTv2 grid`);
  const little = view.getInt32(8, true) === 11;
  const numFiles = view.getInt32(40, little);
  if (numFiles !== 1) throw new Error(`${path}: ${numFiles} subgrids (only single-grid NTv2 files are supported)`);
  const units = label(3 * 16 + 8); // GS_TYPE
  if (units !== 'SECONDS') throw new Error(`${path}: units ${units} (only SECONDS is supported)`);
  const h = 11 * 16;
  const num = (record: number) => view.getFloat64(h + record * 16 + 8, little);
  const sLat = num(4),
    nLat = num(5),
    eLong = num(6),
    wLong = num(7),
    latInc = num(8),
    lonInc = num(9);
  const count = view.getInt32(h + 10 * 16 + 8, little);
  const width = Math.round((wLong - eLong) / lonInc) + 1;
  const height = Math.round((nLat - sLat) / latInc) + 1;
  if (width * height !== count) throw new Error(`${path}: ${count} nodes for a ${width}×${height} grid`);
  const data = h + 11 * 16;
  const shifts = new Float64Array(2 * count);
  for (let row = 0; row < height; row++) {
    for (let i = 0; i < width; i++) {
      // The file runs east to west (longitudes positive west); column 0 here is west.
      const node = data + (row * width + i) * 16;
      const col = width - 1 - i;
      const k = 2 * (row * width + col);
      // Float32 as stored, as PROJ reads them; longitude shifts are positive west.
      shifts[k] = -Math.fround(view.getFloat32(node + 4, little)) * ARCSEC;
      shifts[k + 1] = Math.fround(view.getFloat32(node, little)) * ARCSEC;
    }
  }
  return {
    west: -wLong * ARCSEC,
    east: -eLong * ARCSEC,
    south: sLat * ARCSEC,
    north: nLat * ARCSEC,
    resX: lonInc * ARCSEC,
    resY: latInc * ARCSEC,
    width,
    height,
    shifts,
  };
}

const REL_TOLERANCE = 1e-5;

/**
 * The grid cell [index, fraction] of position t (in cells) along an axis of
 * `size` nodes, as PROJ takes it: a point within 10 relative tolerances
 * outside the first or last node snaps onto it; farther out there is none.
 */
function cellAlong(t: number, size: number): [number, number] | null {
  let i = Number.isNaN(t) ? 0 : Math.floor(t);
  let f = t - i;
  if (i < 0) {
    if (i !== -1 || !(f > 1 - 10 * REL_TOLERANCE)) return null;
    i++;
    f = 0;
  } else if (i + 1 >= size) {
    if (i + 1 !== size || !(f < 10 * REL_TOLERANCE)) return null;
    i--;
    f = 1;
  }
  return [i, f];
}

/** PROJ's pj_hgrid_interpolate: bilinear shift at (lam, phi) relative to the grid's south-west corner, or null outside. */
function interpolate(g: Ntv2Grid, lamIn: number, phiIn: number): [number, number] | null {
  const tl = lamIn / g.resX;
  const tp = phiIn / g.resY;
  const col = cellAlong(tl, g.width);
  const row = cellAlong(tp, g.height);
  if (!col || !row) return null;
  const [ix, fx] = col;
  const [iy, fy] = row;
  const at = (x: number, y: number) => 2 * (y * g.width + x);
  const k00 = at(ix, iy),
    k10 = at(ix + 1, iy),
    k01 = at(ix, iy + 1),
    k11 = at(ix + 1, iy + 1);
  let m10 = fx;
  let m11 = m10;
  let m01 = 1 - fx;
  let m00 = m01;
  m11 *= fy;
  m01 *= fy;
  const gy = 1 - fy;
  m00 *= gy;
  m10 *= gy;
  const s = g.shifts;
  return [
    m00 * s[k00] + m10 * s[k10] + m01 * s[k01] + m11 * s[k11],
    m00 * s[k00 + 1] + m10 * s[k10 + 1] + m01 * s[k01 + 1] + m11 * s[k11 + 1],
  ];
}

function adjlon(lam: number): number {
  if (Math.abs(lam) < Math.PI + 1e-12) return lam;
  const twoPi = 2 * Math.PI;
  return lam - twoPi * Math.floor((lam + Math.PI) / twoPi);
}

/** PROJ's hgridshift (pj_hgrid_apply_internal) for one grid: forward adds the shift, inverse iterates. */
export function hgridshift(g: Ntv2Grid, lam: number, phi: number, inverse: boolean): [number, number] | null {
  const eps = (g.resX + g.resY) * REL_TOLERANCE;
  let tbl = lam - g.west;
  if (tbl + eps < 0) tbl += 2 * Math.PI;
  else if (tbl - eps > g.east - g.west) tbl -= 2 * Math.PI;
  const tbp = phi - g.south;
  const first = interpolate(g, tbl, tbp);
  if (!first) return null;
  if (!inverse) return [lam + first[0], phi + first[1]];
  let tl = tbl - first[0];
  let tp = tbp - first[1];
  let i = 10;
  let dl: number, dp: number;
  do {
    const del = interpolate(g, tl, tp);
    if (!del) break; // PROJ would look for another grid; these files have one.
    dl = tl + del[0] - tbl;
    dp = tp + del[1] - tbp;
    tl -= dl;
    tp -= dp;
  } while (--i && dl * dl + dp * dp > 1e-24);
  if (i === 0) return null;
  return [adjlon(tl + g.west), tp + g.south];
}

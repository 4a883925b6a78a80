/**
 * Datum shifts to WGS 84 as GDAL/PROJ do them, offline.
 *
 * proj4js knows one datum shift per CRS (+towgs84 or +nadgrids). PROJ, which
 * GDAL/OGR use, instead lists every coordinate operation between the two datums
 * (the EPSG dataset has 31 for NAD27 → WGS 84: one Helmert per region, plus a
 * "ballpark" no-op), drops those whose grids are not installed, and picks one
 * *per point*: among the operations whose area of use (reprojected to a bounding
 * box in the source CRS) contains the point, the most accurate
 * (proj_trans / pj_get_suggested_operation in PROJ's 4D_api.cpp).
 *
 * resources/proj/datum-ops.json holds those lists as PROJ itself gave them
 * (scripts/proj/make-datum-ops.py runs `projinfo`), and resources/proj/*.gsb the
 * NTv2 grids they use. This module reproduces PROJ's selection and runs the
 * operations' pipelines (geocentric Helmert in both conventions, NTv2 grid
 * shifts, no-ops). Both files are read on first use only.
 *
 * Known differences from PROJ: PROJ sorts the candidate list again for each
 * pair of CRSs (by area of interest); we keep the order PROJ gives for the
 * geographic CRS, which only matters when two operations of the same accuracy
 * overlap without one containing the other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../app-version.js';

/** [west, south, east, north] in degrees; west > east crosses the antimeridian. */
export type Bbox = [number, number, number, number];

interface OperationEntry {
  name: string;
  id: string;
  /** Metres; -1 when unknown (ballpark operations). */
  accuracy: number;
  bbox: Bbox;
  offshore: boolean;
  ballpark: boolean;
  /** PROJ pipeline steps on (longitude, latitude) in radians. */
  steps: string;
}

interface DatumEntry {
  name: string;
  datum: string;
  ops: OperationEntry[];
}

interface Table {
  ellipsoids: Record<string, { a: number; b?: number; rf?: number }>;
  grids: string[];
  datums: Record<string, DatumEntry>;
}

/** Where the table and the grids live (resources/proj beside package.json, in the sources, dist/ and app.asar alike). */
export function projResourceDir(): string {
  return join(packageRoot(), 'resources', 'proj');
}

let table: Table | null = null;
function loadTable(): Table {
  table ??= JSON.parse(readFileSync(join(projResourceDir(), 'datum-ops.json'), 'utf8')) as Table;
  return table;
}

/** PROJ grid names (PROJ-data GeoTIFFs) → the NTv2 files of proj-data that PROJ reads in their place. */
const GRID_FILES: Record<string, string> = {
  'de_adv_BETA2007.tif': 'BETA2007.gsb',
  'fr_ign_ntf_r93.tif': 'ntf_r93.gsb',
  'nz_linz_nzgd2kgrid0005.tif': 'nzgd2kgrid0005.gsb',
};

/** The geographic CRSs (EPSG codes) with a list of operations to WGS 84. */
export function datumCodes(): number[] {
  return Object.keys(loadTable().datums).map(Number);
}

// ---------------------------------------------------------------------------
// NTv2 grids

interface Ntv2Grid {
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

const ARCSEC = Math.PI / 180 / 3600;
const grids = new Map<string, Ntv2Grid | null>();

function readNtv2(path: string): Ntv2Grid {
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
  const sLat = num(4), nLat = num(5), eLong = num(6), wLong = num(7), latInc = num(8), lonInc = num(9);
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

function grid(name: string): Ntv2Grid | null {
  if (!grids.has(name)) {
    const file = GRID_FILES[name];
    let g: Ntv2Grid | null = null;
    if (file) {
      try {
        g = readNtv2(join(projResourceDir(), file));
      } catch {
        g = null;
      }
    }
    grids.set(name, g);
  }
  return grids.get(name) ?? null;
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
  const k00 = at(ix, iy), k10 = at(ix + 1, iy), k01 = at(ix, iy + 1), k11 = at(ix + 1, iy + 1);
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
function hgridshift(g: Ntv2Grid, lam: number, phi: number, inverse: boolean): [number, number] | null {
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

// ---------------------------------------------------------------------------
// Pipelines

type Step =
  | { kind: 'noop' }
  | { kind: 'push' | 'pop' }
  | { kind: 'cart'; inv: boolean; a: number; b: number; es: number }
  | { kind: 'helmert'; inv: boolean; t: [number, number, number]; r: number[][] | null; scale: number }
  | { kind: 'hgridshift'; inv: boolean; grid: string };

function ellipsoid(params: Map<string, string>, t: Table): { a: number; b: number; es: number } {
  let a: number, b: number;
  const name = params.get('ellps');
  const e = name !== undefined ? t.ellipsoids[name] : undefined;
  if (e) {
    a = e.a;
    b = e.b ?? a * (1 - 1 / e.rf!);
  } else if (params.has('a') && (params.has('b') || params.has('rf'))) {
    a = Number(params.get('a'));
    b = params.has('b') ? Number(params.get('b')) : a * (1 - 1 / Number(params.get('rf')));
  } else {
    throw new Error(`unknown ellipsoid in a PROJ step (${name ?? 'none'})`);
  }
  return { a, b, es: 1 - (b * b) / (a * a) };
}

function parseSteps(text: string, t: Table): Step[] {
  const steps: Step[] = [];
  for (const chunk of text.split(/\s*\+step\s*/)) {
    const words = chunk.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) continue;
    const params = new Map<string, string>();
    let inv = false;
    for (const w of words) {
      const m = /^\+([\w.]+)(?:=(.*))?$/.exec(w);
      if (!m) throw new Error(`cannot read PROJ step "${chunk}"`);
      if (m[1] === 'inv') inv = true;
      else params.set(m[1], m[2] ?? '');
    }
    const proj = params.get('proj');
    if (proj === 'pipeline') continue;
    if (proj === 'noop') steps.push({ kind: 'noop' });
    else if (proj === 'push' || proj === 'pop') {
      if (params.get('v_3') === undefined) throw new Error(`unsupported ${proj} step "${chunk}"`);
      steps.push({ kind: inv ? (proj === 'push' ? 'pop' : 'push') : proj });
    } else if (proj === 'cart') steps.push({ kind: 'cart', inv, ...ellipsoid(params, t) });
    else if (proj === 'helmert') {
      const n = (k: string) => (params.has(k) ? Number(params.get(k)) : 0);
      const rx = n('rx') * ARCSEC, ry = n('ry') * ARCSEC, rz = n('rz') * ARCSEC;
      const rotates = rx !== 0 || ry !== 0 || rz !== 0;
      if (params.has('exact') || params.has('theta') || params.has('t_epoch') || params.has('dx')) throw new Error(`unsupported helmert "${chunk}"`);
      let r: number[][] | null = null;
      if (rotates || n('s') !== 0) {
        const conv = params.get('convention');
        if (rotates && conv !== 'position_vector' && conv !== 'coordinate_frame') throw new Error(`helmert without convention "${chunk}"`);
        // PROJ's small-angle matrix in the coordinate frame convention, transposed for position vector.
        r = [
          [1, rz, -ry],
          [-rz, 1, rx],
          [ry, -rx, 1],
        ];
        if (conv === 'position_vector') r = [0, 1, 2].map((i) => [0, 1, 2].map((j) => r![j][i]));
      }
      steps.push({ kind: 'helmert', inv, t: [n('x'), n('y'), n('z')], r, scale: 1 + n('s') * 1e-6 });
    } else if (proj === 'hgridshift') {
      const g = params.get('grids') ?? '';
      steps.push({ kind: 'hgridshift', inv, grid: g.replace(/^@/, '') });
    } else throw new Error(`unsupported PROJ step "${chunk}"`);
  }
  return steps;
}

/** Runs a pipeline on (lam, phi) radians, height 0; null where PROJ returns HUGE_VAL. */
function runSteps(steps: Step[], lam: number, phi: number, inverse: boolean): [number, number] | null {
  let c: [number, number, number] = [lam, phi, 0];
  const stack: number[] = [];
  const order = inverse ? [...steps].reverse() : steps;
  for (const step of order) {
    const inv = 'inv' in step ? step.inv !== inverse : false;
    switch (step.kind) {
      case 'noop':
        break;
      case 'push':
      case 'pop': {
        const kind = inverse ? (step.kind === 'push' ? 'pop' : 'push') : step.kind;
        if (kind === 'push') stack.push(c[2]);
        else c[2] = stack.pop() ?? 0;
        break;
      }
      case 'cart': {
        const { a, b, es } = step;
        if (!inv) {
          const [l, p, hgt] = c;
          const sp = Math.sin(p), cp = Math.cos(p);
          const n = a / Math.sqrt(1 - es * sp * sp);
          c = [(n + hgt) * cp * Math.cos(l), (n + hgt) * cp * Math.sin(l), (n * (1 - es) + hgt) * sp];
        } else {
          // PROJ's cart.cpp geodetic(): Bowring's closed form.
          const [x, y, z] = c;
          const e2s = (a * a) / (b * b) - 1;
          const p = Math.hypot(x, y);
          const yt = z * a, xt = p * b;
          const norm = Math.hypot(yt, xt);
          const ct = norm === 0 ? 1 : xt / norm, st = norm === 0 ? 0 : yt / norm;
          const yp = z + e2s * b * st * st * st;
          const xp = p - es * a * ct * ct * ct;
          const np = Math.hypot(yp, xp);
          let cosphi = np === 0 ? 1 : xp / np;
          let sinphi = np === 0 ? 0 : yp / np;
          let ph: number;
          if (xp <= 0) {
            ph = z >= 0 ? Math.PI / 2 : -Math.PI / 2;
            cosphi = 0;
            sinphi = z >= 0 ? 1 : -1;
          } else ph = Math.atan(yp / xp);
          const n = a / Math.sqrt(1 - es * sinphi * sinphi);
          const hgt = cosphi < 1e-6 ? Math.abs(z) - Math.hypot(a * cosphi, b * sinphi) : p / cosphi - n;
          c = [Math.atan2(y, x), ph, hgt];
        }
        break;
      }
      case 'helmert': {
        const [tx, ty, tz] = step.t;
        const r = step.r;
        const [x, y, z] = c;
        if (!r) {
          c = inv ? [x - tx, y - ty, z - tz] : [x + tx, y + ty, z + tz];
        } else if (!inv) {
          const s = step.scale;
          c = [
            s * (r[0][0] * x + r[0][1] * y + r[0][2] * z) + tx,
            s * (r[1][0] * x + r[1][1] * y + r[1][2] * z) + ty,
            s * (r[2][0] * x + r[2][1] * y + r[2][2] * z) + tz,
          ];
        } else {
          const s = step.scale;
          const X = (x - tx) / s, Y = (y - ty) / s, Z = (z - tz) / s;
          c = [r[0][0] * X + r[1][0] * Y + r[2][0] * Z, r[0][1] * X + r[1][1] * Y + r[2][1] * Z, r[0][2] * X + r[1][2] * Y + r[2][2] * Z];
        }
        break;
      }
      case 'hgridshift': {
        const g = grid(step.grid);
        if (!g) return null;
        const out = hgridshift(g, c[0], c[1], inv);
        if (!out) return null;
        c = [out[0], out[1], c[2]];
        break;
      }
    }
    if (!Number.isFinite(c[0]) || !Number.isFinite(c[1])) return null;
  }
  return [c[0], c[1]];
}

// ---------------------------------------------------------------------------
// Selection

interface Prepared {
  op: OperationEntry;
  steps: Step[];
  minx: number;
  miny: number;
  maxx: number;
  maxy: number;
  usesGrids: boolean;
}

const steps = new Map<OperationEntry, Step[] | null>();
function stepsOf(op: OperationEntry): Step[] | null {
  if (!steps.has(op)) {
    let s: Step[] | null;
    try {
      s = parseSteps(op.steps, loadTable());
    } catch {
      s = null;
    }
    steps.set(op, s);
  }
  return steps.get(op) ?? null;
}

/** PROJ's getPseudoArea: the bbox's area on the unit sphere, in degree-radians. */
function pseudoArea([w, s, e, n]: Bbox): number {
  const east = w > e ? e + 360 : e;
  return (east - w) * (Math.sin((n * Math.PI) / 180) - Math.sin((s * Math.PI) / 180));
}

/** Longitude intervals of a bbox, split at the antimeridian. */
function lonIntervals([w, , e]: Bbox): [number, number][] {
  return w <= e ? [[w, e]] : [[w, 180], [-180, e]];
}

function intersects(a: Bbox, b: Bbox): boolean {
  if (a[1] > b[3] || b[1] > a[3]) return false;
  return lonIntervals(a).some(([aw, ae]) => lonIntervals(b).some(([bw, be]) => aw <= be && bw <= ae));
}

function contains(a: Bbox, b: Bbox): boolean {
  if (!(a[1] <= b[1] && a[3] >= b[3])) return false;
  return lonIntervals(b).every(([bw, be]) => lonIntervals(a).some(([aw, ae]) => aw <= bw && be <= ae));
}

const WORLD: Bbox = [-180, -90, 180, 90];
const isWorld = (b: Bbox) => b[0] === -180 && b[1] === -90 && b[2] === 180 && b[3] === 90;

/**
 * The operations PROJ keeps for a pair of CRSs (proj_create_operations with a
 * partial-intersection test against the smaller of the two CRSs' areas of use),
 * in the geographic CRS's order. `extents` are the CRSs' areas of use where known.
 */
function candidates(ops: OperationEntry[], extents: (Bbox | null | undefined)[]): OperationEntry[] {
  const known = extents.filter((e): e is Bbox => !!e);
  const area = known.length === 0 ? null : known.reduce((best, e) => (pseudoArea(e) < pseudoArea(best) ? e : best));
  if (!area) return ops;
  let containsAndNoGrid = false;
  const kept = ops.filter((op) => {
    if (!intersects(op.bbox, area)) return false;
    if (!op.ballpark && !/hgridshift/.test(op.steps) && contains(op.bbox, area)) containsAndNoGrid = true;
    return true;
  });
  // PROJ's removeSyntheticNullTransforms: a ballpark operation at the end brings nothing then.
  if (containsAndNoGrid && kept.length > 1 && kept[kept.length - 1].ballpark) kept.pop();
  return kept;
}

/**
 * Operations to or from WGS 84 for one datum, prepared for one CRS: each one's
 * area of use as a bounding box in the coordinates points are selected by.
 */
export interface DatumShift {
  /** Datum (geographic CRS) lon/lat radians → WGS 84, choosing the operation by the point's (x, y) in the selection CRS. */
  toWgs84(x: number, y: number, lam: number, phi: number): [number, number] | null;
  /** WGS 84 lon/lat radians → datum, the inverse operations chosen the same way. */
  fromWgs84(x: number, y: number, lam: number, phi: number): [number, number] | null;
  /** The operations kept, for messages and tests. */
  readonly operations: readonly string[];
}

/**
 * PROJ's choice of operations for transformations between the geographic CRS
 * `code` and WGS 84, or null when there is no table for it (or it is WGS 84).
 * @param extents areas of use of the two CRSs involved, where known (they narrow the candidates as in PROJ)
 * @param geogToSel the (lon, lat) degrees → selection-CRS coordinates projection (PROJ's pjGeogToSrc);
 *   null when selecting directly by lon/lat degrees
 */
export function datumShift(code: number, extents: (Bbox | null | undefined)[], geogToSel: ((lon: number, lat: number) => [number, number] | null) | null): DatumShift | null {
  if (code === 4326) return null;
  let entry: DatumEntry | undefined;
  try {
    entry = loadTable().datums[String(code)];
  } catch {
    return null;
  }
  if (!entry) return null;
  const ops = candidates(entry.ops, extents);
  const prepared: Prepared[] = [];
  for (const op of ops) {
    const s = stepsOf(op);
    if (!s) return null; // a pipeline we cannot run: do not pretend
    const [w, south, e, n] = op.bbox;
    const parts: Bbox[] = w <= e ? [[w, south, e, n]] : [[w, south, 180, n], [-180, south, e, n]];
    for (const part of parts) {
      let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
      if (isWorld(part)) {
        minx = miny = -Number.MAX_VALUE;
        maxx = maxy = Number.MAX_VALUE;
      } else {
        // PROJ's reproject_bbox: 21 points along each edge.
        const [pw, ps, pe, pn] = part;
        for (let j = 0; j <= 20; j++) {
          const lon = pw + (j * (pe - pw)) / 20;
          const lat = ps + (j * (pn - ps)) / 20;
          for (const [lo, la] of [[lon, ps], [lon, pn], [pw, lat], [pe, lat]] as const) {
            const p = geogToSel ? geogToSel(lo, la) : ([lo, la] as [number, number]);
            if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) continue;
            minx = Math.min(minx, p[0]);
            miny = Math.min(miny, p[1]);
            maxx = Math.max(maxx, p[0]);
            maxy = Math.max(maxy, p[1]);
          }
        }
      }
      if (minx <= maxx) prepared.push({ op, steps: s, minx, miny, maxx, maxy, usesGrids: s.some((st) => st.kind === 'hgridshift') });
    }
  }
  if (prepared.length === 0) return null;

  const suggest = (x: number, y: number, excluded: number[]): number => {
    let best = -1;
    let bestAccuracy = Number.MAX_VALUE;
    for (let i = 0; i < prepared.length; i++) {
      if (excluded.includes(i)) continue;
      const alt = prepared[i];
      if (!(x >= alt.minx && y >= alt.miny && x <= alt.maxx && y <= alt.maxy)) continue;
      const b = best >= 0 ? prepared[best] : null;
      if (
        !b ||
        (alt.op.accuracy >= 0 &&
          (alt.op.accuracy < bestAccuracy ||
            (alt.op.accuracy === bestAccuracy && alt.minx > b.minx && alt.miny > b.miny && alt.maxx < b.maxx && alt.maxy < b.maxy)) &&
          !alt.op.offshore)
      ) {
        best = i;
        bestAccuracy = alt.op.accuracy;
      }
    }
    return best;
  };

  const apply = (x: number, y: number, lam: number, phi: number, inverse: boolean): [number, number] | null => {
    // PROJ's proj_trans with alternative operations: a single one is used everywhere.
    if (ops.length === 1) return runSteps(prepared[0].steps, lam, phi, inverse);
    const excluded: number[] = [];
    for (let retry = 0; retry <= 2; retry++) {
      const best = suggest(x, y, excluded);
      if (best < 0) break;
      const out = runSteps(prepared[best].steps, lam, phi, inverse);
      if (out) return out;
      excluded.push(best);
    }
    // No operation for this area: the first one that needs no grid.
    const fallback = prepared.find((p) => !p.usesGrids);
    return fallback ? runSteps(fallback.steps, lam, phi, inverse) : null;
  };

  return {
    toWgs84: (x, y, lam, phi) => apply(x, y, lam, phi, false),
    fromWgs84: (x, y, lam, phi) => apply(x, y, lam, phi, true),
    operations: ops.map((o) => `${o.id}, ${o.name}`),
  };
}

export { WORLD };

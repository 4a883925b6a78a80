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
 * (proj-data.ts), and resources/proj/*.gsb the NTv2 grids they use (ntv2.ts).
 * This module reproduces PROJ's selection; pipeline.ts runs the operations'
 * pipelines (geocentric Helmert in both conventions, NTv2 grid shifts, no-ops).
 *
 * Known differences from PROJ: PROJ sorts the candidate list again for each
 * pair of CRSs (by area of interest); we keep the order PROJ gives for the
 * geographic CRS, which only matters when two operations of the same accuracy
 * overlap without one containing the other.
 */
import { loadTable, type Bbox, type OperationEntry, type DatumEntry } from './proj-data.js';
import { parseSteps, runSteps, type Step } from './pipeline.js';

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
      s = parseSteps(op.steps, loadTable().ellipsoids);
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
  return w <= e
    ? [[w, e]]
    : [
        [w, 180],
        [-180, e],
      ];
}

function intersects(a: Bbox, b: Bbox): boolean {
  if (a[1] > b[3] || b[1] > a[3]) return false;
  return lonIntervals(a).some(([aw, ae]) => lonIntervals(b).some(([bw, be]) => aw <= be && bw <= ae));
}

function contains(a: Bbox, b: Bbox): boolean {
  if (!(a[1] <= b[1] && a[3] >= b[3])) return false;
  return lonIntervals(b).every(([bw, be]) => lonIntervals(a).some(([aw, ae]) => aw <= bw && be <= ae));
}

export const WORLD: Bbox = [-180, -90, 180, 90];
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
export function datumShift(
  code: number,
  extents: (Bbox | null | undefined)[],
  geogToSel: ((lon: number, lat: number) => [number, number] | null) | null,
): DatumShift | null {
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
    const parts: Bbox[] =
      w <= e
        ? [[w, south, e, n]]
        : [
            [w, south, 180, n],
            [-180, south, e, n],
          ];
    for (const part of parts) {
      let minx = Infinity,
        miny = Infinity,
        maxx = -Infinity,
        maxy = -Infinity;
      if (isWorld(part)) {
        minx = miny = -Number.MAX_VALUE;
        maxx = maxy = Number.MAX_VALUE;
      } else {
        // PROJ's reproject_bbox: 21 points along each edge.
        const [pw, ps, pe, pn] = part;
        for (let j = 0; j <= 20; j++) {
          const lon = pw + (j * (pe - pw)) / 20;
          const lat = ps + (j * (pn - ps)) / 20;
          for (const [lo, la] of [
            [lon, ps],
            [lon, pn],
            [pw, lat],
            [pe, lat],
          ] as const) {
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

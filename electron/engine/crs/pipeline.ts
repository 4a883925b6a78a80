/**
 * PROJ pipelines (`+proj=pipeline +step ...`) as the bundled datum operations
 * write them: parsed into steps and run on (longitude, latitude) radians, the
 * way PROJ runs them. Supported steps: noop, push/pop of the height, cart
 * (geodetic ↔ geocentric), geocentric Helmert (translation, or 7 parameters
 * in either rotation convention) and hgridshift with a bundled NTv2 grid.
 */
import { ARCSEC, hgridshift } from './ntv2.js';
import { projGrid, type Ellipsoids } from './proj-data.js';

export type Step =
  | { kind: 'noop' }
  | { kind: 'push' | 'pop' }
  | { kind: 'cart'; inv: boolean; a: number; b: number; es: number }
  | { kind: 'helmert'; inv: boolean; t: [number, number, number]; r: number[][] | null; scale: number }
  | { kind: 'hgridshift'; inv: boolean; grid: string };

function ellipsoid(params: Map<string, string>, known: Ellipsoids): { a: number; b: number; es: number } {
  let a: number, b: number;
  const name = params.get('ellps');
  const e = name !== undefined ? known[name] : undefined;
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

/** The steps of a pipeline; throws on any step or parameter it cannot run, so that no pipeline runs half-read. */
export function parseSteps(text: string, ellipsoids: Ellipsoids): Step[] {
  const steps: Step[] = [];
  for (const chunk of text.split(/\s*\+step\s*/)) {
    const words = chunk
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
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
    } else if (proj === 'cart') steps.push({ kind: 'cart', inv, ...ellipsoid(params, ellipsoids) });
    else if (proj === 'helmert') {
      const n = (k: string) => (params.has(k) ? Number(params.get(k)) : 0);
      const rx = n('rx') * ARCSEC,
        ry = n('ry') * ARCSEC,
        rz = n('rz') * ARCSEC;
      const rotates = rx !== 0 || ry !== 0 || rz !== 0;
      if (params.has('exact') || params.has('theta') || params.has('t_epoch') || params.has('dx')) {
        throw new Error(`unsupported helmert "${chunk}"`);
      }
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
export function runSteps(steps: Step[], lam: number, phi: number, inverse: boolean): [number, number] | null {
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
          const sp = Math.sin(p),
            cp = Math.cos(p);
          const n = a / Math.sqrt(1 - es * sp * sp);
          c = [(n + hgt) * cp * Math.cos(l), (n + hgt) * cp * Math.sin(l), (n * (1 - es) + hgt) * sp];
        } else {
          // PROJ's cart.cpp geodetic(): Bowring's closed form.
          const [x, y, z] = c;
          const e2s = (a * a) / (b * b) - 1;
          const p = Math.hypot(x, y);
          const yt = z * a,
            xt = p * b;
          const norm = Math.hypot(yt, xt);
          const ct = norm === 0 ? 1 : xt / norm,
            st = norm === 0 ? 0 : yt / norm;
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
          const X = (x - tx) / s,
            Y = (y - ty) / s,
            Z = (z - tz) / s;
          c = [r[0][0] * X + r[1][0] * Y + r[2][0] * Z, r[0][1] * X + r[1][1] * Y + r[2][1] * Z, r[0][2] * X + r[1][2] * Y + r[2][2] * Z];
        }
        break;
      }
      case 'hgridshift': {
        const g = projGrid(step.grid);
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

/**
 * PROJ's data bundled in resources/proj, read on first use:
 * datum-ops.json, the coordinate operations PROJ lists from each geographic
 * CRS to WGS 84 (scripts/proj/make-datum-ops.py runs `projinfo`), and the NTv2
 * grids those operations name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../app-version.js';
import { readNtv2, type Ntv2Grid } from './ntv2.js';

/** [west, south, east, north] in degrees; west > east crosses the antimeridian. */
export type Bbox = [number, number, number, number];

export interface OperationEntry {
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

export interface DatumEntry {
  name: string;
  datum: string;
  ops: OperationEntry[];
}

/** PROJ ellipsoid names (+ellps=) → semi-major axis and semi-minor axis or inverse flattening. */
export type Ellipsoids = Record<string, { a: number; b?: number; rf?: number }>;

interface Table {
  ellipsoids: Ellipsoids;
  grids: string[];
  datums: Record<string, DatumEntry>;
}

/** Where the table and the grids live (resources/proj beside package.json, in the sources, dist/ and app.asar alike). */
export function projResourceDir(): string {
  return join(packageRoot(), 'resources', 'proj');
}

let table: Table | null = null;
export function loadTable(): Table {
  table ??= JSON.parse(readFileSync(join(projResourceDir(), 'datum-ops.json'), 'utf8')) as Table;
  return table;
}

/** The geographic CRSs (EPSG codes) with a list of operations to WGS 84. */
export function datumCodes(): number[] {
  return Object.keys(loadTable().datums).map(Number);
}

/** PROJ grid names (PROJ-data GeoTIFFs) → the NTv2 files of proj-data that PROJ reads in their place. */
const GRID_FILES: Record<string, string> = {
  'de_adv_BETA2007.tif': 'BETA2007.gsb',
  'fr_ign_ntf_r93.tif': 'ntf_r93.gsb',
  'nz_linz_nzgd2kgrid0005.tif': 'nzgd2kgrid0005.gsb',
};

const grids = new Map<string, Ntv2Grid | null>();

/** The bundled grid PROJ knows by `name`, or null when it is not bundled (or unreadable). */
export function projGrid(name: string): Ntv2Grid | null {
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

/**
 * Offline EPSG lookup: code → name, proj4 string and WKT, from the
 * `epsg-index` package (ISC licence; one small JSON file per code under
 * epsg-index/s/, generated from the EPSG registry). Only the requested code's
 * file is read, so a lookup costs a few kilobytes, not the whole 8 MB index.
 */
import { createRequire } from 'node:module';

export interface EpsgEntry {
  code: number;
  name: string;
  /** e.g. "CRS-PROJCRS", "CRS-GEOGCRS". */
  kind: string;
  proj4: string | null;
  wkt: string | null;
  /** Area of use, [west, south, east, north] degrees (west > east across the antimeridian), when the index has it. */
  bbox?: [number, number, number, number];
}

const require = createRequire(import.meta.url);
const cache = new Map<number, EpsgEntry | null>();

/** The EPSG entry for a code, or null when the code is unknown (or not a CRS). */
export function lookupEpsg(code: number): EpsgEntry | null {
  // Reject anything that is not a plain code before it becomes part of a module path.
  if (!Number.isInteger(code) || code <= 0 || code >= 1_000_000) return null;
  const hit = cache.get(code);
  if (hit !== undefined) return hit;
  let entry: EpsgEntry | null = null;
  try {
    const raw = require(`epsg-index/s/${code}.json`) as Record<string, unknown>;
    entry = {
      code,
      name: typeof raw.name === 'string' ? raw.name : '',
      kind: typeof raw.kind === 'string' ? raw.kind : '',
      proj4: typeof raw.proj4 === 'string' && raw.proj4.trim() !== '' ? raw.proj4.trim() : null,
      wkt: typeof raw.wkt === 'string' && raw.wkt !== '' ? raw.wkt : null,
    };
    // The index stores [north, west, south, east].
    const b = raw.bbox;
    if (Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const [n, w, s, e] = b as number[];
      entry.bbox = [w, s, e, n];
    }
  } catch {
    entry = null; // not in the index
  }
  cache.set(code, entry);
  return entry;
}

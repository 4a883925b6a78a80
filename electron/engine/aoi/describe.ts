/**
 * The AOI as recorded in provenance: where it came from and what it covers,
 * enough to tell two runs' AOIs apart and to find the file again.
 */
import { createHash } from 'node:crypto';
import { sha256File } from '../hash.js';
import { crsLabel } from '../crs/index.js';
import { polygonsBounds } from './geometry.js';
import type { Aoi } from './read.js';

export interface AoiDescription {
  /** The file path as given. */
  file: string;
  /** GeoPackage layer, when the AOI came from one. */
  layer?: string;
  /** sha256 of the file, when asked for. */
  sha256?: string;
  /** `EPSG:<code>`, or the CRS name for CRSs without a code. */
  crs: string;
  crs_name?: string;
  /** [minX, minY, maxX, maxY] in the AOI's own CRS. */
  bounds: [number, number, number, number];
  polygons: number;
}

export interface DescribeOptions {
  /** Hash the file (reads it once more; AOI files are small). Default false. */
  sha256?: boolean;
}

export async function describeAoi(aoi: Aoi, options: DescribeOptions = {}): Promise<AoiDescription> {
  const d: AoiDescription = {
    file: aoi.source,
    crs: crsLabel(aoi.crs),
    bounds: polygonsBounds(aoi.polygons),
    polygons: aoi.polygons.length,
  };
  if (aoi.layer !== undefined) d.layer = aoi.layer;
  if (aoi.crs.name) d.crs_name = aoi.crs.name;
  if (options.sha256)
    d.sha256 = aoi.drawn === undefined ? await sha256File(aoi.source) : createHash('sha256').update(aoi.drawn).digest('hex');
  return d;
}

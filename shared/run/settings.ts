/**
 * A run's settings as they cross every boundary (the contract, the engine's
 * job spec, history): the rasters, the area, and the options of options.ts.
 */
import { z } from '../zod.js';
import { checkRunOptions, filePath, runOptionShape } from './options.js';
import { upgradeRunSettings } from './upgrade.js';

const lonLat = z.tuple([z.number(), z.number()]);
/** Polygons, each an outer ring then its holes, in WGS84 [lon, lat]. */
export const PolygonsLonLat = z.array(z.array(z.array(lonLat).min(4)).min(1)).min(1);
export type PolygonsLonLat = z.infer<typeof PolygonsLonLat>;

/** An area of interest: a file (GeoJSON or GeoPackage, any CRS) or polygons drawn on the map. */
export const AreaSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: filePath, layer: z.string().optional() }),
  z.object({ kind: z.literal('drawn'), polygons: PolygonsLonLat }),
]);
export type AreaSpec = z.infer<typeof AreaSpec>;

/**
 * Everything `rcf featurize` takes except where the output goes: options
 * left out take their defaults. Settings stored by the first version (filters
 * and scaling nested) are read as they were meant.
 */
export const RunSettings = z.preprocess(
  upgradeRunSettings,
  z
    .object({
      inputs: z.array(filePath).min(1, 'add at least one raster'),
      area: AreaSpec.nullable().default(null),
      ...runOptionShape,
    })
    .superRefine(checkRunOptions),
);
export type RunSettings = z.output<typeof RunSettings>;
/** Run settings as they may be written: options left out take their defaults. */
export type RunSettingsInput = z.input<typeof RunSettings>;

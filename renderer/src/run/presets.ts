/**
 * Input scaling presets for common products, so that the default bias (−1)
 * meets values of order 1 (reflectance). value = raw · scale + offset.
 */
export interface ScalePreset {
  id: string;
  label: string;
  scale: number;
  offset: number;
  /** Where the numbers come from, shown under the choice. */
  note: string;
}

export const SCALE_PRESETS: readonly ScalePreset[] = [
  {
    id: 'sentinel2-l2a',
    label: 'Sentinel-2 L2A reflectance',
    scale: 0.0001,
    offset: -0.1,
    note: 'ESA processing baseline 04.00 and later: reflectance = (DN + BOA_ADD_OFFSET) / 10000, BOA_ADD_OFFSET = −1000',
  },
  {
    id: 'landsat-c2-l2',
    label: 'Landsat Collection 2 Level-2 reflectance',
    scale: 0.0000275,
    offset: -0.2,
    note: 'USGS Collection 2 surface reflectance: DN × 0.0000275 − 0.2',
  },
  { id: 'rgb-8bit', label: '8-bit RGB (0–255)', scale: 1 / 255, offset: 0, note: 'values divided by 255 to 0–1' },
  { id: 'none', label: 'No scaling', scale: 1, offset: 0, note: 'raw values, for inputs already of order 1' },
];

/** The preset matching a scale and offset, or null (custom). */
export function matchPreset(scale: number, offset: number): ScalePreset | null {
  return SCALE_PRESETS.find((p) => Math.abs(p.scale - scale) <= 1e-12 * Math.max(1, Math.abs(scale)) && p.offset === offset) ?? null;
}

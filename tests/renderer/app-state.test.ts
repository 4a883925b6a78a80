/** Which rasters a run featurizes, and why the ticked ones cannot be one run. */
import { describe, expect, it } from 'vitest';
import { initialState, inputProblems, rasterInputs, type AppState, type RasterEntry } from '../../renderer/src/state/app-state.js';
import { defaultRunForm } from '../../renderer/src/run/settings-model.js';

function raster(name: string, bands: number, opened: number, over: Partial<RasterEntry> = {}): RasterEntry {
  return {
    id: `/data/${name}`,
    kind: 'raster',
    name,
    visible: true,
    opacity: 1,
    opened,
    input: null,
    display: null,
    style: {} as RasterEntry['style'],
    raster: { view: { bands } } as RasterEntry['raster'],
    ...over,
  };
}

function state(layers: RasterEntry[], bands = ''): AppState {
  const s = initialState(defaultRunForm());
  return { ...s, layers, form: { ...s.form, bands } };
}

describe('run inputs', () => {
  it('are the visible rasters by default, in the order they were opened (not the drawing order)', () => {
    const s = state([raster('c.tif', 4, 3), raster('a.tif', 4, 1), raster('b.tif', 4, 2, { visible: false })]);
    expect(rasterInputs(s)).toEqual(['/data/a.tif', '/data/c.tif']);
  });

  it('a tick or untick under Inputs overrides the visibility', () => {
    const s = state([raster('a.tif', 4, 1, { input: false }), raster('b.tif', 4, 2, { visible: false, input: true })]);
    expect(rasterInputs(s)).toEqual(['/data/b.tif']);
  });

  it('different band counts are refused unless bands are chosen that every input has', () => {
    const layers = [raster('four.tif', 4, 1), raster('three.tif', 3, 2)];
    expect(inputProblems(state(layers))).toEqual([
      'The inputs have different band counts (four.tif: 4, three.tif: 3): untick some under Inputs, or choose the bands',
    ]);
    expect(inputProblems(state(layers, '1,2,3'))).toEqual([]);
    expect(inputProblems(state(layers, '4, 1'))).toEqual(['Band 4 is chosen, but three.tif has 3 bands']);
    expect(inputProblems(state([raster('four.tif', 4, 1), raster('three.tif', 3, 2, { input: false })]))).toEqual([]);
    // A band list the form cannot read counts as none chosen (the form reports it as well).
    expect(inputProblems(state(layers, 'x'))).toHaveLength(1);
  });
});

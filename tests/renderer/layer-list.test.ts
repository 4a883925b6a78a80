/** The layer list's rules: drawing order (top first), moves, z-indices, removal, visibility and opacity, each a new list. */
import { describe, expect, it } from 'vitest';
import {
  addLayer,
  findLayer,
  moveLayer,
  removeLayer,
  setOpacity,
  setVisible,
  updateLayer,
  zIndex,
  type LayerEntry,
  type LayerKind,
} from '../../renderer/src/layers/layer-list.js';

type List = readonly LayerEntry[];
const entry = (id: string, kind: LayerKind = 'raster'): LayerEntry => ({ id, kind, name: `${id}.tif`, visible: true, opacity: 1 });
const ids = (list: List) => list.map((l) => l.id);

function listOf(...names: string[]): List {
  let list: List = [];
  for (const n of names) list = addLayer(list, entry(n));
  return list;
}

describe('the layer list', () => {
  it('adds on top; re-adding an id replaces it in place', () => {
    let list = listOf('a', 'b', 'c');
    expect(ids(list)).toEqual(['c', 'b', 'a']);
    list = addLayer(list, { ...entry('b', 'results'), name: 'renamed' });
    expect(ids(list)).toEqual(['c', 'b', 'a']);
    expect(findLayer(list, 'b')).toMatchObject({ kind: 'results', name: 'renamed' });
    expect(findLayer(list, 'zzz')).toBeUndefined();
  });

  it('moves up and down, and not past the ends', () => {
    let list = listOf('a', 'b', 'c');
    const moves: [string, -1 | 1, string[]][] = [
      ['a', -1, ['c', 'a', 'b']],
      ['a', -1, ['a', 'c', 'b']],
      ['a', -1, ['a', 'c', 'b']],
      ['b', 1, ['a', 'c', 'b']],
      ['a', 1, ['c', 'a', 'b']],
      ['missing', 1, ['c', 'a', 'b']],
    ];
    for (const [id, by, expected] of moves) {
      list = moveLayer(list, id, by);
      expect(ids(list)).toEqual(expected);
    }
  });

  it('z-index: the top entry highest, all distinct, following moves; 0 for unknown ids', () => {
    let list = listOf('a', 'b', 'c');
    const z = () => ids(list).map((id) => zIndex(list, id));
    expect(z()).toEqual([...z()].sort((x, y) => y - x));
    expect(new Set(z()).size).toBe(3);
    expect(zIndex(list, 'c')).toBeGreaterThan(zIndex(list, 'a'));
    list = moveLayer(moveLayer(list, 'a', -1), 'a', -1);
    expect(zIndex(list, 'a')).toBeGreaterThan(zIndex(list, 'c'));
    expect(zIndex(list, 'nope')).toBe(0);
    // Above the basemap's z-index (0) however many layers there are.
    expect(Math.min(...z())).toBeGreaterThan(0);
  });

  it('removes', () => {
    let list = listOf('a', 'b', 'c');
    list = removeLayer(list, 'b');
    expect(ids(list)).toEqual(['c', 'a']);
    list = removeLayer(list, 'b');
    expect(ids(list)).toEqual(['c', 'a']);
    expect(zIndex(list, 'b')).toBe(0);
  });

  it('opacity is clamped to 0–1; visibility toggles; both leave other fields and order alone', () => {
    let list = listOf('a', 'b');
    list = setOpacity(list, 'a', 1.7);
    expect(findLayer(list, 'a')!.opacity).toBe(1);
    list = setOpacity(list, 'a', -0.2);
    expect(findLayer(list, 'a')!.opacity).toBe(0);
    list = setOpacity(list, 'a', 0.35);
    expect(findLayer(list, 'a')!.opacity).toBe(0.35);
    list = setVisible(list, 'b', false);
    expect(findLayer(list, 'b')).toEqual({ ...entry('b'), visible: false });
    expect(findLayer(list, 'a')).toEqual({ ...entry('a'), opacity: 0.35 });
    expect(ids(list)).toEqual(['b', 'a']);
  });

  it('never changes a list in place; a change that changes nothing gives the same list back', () => {
    const list = listOf('a', 'b');
    const before = structuredClone(list);
    const changed = [
      addLayer(list, entry('c')),
      moveLayer(list, 'a', -1),
      removeLayer(list, 'a'),
      setOpacity(list, 'a', 0.5),
      setVisible(list, 'b', false),
    ];
    for (const next of changed) expect(next).not.toBe(list);
    expect(list).toEqual(before);
    // The store tells listeners by identity: these must not look like changes.
    expect(moveLayer(list, 'b', -1)).toBe(list);
    expect(moveLayer(list, 'missing', 1)).toBe(list);
    expect(removeLayer(list, 'missing')).toBe(list);
    expect(setOpacity(list, 'missing', 0.5)).toBe(list);
    expect(setOpacity(list, 'a', 1)).toBe(list);
    expect(setVisible(list, 'a', true)).toBe(list);
    expect(updateLayer(list, 'a', { name: 'a.tif' })).toBe(list);
    // Only the changed entry is a new object.
    const faded = setOpacity(list, 'a', 0.5);
    expect(findLayer(faded, 'b')).toBe(findLayer(list, 'b'));
  });
});

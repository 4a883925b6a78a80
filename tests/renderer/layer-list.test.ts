/** The layer list's model: drawing order (top first), moves, z-indices, removal, visibility, opacity and change listeners. */
import { describe, expect, it, vi } from 'vitest';
import { LayerList, type LayerEntry, type LayerKind } from '../../renderer/src/layers/layer-list.js';

const entry = (id: string, kind: LayerKind = 'raster'): LayerEntry => ({ id, kind, name: `${id}.tif`, visible: true, opacity: 1 });
const ids = (list: LayerList) => list.layers.map((l) => l.id);

function listOf(...names: string[]): LayerList {
  const list = new LayerList();
  for (const n of names) list.add(entry(n));
  return list;
}

describe('LayerList', () => {
  it('adds on top; re-adding an id replaces it in place', () => {
    const list = listOf('a', 'b', 'c');
    expect(ids(list)).toEqual(['c', 'b', 'a']);
    list.add({ ...entry('b', 'results'), name: 'renamed' });
    expect(ids(list)).toEqual(['c', 'b', 'a']);
    expect(list.get('b')).toMatchObject({ kind: 'results', name: 'renamed' });
    expect(list.get('zzz')).toBeUndefined();
  });

  it('moves up and down, and not past the ends', () => {
    const list = listOf('a', 'b', 'c');
    list.move('a', -1);
    expect(ids(list)).toEqual(['c', 'a', 'b']);
    list.move('a', -1);
    expect(ids(list)).toEqual(['a', 'c', 'b']);
    list.move('a', -1);
    expect(ids(list)).toEqual(['a', 'c', 'b']);
    list.move('b', 1);
    expect(ids(list)).toEqual(['a', 'c', 'b']);
    list.move('a', 1);
    expect(ids(list)).toEqual(['c', 'a', 'b']);
    list.move('missing', 1);
    expect(ids(list)).toEqual(['c', 'a', 'b']);
  });

  it('z-index: the top entry highest, all distinct, following moves; 0 for unknown ids', () => {
    const list = listOf('a', 'b', 'c');
    const z = () => ids(list).map((id) => list.zIndex(id));
    expect(z()).toEqual([...z()].sort((x, y) => y - x));
    expect(new Set(z()).size).toBe(3);
    expect(list.zIndex('c')).toBeGreaterThan(list.zIndex('a'));
    list.move('a', -1);
    list.move('a', -1);
    expect(list.zIndex('a')).toBeGreaterThan(list.zIndex('c'));
    expect(list.zIndex('nope')).toBe(0);
    // Above the basemap's z-index (0) however many layers there are.
    expect(Math.min(...z())).toBeGreaterThan(0);
  });

  it('removes', () => {
    const list = listOf('a', 'b', 'c');
    list.remove('b');
    expect(ids(list)).toEqual(['c', 'a']);
    list.remove('b');
    expect(ids(list)).toEqual(['c', 'a']);
    expect(list.zIndex('b')).toBe(0);
  });

  it('opacity is clamped to 0–1; visibility toggles; both leave other fields and order alone', () => {
    const list = listOf('a', 'b');
    list.setOpacity('a', 1.7);
    expect(list.get('a')!.opacity).toBe(1);
    list.setOpacity('a', -0.2);
    expect(list.get('a')!.opacity).toBe(0);
    list.setOpacity('a', 0.35);
    expect(list.get('a')!.opacity).toBe(0.35);
    list.setVisible('b', false);
    expect(list.get('b')).toEqual({ ...entry('b'), visible: false });
    expect(list.get('a')).toEqual({ ...entry('a'), opacity: 0.35 });
    expect(ids(list)).toEqual(['b', 'a']);
  });

  it('tells listeners of every change, until they unsubscribe; no-ops do not notify', () => {
    const list = new LayerList();
    const listener = vi.fn();
    const other = vi.fn();
    const off = list.onChange(listener);
    list.onChange(other);
    list.add(entry('a'));
    list.add(entry('b'));
    list.move('b', 1);
    list.setOpacity('a', 0.5);
    list.setVisible('a', false);
    list.remove('b');
    expect(listener).toHaveBeenCalledTimes(6);
    list.move('a', -1); // at the top already
    list.setOpacity('missing', 0.5);
    expect(listener).toHaveBeenCalledTimes(6);
    off();
    list.add(entry('c'));
    expect(listener).toHaveBeenCalledTimes(6);
    expect(other).toHaveBeenCalledTimes(7);
  });
});

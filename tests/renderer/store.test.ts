/** The renderer's store: state replaced, never mutated; listeners told of changes only; slices selected by identity. */
import { describe, expect, it, vi } from 'vitest';
import { Store } from '../../renderer/src/state/store.js';

interface State {
  count: number;
  items: readonly string[];
  label: string;
}

const initial = (): State => ({ count: 0, items: [], label: 'a' });

describe('Store', () => {
  it('gives the current state; set, update and patch replace it', () => {
    const store = new Store(initial());
    expect(store.get()).toEqual({ count: 0, items: [], label: 'a' });
    store.set({ count: 1, items: ['x'], label: 'b' });
    expect(store.get()).toEqual({ count: 1, items: ['x'], label: 'b' });
    store.update((s) => ({ ...s, count: s.count + 1 }));
    expect(store.get().count).toBe(2);
    const before = store.get();
    store.patch({ label: 'c' });
    expect(store.get()).toEqual({ count: 2, items: ['x'], label: 'c' });
    // The old state is left as it was: listeners compare by identity.
    expect(before.label).toBe('b');
    expect(store.get().items).toBe(before.items);
  });

  it('tells subscribers each change with the new and the previous state, and not the same state again', () => {
    const store = new Store(initial());
    const listener = vi.fn();
    const off = store.subscribe(listener);
    const first = store.get();
    store.patch({ count: 1 });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenLastCalledWith({ ...first, count: 1 }, first);
    store.update((s) => s);
    store.set(store.get());
    expect(listener).toHaveBeenCalledTimes(1);
    off();
    store.patch({ count: 2 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('select: called at once, then only when the selected slice changes', () => {
    const store = new Store(initial());
    const seen: [readonly string[], readonly string[] | undefined][] = [];
    const off = store.select(
      (s) => s.items,
      (items, previous) => seen.push([items, previous]),
    );
    expect(seen).toEqual([[[], undefined]]);
    store.patch({ count: 5 });
    store.patch({ label: 'z' });
    expect(seen).toHaveLength(1);
    const empty = store.get().items;
    store.patch({ items: ['one'] });
    expect(seen).toHaveLength(2);
    expect(seen[1][0]).toEqual(['one']);
    expect(seen[1][1]).toBe(empty);
    off();
    store.patch({ items: ['two'] });
    expect(seen).toHaveLength(2);
  });

  it('select: derived values compare by identity unless told how; strings compare by value', () => {
    const store = new Store(initial());
    const byIdentity = vi.fn();
    const byValue = vi.fn();
    const text = vi.fn();
    store.select((s) => ({ n: s.count }), byIdentity);
    store.select(
      (s) => ({ n: s.count }),
      byValue,
      (a, b) => a.n === b.n,
    );
    store.select((s) => `${s.count} items`, text);
    store.patch({ label: 'b' });
    expect(byIdentity).toHaveBeenCalledTimes(2);
    expect(byValue).toHaveBeenCalledTimes(1);
    expect(text).toHaveBeenCalledTimes(1);
    store.patch({ count: 3 });
    expect(byValue).toHaveBeenCalledTimes(2);
    expect(byValue).toHaveBeenLastCalledWith({ n: 3 }, { n: 0 });
    expect(text).toHaveBeenLastCalledWith('3 items', '0 items');
  });

  it('a listener that changes the store: everyone ends up seeing the newest state, each slice once', () => {
    const store = new Store(initial());
    // Whenever the count changes, the label follows it (as a controller resetting a preview when settings change).
    store.select(
      (s) => s.count,
      (count) => store.patch({ label: `count ${count}` }),
    );
    const labels: string[] = [];
    const counts: number[] = [];
    store.select(
      (s) => s.label,
      (label) => labels.push(label),
    );
    store.select(
      (s) => s.count,
      (count) => counts.push(count),
    );
    store.patch({ count: 1 });
    expect(store.get()).toMatchObject({ count: 1, label: 'count 1' });
    expect(labels).toEqual(['count 0', 'count 1']);
    expect(counts).toEqual([0, 1]);
  });

  it('a listener unsubscribed by another during a change is not called for it', () => {
    const store = new Store(initial());
    const late = vi.fn();
    let offLate = () => {};
    store.subscribe(() => offLate());
    offLate = store.subscribe(late);
    store.patch({ count: 1 });
    expect(late).not.toHaveBeenCalled();
  });
});

/**
 * One observable value: the renderer's whole state lives in a `Store`, changed
 * only by replacing it (`update`, `patch`, `set`), so a listener can tell what
 * changed by identity. No framework: panels and the map subscribe to the
 * slices they show and update their own elements.
 */
export type Listener<S> = (state: S, previous: S) => void;

export class Store<S extends object> {
  private state: S;
  private readonly listeners = new Set<Listener<S>>();

  constructor(initial: S) {
    this.state = initial;
  }

  get(): S {
    return this.state;
  }

  /** Replaces the state and tells every listener; the same state again is no change. */
  set(next: S): void {
    if (Object.is(next, this.state)) return;
    const previous = this.state;
    this.state = next;
    for (const listener of [...this.listeners]) {
      // A listener that unsubscribed while others were told is not told any more.
      if (this.listeners.has(listener)) listener(this.state, previous);
    }
  }

  update(change: (state: S) => S): void {
    this.set(change(this.state));
  }

  /** Replaces some top-level fields. */
  patch(change: Partial<S>): void {
    this.set({ ...this.state, ...change });
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: Listener<S>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` with the selected slice now, and again whenever the slice
   * changes (by `equals`, identity by default). A listener that changes the
   * store meanwhile is fine: every selector sees the newest state, once.
   */
  select<T>(
    selector: (state: S) => T,
    listener: (slice: T, previous: T | undefined) => void,
    equals: (a: T, b: T) => boolean = Object.is,
  ): () => void {
    let current = selector(this.state);
    listener(current, undefined);
    return this.subscribe((state) => {
      const next = selector(state);
      if (equals(next, current)) return;
      const previous = current;
      current = next;
      listener(next, previous);
    });
  }
}

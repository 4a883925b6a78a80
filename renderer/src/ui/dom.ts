/** A small element builder: the renderer has no UI framework, and needs little. */
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.replace(/^on/, ''), value);
    else if (key === 'class') node.className = String(value);
    else if (key in node && typeof value !== 'string') (node as unknown as Record<string, unknown>)[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** A labelled field row. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return el(
    'label',
    { class: 'field' },
    el('span', { class: 'field-label' }, label),
    control,
    hint ? el('small', { class: 'hint' }, hint) : null,
  );
}

export function select<T extends string>(
  value: T,
  options: readonly (readonly [T, string])[],
  onChange: (value: T) => void,
  testId?: string,
): HTMLSelectElement {
  const node = el('select', { 'data-testid': testId, onchange: () => onChange(node.value as T) });
  for (const [v, label] of options) node.append(el('option', { value: v, selected: v === value }, label));
  node.value = value;
  return node;
}

/** One element of a keyed list, made once and then updated in place. */
export interface Row<T> {
  readonly node: HTMLElement;
  update(item: T): void;
}

/**
 * Keeps an element's children in step with a list, one row per key: a row is
 * made when its key appears, updated (not replaced) while it stays, moved
 * when the order changes and removed with its key. So a control keeps its
 * focus and a slider its drag while the state it shows changes.
 */
export class KeyedList<T> {
  private readonly rows = new Map<string, { row: Row<T>; item: T }>();
  private readonly root: HTMLElement;
  private readonly key: (item: T) => string;
  private readonly create: (item: T) => Row<T>;
  private readonly empty: HTMLElement;

  /** `empty` is shown while the list is. */
  constructor(root: HTMLElement, key: (item: T) => string, create: (item: T) => Row<T>, empty: HTMLElement) {
    this.root = root;
    this.key = key;
    this.create = create;
    this.empty = empty;
  }

  render(items: readonly T[]): void {
    const keys = new Set(items.map(this.key));
    for (const [key, { row }] of this.rows) {
      if (keys.has(key)) continue;
      row.node.remove();
      this.rows.delete(key);
    }
    if (items.length === 0) {
      this.root.replaceChildren(this.empty);
      return;
    }
    this.empty.remove();
    let previous: Node | null = null;
    for (const item of items) {
      const key = this.key(item);
      let known = this.rows.get(key);
      if (!known) {
        known = { row: this.create(item), item };
        known.row.update(item);
        this.rows.set(key, known);
      } else if (known.item !== item) {
        known.item = item;
        known.row.update(item);
      }
      const next: ChildNode | null = previous ? previous.nextSibling : this.root.firstChild;
      if (known.row.node !== next) this.root.insertBefore(known.row.node, next);
      previous = known.row.node;
    }
  }
}

/** An SVG element (charts), as `el` makes HTML ones: attributes by name, then children. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  ...children: (Node | string | null | undefined)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(key, String(value));
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

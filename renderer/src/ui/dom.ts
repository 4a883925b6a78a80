/** A small element builder: the renderer has no UI framework, and needs little. */
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
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
  return el('label', { class: 'field' }, el('span', { class: 'field-label' }, label), control, hint ? el('small', { class: 'hint' }, hint) : null);
}

export function select<T extends string>(value: T, options: readonly (readonly [T, string])[], onChange: (value: T) => void, testId?: string): HTMLSelectElement {
  const node = el('select', { 'data-testid': testId, onchange: () => onChange(node.value as T) });
  for (const [v, label] of options) node.append(el('option', { value: v, selected: v === value }, label));
  node.value = value;
  return node;
}

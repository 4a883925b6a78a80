/**
 * The message bar: errors and notices as readable one-liners, newest on top,
 * each dismissable. Uncaught errors land here too, never as a blank window.
 */
import { el } from './dom.js';

export type MessageLevel = 'error' | 'warning' | 'info';

/** A button on a message, e.g. Restart. */
export interface MessageAction {
  label: string;
  run(): void;
}

export class MessageBar {
  private readonly root: HTMLElement;

  constructor(root: HTMLElement) {
    this.root = root;
  }

  /** Shows a message (with an optional action button); returns the function that takes it away. */
  show(level: MessageLevel, text: string, action?: MessageAction): () => void {
    // The same message again moves to the top instead of stacking up.
    for (const existing of [...this.root.children]) {
      if (existing.classList.contains(level) && existing.firstElementChild?.textContent === text) existing.remove();
    }
    const role = level === 'error' ? 'alert' : 'status';
    const item = el('div', { class: `message ${level}`, role, 'data-testid': `message-${level}` }, el('span', {}, text));
    if (action) item.append(el('button', { 'data-testid': 'message-action', onclick: () => action.run() }, action.label));
    item.append(el('button', { class: 'dismiss', title: 'Dismiss', onclick: () => item.remove() }, '×'));
    this.root.prepend(item);
    while (this.root.children.length > 6) this.root.lastElementChild?.remove();
    // Errors stay until dismissed; the rest fade out.
    if (level !== 'error') setTimeout(() => item.remove(), level === 'info' ? 8000 : 20000);
    return () => item.remove();
  }

  error(error: unknown): void {
    this.show('error', error instanceof Error ? error.message : String(error));
  }

  /** Routes uncaught errors and rejections of the page here. */
  catchUncaught(): void {
    window.addEventListener('error', (event) => this.show('error', event.message));
    window.addEventListener('unhandledrejection', (event) => this.error(event.reason));
  }
}

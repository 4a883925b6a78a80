/**
 * The message bar: errors and notices as readable one-liners, newest on top,
 * each dismissable. Uncaught errors land here too, never as a blank window.
 */
import { el } from './dom.js';

export type MessageLevel = 'error' | 'warning' | 'info';

export class MessageBar {
  private readonly root: HTMLElement;

  constructor(root: HTMLElement) {
    this.root = root;
  }

  show(level: MessageLevel, text: string): void {
    // The same message again moves to the top instead of stacking up.
    for (const existing of [...this.root.children]) {
      if (existing.classList.contains(level) && existing.firstElementChild?.textContent === text) existing.remove();
    }
    const item = el('div', { class: `message ${level}`, role: level === 'error' ? 'alert' : 'status', 'data-testid': `message-${level}` }, el('span', {}, text));
    item.append(el('button', { class: 'dismiss', title: 'Dismiss', onclick: () => item.remove() }, '×'));
    this.root.prepend(item);
    while (this.root.children.length > 6) this.root.lastElementChild?.remove();
    // Errors stay until dismissed; the rest fade out.
    if (level !== 'error') setTimeout(() => item.remove(), level === 'info' ? 8000 : 20000);
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

/**
 * The message bar: errors and notices as readable one-liners, newest on top,
 * each dismissable. Uncaught errors land here too, never as a blank window.
 */
import { kindOf } from '../../../shared/errors/index.js';
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

  /**
   * Shows a failed call by its kind: bad input as it is (the message says what to fix), a bug as
   * unexpected, to report. A cancelled call is not a failure, and a lost service has its own banner.
   */
  error(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    switch (kindOf(error)) {
      case 'cancelled':
      case 'disconnected':
        return;
      case 'bad-input':
        this.show('error', message);
        return;
      case 'bug':
        this.show('error', `Unexpected error: ${message}. Please report it.`);
    }
  }

  /** Routes uncaught errors and rejections of the page here. */
  catchUncaught(): void {
    window.addEventListener('error', (event) => this.error(event.error ?? event.message));
    window.addEventListener('unhandledrejection', (event) => this.error(event.reason));
  }
}
